//! [`KVec`] and [`KVVec`]: growable arrays whose every growing operation is a
//! request (flags and a token), bounded by the allocator's maximum.
//!
//! A failed growth returns an error and leaves the vector exactly as it was
//! (same length, capacity, contents and buffer); [`push`](BoundedVec::push)
//! hands the value back inside its [`PushError`].
//!
//! Operations whose size is only known at run time accept fallible flags
//! only ([`MayFail`]); [`grow_to`](BoundedVec::grow_to) takes a checked
//! [`Size`] and therefore also accepts `__GFP_NOFAIL`,
//! with a `Size<Nofail>`.
//!
//! ```
//! use alloc_ctx::{KVec, MaySleep, flags::*};
//! MaySleep::enter(|cx| {
//!     let mut ids = KVec::new();
//!     ids.push(1u32, GFP_KERNEL, cx)?;
//!     ids.extend_from_slice(&[2, 3, 4], GFP_KERNEL, cx)?;
//!     cx.nowait_scope(|cx| ids.push(5, GFP_ATOMIC, cx))?;
//!     assert_eq!(ids.as_slice(), &[1, 2, 3, 4, 5]);
//!     Ok::<_, alloc_ctx::AllocError>(())
//! })?;
//! # Ok::<_, alloc_ctx::AllocError>(())
//! ```

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{self, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

use crate::backend::{Backend, System};
use crate::context::{BoundFor, Outcome, Token};
use crate::error::AllocError;
use crate::flags::{Gfp, GfpFlags};
use crate::request;
use crate::rules::{MayFail, Permits};
use crate::size::{Bound, Kmalloc, Kvmalloc, Size, SizeError, SizeFor, array_size};
use crate::typelevel::Bool;

/// A vector bounded by `kmalloc`'s maximum (4 MiB).
pub type KVec<T, A = System> = BoundedVec<T, Kmalloc, A>;
/// A vector bounded by `kvmalloc`'s maximum (`INT_MAX` bytes).
pub type KVVec<T, A = System> = BoundedVec<T, Kvmalloc, A>;

/// A growable array of `T` whose buffer never exceeds `B::MAX` bytes, from
/// backend `A`. Use it through [`KVec`] or [`KVVec`].
///
/// It dereferences to a slice, so every slice method is there. A few of
/// those allocate on their own, from the global allocator and outside the
/// token rules: `to_vec()`, `to_owned()`, `concat()`, `join()`,
/// `repeat()`. Do not call them where the context matters (the checking
/// allocator, `alloc_ctx::checking`, reports them inside atomic sections);
/// use [`try_clone`](Self::try_clone) with flags and a token instead.
pub struct BoundedVec<T, B: Bound, A: Backend = System> {
    ptr: NonNull<T>,
    cap: usize,
    len: usize,
    backend: A,
    _marker: PhantomData<(T, fn() -> B)>,
}

// SAFETY: the vector owns its elements like `Vec` does.
unsafe impl<T: Send, B: Bound, A: Backend + Send> Send for BoundedVec<T, B, A> {}
// SAFETY: shared access only gives `&[T]` and `&A`.
unsafe impl<T: Sync, B: Bound, A: Backend + Sync> Sync for BoundedVec<T, B, A> {}

/// A [`push`](BoundedVec::push) failed; the value is handed back.
#[derive(thiserror::Error)]
#[error("{error}")]
pub struct PushError<T> {
    /// The value that was not pushed.
    pub value: T,
    /// Why.
    pub error: AllocError,
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushError").field("error", &self.error).finish_non_exhaustive()
    }
}

impl<T> From<PushError<T>> for AllocError {
    fn from(error: PushError<T>) -> AllocError {
        error.error
    }
}

impl<T, B: Bound> BoundedVec<T, B, System> {
    /// An empty vector; allocates nothing.
    pub const fn new() -> Self {
        Self::new_in(System)
    }

    /// A vector with room for `capacity` elements.
    #[track_caller]
    pub fn with_capacity<C, F>(capacity: usize, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        Self::with_capacity_in(capacity, System, flags, cx)
    }
}

