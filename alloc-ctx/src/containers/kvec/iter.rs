//! Iterating a vector: by reference, by value (`IntoIter`, which owns the
//! buffer) and draining a range (`Drain`).

use super::*;

impl<'v, T, B: Bound, A: Backend> IntoIterator for &'v BoundedVec<T, B, A> {
    type Item = &'v T;
    type IntoIter = core::slice::Iter<'v, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'v, T, B: Bound, A: Backend> IntoIterator for &'v mut BoundedVec<T, B, A> {
    type Item = &'v mut T;
    type IntoIter = core::slice::IterMut<'v, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<T, B: Bound, A: Backend> IntoIterator for BoundedVec<T, B, A> {
    type Item = T;
    type IntoIter = IntoIter<T, B, A>;

    /// Moves the elements out, from first to last; the buffer is freed
    /// through the backend when the iterator is dropped (also if it is
    /// dropped early, or while unwinding).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let v = kvec![cx; 1, 2]?;
    /// let mut v_iter = v.into_iter();
    /// let first_element: Option<u32> = v_iter.next();
    /// assert_eq!(first_element, Some(1));
    /// assert_eq!(v_iter.next(), Some(2));
    /// assert_eq!(v_iter.next(), None);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    fn into_iter(self) -> IntoIter<T, B, A> {
        let (ptr, len, cap, backend) = self.into_raw_parts_with_backend();
        // SAFETY: `ptr` is non-null (the vector's pointer).
        let buf = unsafe { NonNull::new_unchecked(ptr) };
        // INVARIANT: the iterator owns the buffer and elements `0..len`.
        IntoIter { buf, cap, range: OwnedRange { next: 0, end: len }, backend, _marker: PhantomData }
    }
}

/// The owning iterator of a vector (`for x in vec`, `vec.into_iter()`).
///
/// # Invariants
///
/// The buffer `(buf, cap)` is the vector's (same backend, same layout
/// rules); the elements `next..end` are initialised and owned by the
/// iterator, the others were moved out (or never existed).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::kvec;
/// let names = kvec![cx; String::from("eth0"), String::from("eth1")].unwrap();
/// let mut iter = names.into_iter();
/// let first: String = iter.next().unwrap(); // a value, not a reference
/// assert_eq!((first.as_str(), iter.len()), ("eth0", 1));
/// # }
/// ```
pub struct IntoIter<T, B: Bound, A: Backend = System> {
    pub(super) buf: NonNull<T>,
    pub(super) cap: usize,
    pub(super) range: OwnedRange,
    pub(super) backend: A,
    pub(super) _marker: PhantomData<(T, fn() -> B)>,
}

/// The elements `next..end` of a buffer that an iterator owns and hands
/// out one at a time from either end: what [`IntoIter`] and [`Drain`]
/// share. It holds indices only; the buffer is passed in.
#[derive(Clone, Copy)]
pub(super) struct OwnedRange {
    pub(super) next: usize,
    pub(super) end: usize,
}

impl OwnedRange {
    /// The elements still owned.
    fn len(self) -> usize {
        self.end - self.next
    }

    /// The owned elements of `base`, as a slice pointer.
    fn elements<T>(self, base: *mut T) -> *mut [T] {
        ptr::slice_from_raw_parts_mut(base.wrapping_add(self.next), self.len())
    }

    /// Gives up every element still owned (to be dropped by the caller):
    /// the range is empty afterwards.
    fn take_rest<T>(&mut self, base: *mut T) -> *mut [T] {
        let rest = self.elements(base);
        self.next = self.end;
        rest
    }

    /// The first owned element, moved out.
    ///
    /// # Safety
    ///
    /// The range's elements of `base` are initialised and owned by the
    /// caller.
    unsafe fn take_front<T>(&mut self, base: *mut T) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        let index = self.next;
        // INVARIANT: the element at `index` leaves the range here and is
        // read exactly once.
        self.next += 1;
        // SAFETY: `index < end`: an initialised element the range owned.
        Some(unsafe { base.add(index).read() })
    }

    /// The last owned element, moved out.
    ///
    /// # Safety
    ///
    /// As [`take_front`](Self::take_front).
    unsafe fn take_back<T>(&mut self, base: *mut T) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        // INVARIANT: the last element leaves the range here and is read
        // exactly once.
        self.end -= 1;
        // SAFETY: the old `end - 1` is an initialised element the range
        // owned.
        Some(unsafe { base.add(self.end).read() })
    }
}

// SAFETY: the iterator owns its elements like the vector does.
unsafe impl<T: Send, B: Bound, A: Backend + Send> Send for IntoIter<T, B, A> {}
// SAFETY: shared access only gives `&[T]`.
unsafe impl<T: Sync, B: Bound, A: Backend + Sync> Sync for IntoIter<T, B, A> {}