impl<T, B: Bound> Default for BoundedVec<T, B, System> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, B: Bound, A: Backend> BoundedVec<T, B, A> {
    /// The most elements any vector of this type can hold.
    pub const MAX_CAPACITY: usize = if mem::size_of::<T>() == 0 { usize::MAX } else { B::MAX / mem::size_of::<T>() };

    /// An empty vector using `backend`; allocates nothing.
    pub const fn new_in(backend: A) -> Self {
        let cap = if mem::size_of::<T>() == 0 { usize::MAX } else { 0 };
        BoundedVec { ptr: NonNull::dangling(), cap, len: 0, backend, _marker: PhantomData }
    }

    /// A vector using `backend` with room for `capacity` elements.
    #[track_caller]
    pub fn with_capacity_in<C, F>(capacity: usize, backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        let mut vec = Self::new_in(backend);
        vec.reserve_exact_gfp(capacity, || crate::context::served(cx, flags.gfp()))?;
        Ok(vec)
    }

    /// The number of elements.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many elements fit without another request.
    pub const fn capacity(&self) -> usize {
        self.cap
    }

    /// The elements.
    pub fn as_slice(&self) -> &[T] {
        self
    }

    /// The elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }

    /// The backend.
    pub fn backend(&self) -> &A {
        &self.backend
    }

    /// Makes room for at least `additional` more elements (amortised
    /// growth: the capacity at least doubles while that fits the bound).
    ///
    /// # Errors
    ///
    /// [`AllocError::Size`] if the buffer would exceed `B::MAX` bytes,
    /// [`AllocError::OutOfMemory`] if the backend fails. The vector is
    /// unchanged either way.
    #[track_caller]
    pub fn reserve<C, F>(&mut self, additional: usize, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        self.reserve_gfp(additional, || crate::context::served(cx, flags.gfp()))
    }

    /// Appends `value`.
    ///
    /// # Errors
    ///
    /// As [`reserve`](Self::reserve); the value comes back in the
    /// [`PushError`] and the vector is unchanged.
    #[track_caller]
    pub fn push<C, F>(&mut self, value: T, flags: F, cx: &mut C) -> Result<(), PushError<T>>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        let len = self.len;
        if let Err(error) = self.reserve_gfp(1, || crate::context::served(cx, flags.gfp())) {
            return Err(PushError { value, error });
        }
        // SAFETY: `len < cap` (there was room, or the buffer just grew), so
        // the slot is inside the buffer and unused.
        unsafe { self.ptr.as_ptr().add(len).write(value) };
        self.len = len + 1;
        Ok(())
    }

    /// Appends `value` if there is room, without any request; otherwise
    /// hands it back.
    pub fn push_within_capacity(&mut self, value: T) -> Result<(), T> {
        if self.len == self.cap {
            return Err(value);
        }
        // SAFETY: `len < cap`, so the slot is inside the buffer and unused.
        unsafe { self.ptr.as_ptr().add(self.len).write(value) };
        self.len += 1;
        Ok(())
    }

    /// Appends clones of `other`'s elements; all or nothing as far as the
    /// allocation goes (the room is reserved before the first clone).
    #[track_caller]
    pub fn extend_from_slice<C, F>(&mut self, other: &[T], flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        self.reserve_gfp(other.len(), || crate::context::served(cx, flags.gfp()))?;
        // SAFETY: room for `other.len()` more elements was reserved: the
        // slots after `len` are inside the buffer, unused, and not aliased
        // by `other` (a shared borrow of something else).
        let spare = unsafe {
            core::slice::from_raw_parts_mut(self.ptr.as_ptr().add(self.len).cast::<MaybeUninit<T>>(), other.len())
        };
        // The standard library's clone-into-uninitialised: a `memcpy` for
        // `Copy` types, and on a panicking `clone` it drops what it cloned,
        // so the vector (whose length has not moved yet) stays as it was.
        spare.write_clone_of_slice(other);
        self.len += other.len();
        Ok(())
    }

    /// Resizes to `new_len`, filling with clones of `value` or truncating.
    #[track_caller]
    pub fn resize<C, F>(&mut self, new_len: usize, value: T, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        if new_len <= self.len {
            self.truncate(new_len);
            return Ok(());
        }
        self.reserve_gfp(new_len - self.len, || crate::context::served(cx, flags.gfp()))?;
        while self.len < new_len {
            let _ = self.push_within_capacity(value.clone());
        }
        Ok(())
    }

    /// A copy in a new buffer (the `Clone` equivalent: it takes flags and a
    /// token).
    #[track_caller]
    pub fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        T: Clone,
        A: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
    {
        let mut copy = Self::new_in(self.backend.clone());
        copy.reserve_exact_gfp(self.len, || crate::context::served(cx, flags.gfp()))?;
        for item in self.iter() {
            let _ = copy.push_within_capacity(item.clone());
        }
        Ok(copy)
    }

    /// Grows the buffer to at least `size` bytes (rounded down to whole
    /// elements); does nothing if it is already that large.
    ///
    /// The size is checked before the call, so this is the one growing
    /// operation that accepts `__GFP_NOFAIL` (with a `Size<Nofail>`, at
    /// most 8 KiB) and then returns `()` instead of a `Result`.
    ///
    /// ```
    /// use alloc_ctx::{KVec, MaySleep, flags::*, size::{array_size, Nofail}};
    /// MaySleep::enter(|cx| {
    ///     let mut paths: KVec<[u64; 4]> = KVec::new();
    ///     let small = array_size::<[u64; 4], Nofail>(8).expect("8 paths fit in 8 KiB");
    ///     paths.grow_to(small, GFP_KERNEL | __GFP_NOFAIL, cx); // cannot fail
    ///     assert!(paths.capacity() >= 8);
    /// });
    /// ```
    #[track_caller]
    pub fn grow_to<C, F, S>(&mut self, size: S, flags: F, cx: &mut C) -> Outcome<F, ()>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        S: SizeFor<BoundFor<F, B>>,
    {
        let capacity = size.bytes().checked_div(mem::size_of::<T>()).unwrap_or(usize::MAX);
        let result = if capacity <= self.cap {
            Ok(())
        } else {
            self.realloc_to(capacity, crate::context::served(cx, flags.gfp()))
        };
        <F::NoFail as Bool>::outcome(result)
    }

    /// Removes and returns the last element.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: the slot at the old last index is initialised and is now
        // outside `len`, so it is read exactly once.
        Some(unsafe { self.ptr.as_ptr().add(self.len).read() })
    }

    /// Shortens to `len` elements, dropping the rest (keeps the capacity).
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let tail = ptr::slice_from_raw_parts_mut(
            // SAFETY: `len < self.len`, so the offset is inside the buffer.
            unsafe { self.ptr.as_ptr().add(len) },
            self.len - len,
        );
        // Shorten first: if a destructor panics, the rest are leaked rather
        // than dropped twice.
        self.len = len;
        // SAFETY: the tail elements are initialised and no longer reachable.
        unsafe { ptr::drop_in_place(tail) };
    }

    /// Removes every element (keeps the capacity).
    pub fn clear(&mut self) {
        self.truncate(0);
    }

    /// Removes the element at `index`, replacing it with the last one.
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        assert!(index < self.len, "swap_remove index {index} out of bounds (len {})", self.len);
        let last = self.len - 1;
        self.swap(index, last);
        self.pop().expect("non-empty")
    }

    /// Makes room for `additional` more elements, growing geometrically.
    /// `gfp` gives the effective flags (a thread-local read of the scope
    /// mask): it is only called when the buffer must grow, so a request
    /// that fits the capacity costs one comparison.
    #[track_caller]
    fn reserve_gfp(&mut self, additional: usize, gfp: impl FnOnce() -> Gfp) -> Result<(), AllocError> {
        if additional <= self.cap - self.len {
            return Ok(());
        }
        self.grow_amortized(additional, gfp())
    }

    /// As [`reserve_gfp`](Self::reserve_gfp), growing to exactly the room
    /// asked for.
    #[track_caller]
    fn reserve_exact_gfp(&mut self, additional: usize, gfp: impl FnOnce() -> Gfp) -> Result<(), AllocError> {
        if additional <= self.cap - self.len {
            return Ok(());
        }
        let required = self.len.checked_add(additional).ok_or(overflow::<B>())?;
        self.realloc_checked(required, gfp())
    }

    #[cold]
    #[track_caller]
    fn grow_amortized(&mut self, additional: usize, gfp: Gfp) -> Result<(), AllocError> {
        let required = self.len.checked_add(additional).ok_or(overflow::<B>())?;
        // Small vectors start at a few elements, as `Vec` does.
        let minimum = if mem::size_of::<T>() == 1 {
            8
        } else if mem::size_of::<T>() <= 1024 {
            4
        } else {
            1
        };
        let doubled = self.cap.saturating_mul(2).max(required).max(minimum);
        // Doubling past the bound must not fail a request that fits exactly.
        let capacity = if doubled <= Self::MAX_CAPACITY { doubled } else { required };
        self.realloc_checked(capacity, gfp)
    }

    #[track_caller]
    fn realloc_checked(&mut self, capacity: usize, gfp: Gfp) -> Result<(), AllocError> {
        array_size::<T, B>(capacity)?;
        self.realloc_to(capacity, gfp)
    }

    /// Moves the buffer to one of `capacity` elements (`capacity > cap`,
    /// and `capacity * size_of::<T>()` within a size bound). On error the
    /// vector is unchanged.
    #[track_caller]
    fn realloc_to(&mut self, capacity: usize, gfp: Gfp) -> Result<(), AllocError> {
        debug_assert!(capacity > self.cap && mem::size_of::<T>() != 0);
        let new_layout =
            Layout::array::<T>(capacity).map_err(|_| AllocError::Size(Size::<B>::new(usize::MAX).unwrap_err()))?;
        let ptr = if self.cap == 0 {
            request::allocate(&self.backend, new_layout, gfp)?
        } else {
            // SAFETY: the buffer was allocated by `self.backend` with
            // `current_layout()`, and `new_layout` has the same alignment.
            unsafe { request::reallocate(&self.backend, self.ptr.cast(), self.current_layout(), new_layout, gfp)? }
        };
        self.ptr = ptr.cast();
        self.cap = capacity;
        Ok(())
    }

    fn current_layout(&self) -> Layout {
        // The capacity was validated when the buffer was allocated.
        Layout::array::<T>(self.cap).expect("layout of an allocated buffer")
    }
}