impl<T, B: Bound, A: Backend> IntoIter<T, B, A> {
    /// The elements not yet taken.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::kvec;
    /// let mut iter = kvec![cx; 1, 2, 3].unwrap().into_iter();
    /// iter.next();
    /// assert_eq!(iter.as_slice(), &[2, 3]);
    /// # }
    /// ```
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the range's elements are initialised and owned.
        unsafe { &*self.range.elements(self.buf.as_ptr()) }
    }

    /// The elements not yet taken, mutably.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::kvec;
    /// let mut iter = kvec![cx; 1, 2, 3].unwrap().into_iter();
    /// iter.as_mut_slice()[0] = 10;
    /// assert_eq!(iter.next(), Some(10));
    /// # }
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { &mut *self.range.elements(self.buf.as_ptr()) }
    }

    /// The elements not yet taken, as a vector again, in the same buffer
    /// (moved to its start). If the iterator was advanced, the buffer is
    /// shrunk to fit with a request (`flags`, `cx`); if that fails, the
    /// larger buffer is kept.
    ///
    /// Rust-for-Linux's `IntoIter::collect`; `Iterator::collect` cannot
    /// take flags or fail.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{flags::*, kvec};
    /// let v = kvec![cx; 1, 2, 3]?;
    /// let mut it = v.into_iter();
    /// assert_eq!(it.next(), Some(1));
    /// let v = it.collect(GFP_KERNEL, cx);
    /// assert_eq!(v, [2, 3]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn collect<C, F>(self, flags: F, cx: &mut C) -> BoundedVec<T, B, A>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is not used or dropped again: the backend is moved
        // out once.
        let backend = unsafe { ptr::read(&raw const me.backend) };
        let (buf, cap, next, len) = (me.buf, me.cap, me.range.next, me.range.len());
        if next != 0 {
            // SAFETY: the `len` elements from `next` move to the start of
            // the buffer (the ranges may overlap).
            unsafe { ptr::copy(buf.as_ptr().add(next), buf.as_ptr(), len) };
        }
        // INVARIANT: the buffer is the vector's old one, and its first
        // `len` elements are the ones this iterator still owned.
        let mut vec = BoundedVec { ptr: buf, cap, len, backend, _marker: PhantomData };
        if next != 0 {
            // Failing to shrink keeps the larger buffer, as in Rust-for-Linux.
            let _ = vec.shrink_gfp(0, || crate::context::token::served(cx, flags.gfp()));
        }
        vec
    }
}

impl<T, B: Bound, A: Backend> Iterator for IntoIter<T, B, A> {
    type Item = T;

    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let v = kvec![cx; 1, 2, 3]?;
    /// let mut it = v.into_iter();
    /// assert_eq!(it.next(), Some(1));
    /// assert_eq!(it.next(), Some(2));
    /// assert_eq!(it.next(), Some(3));
    /// assert_eq!(it.next(), None);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    fn next(&mut self) -> Option<T> {
        // SAFETY: the range's elements of `buf` are initialised and owned.
        unsafe { self.range.take_front(self.buf.as_ptr()) }
    }

    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, kvec};
    /// let v: KVec<u32> = kvec![cx; 1, 2, 3]?;
    /// let mut iter = v.into_iter();
    /// let size = iter.size_hint().0;
    /// iter.next();
    /// assert_eq!(iter.size_hint().0, size - 1);
    /// iter.next();
    /// assert_eq!(iter.size_hint().0, size - 2);
    /// iter.next();
    /// assert_eq!(iter.size_hint().0, size - 3);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.range.len(), Some(self.range.len()))
    }
}

impl<T, B: Bound, A: Backend> DoubleEndedIterator for IntoIter<T, B, A> {
    fn next_back(&mut self) -> Option<T> {
        // SAFETY: the range's elements of `buf` are initialised and owned.
        unsafe { self.range.take_back(self.buf.as_ptr()) }
    }
}

impl<T, B: Bound, A: Backend> ExactSizeIterator for IntoIter<T, B, A> {}
impl<T, B: Bound, A: Backend> FusedIterator for IntoIter<T, B, A> {}

impl<T: fmt::Debug, B: Bound, A: Backend> fmt::Debug for IntoIter<T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IntoIter").field(&self.as_slice()).finish()
    }
}

impl<T, B: Bound, A: Backend> Drop for IntoIter<T, B, A> {
    fn drop(&mut self) {
        /// Frees the buffer after the remaining elements, also while
        /// unwinding from a panicking element `Drop`.
        struct FreeBuffer<'i, T, B: Bound, A: Backend>(&'i mut IntoIter<T, B, A>);