fn overflow<B: Bound>() -> AllocError {
    let error: SizeError = match Size::<B>::new(usize::MAX) {
        Err(error) => error,
        Ok(_) => unreachable!("no bound accepts usize::MAX"),
    };
    AllocError::Size(error)
}

impl<T, B: Bound, A: Backend> Drop for BoundedVec<T, B, A> {
    fn drop(&mut self) {
        /// Frees the buffer when dropped: after the elements, and also while
        /// unwinding from an element's panicking `Drop`, as `Vec` does.
        struct FreeBuffer<'v, T, B: Bound, A: Backend>(&'v mut BoundedVec<T, B, A>);

        impl<T, B: Bound, A: Backend> Drop for FreeBuffer<'_, T, B, A> {
            fn drop(&mut self) {
                let vec = &mut *self.0;
                if vec.cap != 0 && mem::size_of::<T>() != 0 {
                    // SAFETY: the buffer was allocated by `vec.backend` with
                    // `current_layout()` and is not used again.
                    unsafe { vec.backend.free(vec.ptr.cast(), vec.current_layout()) };
                }
            }
        }

        let buffer = FreeBuffer(self);
        let elements = ptr::slice_from_raw_parts_mut(buffer.0.ptr.as_ptr(), buffer.0.len);
        // SAFETY: the first `len` elements are initialised and dropped once
        // (a slice's drop glue goes on with the rest if one panics).
        unsafe { ptr::drop_in_place(elements) };
    }
}

impl<T, B: Bound, A: Backend> Deref for BoundedVec<T, B, A> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` is non-null, aligned, and the first `len` elements
        // are initialised (dangling and `len == 0` for an empty buffer).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T, B: Bound, A: Backend> DerefMut for BoundedVec<T, B, A> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as `deref`, and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: fmt::Debug, B: Bound, A: Backend> fmt::Debug for BoundedVec<T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: PartialEq, B: Bound, A: Backend> PartialEq for BoundedVec<T, B, A> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

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