        impl<T, B: Bound, A: Backend> Drop for FreeBuffer<'_, T, B, A> {
            fn drop(&mut self) {
                let iter = &mut *self.0;
                // SAFETY: the vector's buffer, taken over by the iterator,
                // not used again.
                unsafe { free_buffer(&iter.backend, iter.buf, iter.cap, <B::Family as Family>::ID) };
            }
        }

        let guard = FreeBuffer(self);
        let iter = &mut *guard.0;
        // INVARIANT: no element is owned any more, whatever happens below.
        let remaining = iter.range.take_rest(iter.buf.as_ptr());
        // SAFETY: the range's elements, initialised and owned until now,
        // dropped once (the slice's drop glue goes on if one panics).
        unsafe { ptr::drop_in_place(remaining) };
    }
}

/// The iterator of [`drain`](BoundedVec::drain) and
/// [`drain_all`](BoundedVec::drain_all): takes elements out of a range of
/// a vector; when dropped, drops those not taken and moves the later
/// elements down to close the gap. The buffer stays the vector's.
///
/// # Invariants
///
/// While it lives, the vector's length is the range's start; the elements
/// `next..end` and `tail_start..tail_start + tail_len` are initialised and
/// owned by the `Drain`.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::kvec;
/// let mut queue = kvec![cx; 1, 2, 3, 4].unwrap();
/// let mut batch = queue.drain(..2);
/// assert_eq!(batch.next(), Some(1));
/// drop(batch); // `2` is dropped too; `3, 4` move down
/// assert_eq!(queue, [3, 4]);
/// # }
/// ```
pub struct Drain<'v, T, B: Bound, A: Backend = System> {
    pub(super) vec: &'v mut BoundedVec<T, B, A>,
    pub(super) range: OwnedRange,
    pub(super) tail_start: usize,
    pub(super) tail_len: usize,
}

impl<T, B: Bound, A: Backend> Drain<'_, T, B, A> {
    /// The elements not yet taken.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3].unwrap();
    /// let drain = v.drain(1..);
    /// assert_eq!(drain.as_slice(), &[2, 3]);
    /// # }
    /// ```
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the range's elements are initialised and owned.
        unsafe { &*self.range.elements(self.vec.ptr.as_ptr()) }
    }
}

impl<T, B: Bound, A: Backend> Iterator for Drain<'_, T, B, A> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // SAFETY: the range's elements of the buffer are initialised and
        // owned by the `Drain`.
        unsafe { self.range.take_front(self.vec.ptr.as_ptr()) }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.range.len(), Some(self.range.len()))
    }
}

impl<T, B: Bound, A: Backend> DoubleEndedIterator for Drain<'_, T, B, A> {
    fn next_back(&mut self) -> Option<T> {
        // SAFETY: as `next`.
        unsafe { self.range.take_back(self.vec.ptr.as_ptr()) }
    }
}

impl<T, B: Bound, A: Backend> ExactSizeIterator for Drain<'_, T, B, A> {}
impl<T, B: Bound, A: Backend> FusedIterator for Drain<'_, T, B, A> {}

impl<T: fmt::Debug, B: Bound, A: Backend> fmt::Debug for Drain<'_, T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Drain").field(&self.as_slice()).finish()
    }
}

impl<T, B: Bound, A: Backend> Drop for Drain<'_, T, B, A> {
    fn drop(&mut self) {
        /// Moves the tail down after the remaining elements are dropped,
        /// also while unwinding from a panicking element `Drop`.
        struct MoveTail<'d, 'v, T, B: Bound, A: Backend>(&'d mut Drain<'v, T, B, A>);

        impl<T, B: Bound, A: Backend> Drop for MoveTail<'_, '_, T, B, A> {
            fn drop(&mut self) {
                let drain = &mut *self.0;
                let start = drain.vec.len;
                let base = drain.vec.ptr.as_ptr();
                if drain.tail_len != 0 && drain.tail_start != start {
                    // SAFETY: both ranges are inside the buffer; the tail is
                    // initialised and owned, the destination's old elements
                    // were moved out or dropped (they may overlap).
                    unsafe { ptr::copy(base.add(drain.tail_start), base.add(start), drain.tail_len) };
                }
                // INVARIANT: the vector owns its first elements and the tail
                // again, contiguous.
                drain.vec.len = start + drain.tail_len;
            }
        }

        let guard = MoveTail(self);
        let drain = &mut *guard.0;
        // INVARIANT: nothing of the range is owned any more.
        let remaining = drain.range.take_rest(drain.vec.ptr.as_ptr());
        // SAFETY: the range's elements, initialised and owned until now,
        // dropped once (the slice's drop glue goes on if one panics).
        unsafe { ptr::drop_in_place(remaining) };
    }
}
