//! [`KVec`], [`VVec`] and [`KVVec`]: growable arrays whose every growing
//! operation is a request (flags and a token), bounded by the allocator's
//! maximum, named as in Rust-for-Linux.
//!
//! A failed growth returns an error and leaves the vector exactly as it was
//! (same length, capacity, contents and buffer); [`push`](BoundedVec::push)
//! and [`insert`](BoundedVec::insert) hand the value back in their error.
//!
//! Operations whose size is only known at run time accept fallible flags
//! only ([`MayFail`]); [`grow_to`](BoundedVec::grow_to) takes a checked
//! [`Size`] and therefore also accepts `__GFP_NOFAIL`,
//! with a `Size<NofailMax>`.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
//! use alloc_ctx::{KVec, flags::*};
//! let mut ids = KVec::new();
//! ids.push(1u32, GFP_KERNEL, cx)?;
//! ids.extend_from_slice(&[2, 3, 4], GFP_KERNEL, cx)?;
//! cx.nowait_scope(|cx| ids.push(5, GFP_ATOMIC, cx))?;
//! assert_eq!(ids, [1, 2, 3, 4, 5]);
//! let doubled = KVec::try_from_iter(ids.iter().map(|id| id * 2), GFP_KERNEL, cx)?;
//! assert_eq!(doubled, [2, 4, 6, 8, 10]);
//! # Ok::<_, alloc_ctx::error::Error>(())
//! # }
//! ```

use core::alloc::Layout;
use core::borrow::{Borrow, BorrowMut};
use core::fmt;
use core::hash::{Hash, Hasher};
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop, MaybeUninit};
use core::ops::{Bound as RangeBound, Deref, DerefMut, RangeBounds};
use core::ptr::{self, NonNull};

use crate::containers::clone::TryClone;
use crate::containers::kbox::BoundedBox;
use crate::context::token::Token;
use crate::request::backend::{Backend, Free, System};
use crate::request::serve;
use crate::vocab::error::{AllocError, Error, code};
use crate::vocab::family::{Family, FamilyId, Kmalloc, RequestBound, Serves};
use crate::vocab::flags::Outcome;
use crate::vocab::flags::{Gfp, GfpFlags};
use crate::vocab::rules::SizeFits;
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::{
    Bound, KmallocMax, KvmallocMax, SizeError, VmallocMax, array_size, overflow as size_overflow,
};
use crate::vocab::typelevel::Bool;

mod errors;
mod iter;

pub use errors::{CapacityError, InsertError, PushError, RemoveError};
use iter::OwnedRange;
pub use iter::{Drain, IntoIter};

/// A vector bounded by `kmalloc`'s maximum (4 MiB): the Rust-for-Linux
/// `KVec`.
///
/// # Invariants
///
/// Those of [`BoundedVec`] with the `kmalloc` bound: the buffer is dangling
/// and empty or allocated by the vector's backend as an array of `capacity`
/// elements of at most `KMALLOC_MAX_SIZE` bytes; the first `len` elements
/// are initialised; a failed growth changes nothing.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{KVec, flags::*};
/// let mut v = KVec::new();
/// v.push(1, GFP_KERNEL, cx)?;
/// assert_eq!(&v, &[1]);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
pub type KVec<T, A = System> = BoundedVec<T, KmallocMax, A>;
/// A vector bounded by Rust's largest layout (`isize::MAX` bytes), for
/// `vmalloc` memory: the Rust-for-Linux `VVec`.
///
/// Its requests are for the [`Vmalloc`](crate::family::Vmalloc) family,
/// which needs `__GFP_DIRECT_RECLAIM`: a `VVec` grows only with sleeping
/// flags, so through a sleep token (reserve before an atomic section, then
/// `push_within_capacity` under the lock), and refuses `__GFP_NORETRY`.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{VVec, flags::*};
/// let mut v = VVec::new();
/// v.push(1, GFP_KERNEL, cx)?;
/// assert_eq!(&v, &[1]);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
pub type VVec<T, A = System> = BoundedVec<T, VmallocMax, A>;
/// A vector bounded by `kvmalloc`'s maximum (`INT_MAX` bytes): the
/// Rust-for-Linux `KVVec`.
///
/// Its requests are for the [`KVmalloc`](crate::family::KVmalloc) family:
/// `__GFP_NORETRY` is refused, and a request without `__GFP_DIRECT_RECLAIM`
/// (`GFP_ATOMIC`, `GFP_NOWAIT`) is bounded by `KMALLOC_MAX_SIZE`, as
/// kvmalloc serves it with kmalloc alone.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{KVVec, flags::*};
/// let mut v = KVVec::new();
/// v.push(1, GFP_KERNEL, cx)?;
/// assert_eq!(&v, &[1]);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
pub type KVVec<T, A = System> = BoundedVec<T, KvmallocMax, A>;

/// A growable array of `T` whose buffer never exceeds `B::MAX` bytes, from
/// backend `A`. Use it through [`KVec`], [`VVec`] or [`KVVec`].
///
/// It dereferences to a slice, so every slice method is there. A few of
/// those allocate on their own, from the global allocator and outside the
/// token rules: `to_vec()`, `to_owned()`, `concat()`, `join()`,
/// `repeat()`. Do not call them where the context matters (the checking
/// allocator, `alloc_ctx::checking`, reports them inside atomic sections);
/// use [`try_clone`](Self::try_clone) with flags and a token instead.
///
/// # Invariants
///
/// * `ptr` is dangling and `cap == 0`, or `ptr` was allocated by `backend`
///   with `Layout::array::<T>(cap)`, whose size is at most `B::MAX`. For a
///   zero-sized `T`, `ptr` is dangling and `cap == usize::MAX` (nothing is
///   ever allocated).
/// * `len <= cap`, and the first `len` elements are initialised and owned
///   by the vector.
/// * A failed growth leaves `ptr`, `cap`, `len` and the elements unchanged.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{KVec, flags::*, BoundedVec, size::KmallocMax};
/// let v: BoundedVec<u8, KmallocMax> = KVec::with_capacity(8, GFP_KERNEL, cx)?; // the same type
/// assert!(v.capacity() >= 8);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
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

#[cfg(feature = "alloc")]
impl<T, B: Bound> BoundedVec<T, B, System> {
    /// An empty vector; allocates nothing.
    ///
    /// ```
    /// use alloc_ctx::KVec;
    /// let v = KVec::<u32>::new();
    /// assert_eq!((v.len(), v.capacity()), (0, 0));
    /// ```
    pub const fn new() -> Self {
        Self::new_in(System)
    }

    /// A vector with room for at least `capacity` elements.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let v = KVec::<u32>::with_capacity(20, GFP_KERNEL, cx)?;
    /// assert!(v.capacity() >= 20);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn with_capacity<C, F>(capacity: usize, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        Self::with_capacity_in(capacity, System, flags, cx)
    }

    /// A vector of `n` clones of `value`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let v = KVec::from_elem(0u8, 3, GFP_KERNEL, cx)?;
    /// assert_eq!(v, [0, 0, 0]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_elem<C, F>(value: T, n: usize, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        Self::from_elem_in(value, n, System, flags, cx)
    }

    /// A vector of the array's elements, in a buffer of exactly `N`
    /// elements (what [`kvec!`](macro@crate::kvec) expands to).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let v = KVec::from_array([1, 2, 3], GFP_KERNEL, cx)?;
    /// assert_eq!((v.len(), v.capacity()), (3, 3));
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn from_array<const N: usize, C, F>(array: [T; N], flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let mut vec = Self::with_capacity(N, flags, cx)?;
        let array = ManuallyDrop::new(array);
        // SAFETY: room for `N` elements was reserved in a distinct
        // allocation; the array's elements are moved (bitwise) exactly once,
        // and the array is not dropped.
        unsafe { ptr::copy_nonoverlapping(array.as_ptr(), vec.ptr.as_ptr(), N) };
        // INVARIANT: the first `N` elements were just written.
        vec.len = N;
        Ok(vec)
    }

    /// A vector of the iterator's items: a fallible `collect()`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let squares = KVec::try_from_iter((1..=4u32).map(|x| x * x), GFP_KERNEL, cx)?;
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`reserve`](Self::reserve); the items taken from the iterator so
    /// far are dropped.
    #[track_caller]
    pub fn try_from_iter<I, C, F>(iter: I, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        I: IntoIterator<Item = T>,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        Self::try_from_iter_in(iter, System, flags, cx)
    }

    /// Takes ownership of a buffer from the [`System`] backend: a vector of
    /// `length` elements with room for `capacity`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*, kvec};
    /// let mut v = kvec![cx; 1, 2, 3]?;
    /// v.reserve(1, GFP_KERNEL, cx)?;
    /// let (ptr, mut len, cap) = v.into_raw_parts();
    /// // SAFETY: We've just reserved memory for another element.
    /// unsafe { ptr.add(len).write(4) };
    /// len += 1;
    /// // SAFETY: We only wrote an additional element at the end of the `KVec`'s buffer and
    /// // correspondingly increased the length of the `KVec` by one. Otherwise, we construct it
    /// // from the exact same raw parts.
    /// let v = unsafe { KVec::from_raw_parts(ptr, len, cap) };
    /// assert_eq!(v, [1, 2, 3, 4]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Safety
    ///
    /// As [`from_raw_parts_in`](Self::from_raw_parts_in) with the
    /// [`System`] backend.
    pub unsafe fn from_raw_parts(ptr: *mut T, length: usize, capacity: usize) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_raw_parts_in(ptr, length, capacity, System) }
    }
}

#[cfg(feature = "alloc")]
impl<T, B: Bound> Default for BoundedVec<T, B, System> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, B: Bound, A: Backend> BoundedVec<T, B, A> {
    /// The most elements any vector of this type can hold.
    pub const MAX_CAPACITY: usize = if mem::size_of::<T>() == 0 { usize::MAX } else { B::MAX / mem::size_of::<T>() };

    const IS_ZST: bool = mem::size_of::<T>() == 0;

    /// An empty vector using `backend`; allocates nothing.
    pub const fn new_in(backend: A) -> Self {
        let cap = if Self::IS_ZST { usize::MAX } else { 0 };
        // INVARIANT: dangling with no capacity (or a zero-sized `T`), empty.
        BoundedVec { ptr: NonNull::dangling(), cap, len: 0, backend, _marker: PhantomData }
    }

    /// A vector using `backend` with room for `capacity` elements.
    #[inline]
    #[track_caller]
    pub fn with_capacity_in<C, F>(capacity: usize, backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        Self::allocate_exact::<RequestBound<F, B>>(capacity, backend, || crate::context::token::served(cx, flags.gfp()))
    }

    /// A vector of `backend` with room for exactly `capacity` elements.
    /// The vector is made once the buffer is there: a request that fails
    /// leaves nothing to drop, and the fast path keeps the vector in
    /// registers.
    #[inline]
    #[track_caller]
    fn allocate_exact<R: Bound>(capacity: usize, backend: A, gfp: impl FnOnce() -> Gfp) -> Result<Self, AllocError> {
        if capacity == 0 || Self::IS_ZST {
            return Ok(Self::new_in(backend));
        }
        array_size::<T, R>(capacity)?;
        // Within the bound just checked: the layout exists.
        let ptr = serve::allocate_from(&backend, array_layout::<T>(capacity), gfp(), Self::FAMILY)?;
        // INVARIANT: a block of `Layout::array::<T>(capacity)` from
        // `backend`, within the bound; no element yet.
        Ok(BoundedVec { ptr: ptr.cast(), cap: capacity, len: 0, backend, _marker: PhantomData })
    }

    /// As [`from_elem`](BoundedVec::from_elem), using `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let v = KVec::from_elem_in(0xffu8, 16, &budget, GFP_KERNEL, cx).unwrap();
    /// assert_eq!((v.len(), budget.live_bytes()), (16, 16));
    /// # }
    /// ```
    #[track_caller]
    pub fn from_elem_in<C, F>(value: T, n: usize, backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let mut vec = Self::with_capacity_in(n, backend, flags, cx)?;
        vec.extend_with(n, value, flags, cx)?;
        Ok(vec)
    }

    /// As [`try_from_iter`](BoundedVec::try_from_iter), using `backend`.
    ///
    /// ```
    /// use alloc_ctx::{KVec, NoWait, backend::Budget, flags::*};
    /// let budget = Budget::new(16);
    /// NoWait::enter(|nw| {
    ///     assert!(KVec::try_from_iter_in(0..4u32, &budget, GFP_ATOMIC, nw).is_ok());
    ///     assert!(KVec::try_from_iter_in(0..5u32, &budget, GFP_ATOMIC | __GFP_NOWARN, nw).is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn try_from_iter_in<I, C, F>(iter: I, backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        I: IntoIterator<Item = T>,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let gfp = || crate::context::token::served(cx, flags.gfp());
        let mut vec = Self::new_in(backend);
        let iter = iter.into_iter();
        // A new vector: on failure it is dropped, so it may grow as it goes.
        vec.reserve_exact_gfp::<RequestBound<F, B>>(iter.size_hint().0, gfp)?;
        for item in iter {
            if let Err(error) = vec.push_gfp::<RequestBound<F, B>>(item, gfp) {
                return Err(error.error);
            }
        }
        Ok(vec)
    }

    /// Takes ownership of a buffer allocated by `backend`: a vector of
    /// `length` elements with room for `capacity`.
    ///
    /// # Safety
    ///
    /// If `T` is zero-sized, `ptr` is non-null and well aligned (the
    /// capacity is ignored). Otherwise:
    ///
    /// * `ptr` is dangling (non-null, aligned) and `capacity` is 0; or `ptr`
    ///   was allocated by `backend` (through a request) with exactly
    ///   `Layout::array::<T>(capacity)`, of at most `B::MAX` bytes;
    /// * `length <= capacity`, and the first `length` elements are
    ///   initialised values of `T`;
    /// * nothing else owns the buffer or its elements afterwards.
    ///
    /// The parts from [`into_raw_parts_with_backend`](Self::into_raw_parts_with_backend)
    /// of a vector of the same types qualify.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let v = KVec::from_elem_in(1u16, 4, &budget, GFP_KERNEL, cx).unwrap();
    /// let (ptr, len, cap, backend) = v.into_raw_parts_with_backend();
    /// // SAFETY: the parts of a vector of the same types, given back once.
    /// let v = unsafe { KVec::from_raw_parts_in(ptr, len, cap, backend) };
    /// assert_eq!(v, [1, 1, 1, 1]);
    /// drop(v);
    /// assert_eq!(budget.live_bytes(), 0);
    /// # }
    /// ```
    pub unsafe fn from_raw_parts_in(ptr: *mut T, length: usize, capacity: usize, backend: A) -> Self {
        let cap = if Self::IS_ZST { usize::MAX } else { capacity };
        // INVARIANT: guaranteed by the caller.
        // SAFETY: the caller guarantees `ptr` is non-null.
        BoundedVec { ptr: unsafe { NonNull::new_unchecked(ptr) }, cap, len: length, backend, _marker: PhantomData }
    }

    /// Gives up ownership: the pointer, length and capacity. Neither the
    /// elements nor the buffer are dropped or freed, and the backend handle
    /// is forgotten; [`from_raw_parts`](BoundedVec::from_raw_parts) (or
    /// [`from_raw_parts_in`](Self::from_raw_parts_in)) takes them back. For
    /// a zero-sized `T` the capacity is `usize::MAX`.
    ///
    /// See [`from_raw_parts`](BoundedVec::from_raw_parts) for an example.
    pub fn into_raw_parts(self) -> (*mut T, usize, usize) {
        let (ptr, len, cap, backend) = self.into_raw_parts_with_backend();
        mem::forget(backend);
        (ptr, len, cap)
    }

    /// As [`into_raw_parts`](Self::into_raw_parts), also returning the
    /// backend handle.
    ///
    /// See [`from_raw_parts_in`](Self::from_raw_parts_in) for an example.
    pub fn into_raw_parts_with_backend(self) -> (*mut T, usize, usize, A) {
        let me = ManuallyDrop::new(self);
        // SAFETY: `me` is never used or dropped again, so the backend is
        // moved out exactly once.
        let backend = unsafe { ptr::read(&raw const me.backend) };
        (me.ptr.as_ptr(), me.len, me.cap, backend)
    }

    /// The number of elements.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::new();
    /// assert!(v.is_empty());
    /// v.push(1, GFP_KERNEL, cx);
    /// assert!(!v.is_empty());
    /// # }
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many elements fit without another request (`usize::MAX` for
    /// zero-sized elements).
    pub const fn capacity(&self) -> usize {
        self.cap
    }

    /// The elements.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::new();
    /// v.push(1, GFP_KERNEL, cx)?;
    /// v.push(2, GFP_KERNEL, cx)?;
    /// assert_eq!(v.as_slice(), &[1, 2]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn as_slice(&self) -> &[T] {
        self
    }

    /// The elements, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self
    }

    /// The buffer (dangling when nothing is allocated).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let v = KVec::from_elem(3u32, 2, GFP_KERNEL, cx).unwrap();
    /// // SAFETY: two initialised elements.
    /// assert_eq!(unsafe { *v.as_ptr().add(1) }, 3);
    /// # }
    /// ```
    pub const fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    /// The buffer, for writes (dangling when nothing is allocated).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::from_elem(3u32, 2, GFP_KERNEL, cx).unwrap();
    /// // SAFETY: inside the two initialised elements.
    /// unsafe { *v.as_mut_ptr().add(1) = 4 };
    /// assert_eq!(v, [3, 4]);
    /// # }
    /// ```
    pub const fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// The backend.
    pub fn backend(&self) -> &A {
        &self.backend
    }

    /// The unused part of the buffer, `capacity() - len()` slots, to be
    /// written before [`inc_len`](Self::inc_len).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::<u16>::with_capacity(4, GFP_KERNEL, cx)?;
    /// for (i, slot) in v.spare_capacity_mut()[..2].iter_mut().enumerate() {
    ///     slot.write(i as u16);
    /// }
    /// // SAFETY: the first two spare slots were written above.
    /// unsafe { v.inc_len(2) };
    /// assert_eq!(v, [0, 1]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<T>] {
        // SAFETY: `len <= cap`, so the spare slots are inside the buffer
        // (or zero-sized), unused, and exclusively borrowed through `self`.
        unsafe {
            core::slice::from_raw_parts_mut(
                self.ptr.as_ptr().add(self.len).cast::<MaybeUninit<T>>(),
                self.cap - self.len,
            )
        }
    }

    /// Sets the length.
    ///
    /// # Safety
    ///
    /// `new_len <= capacity()`, and the elements up to `new_len` are
    /// initialised. Elements past `new_len` are forgotten, not dropped.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::<u8>::with_capacity(4, GFP_KERNEL, cx).unwrap();
    /// v.spare_capacity_mut()[0].write(1);
    /// // SAFETY: the first slot was written above.
    /// unsafe { v.set_len(1) };
    /// assert_eq!(v, [1]);
    /// # }
    /// ```
    pub unsafe fn set_len(&mut self, new_len: usize) {
        debug_assert!(new_len <= self.cap);
        // INVARIANT: guaranteed by the caller.
        self.len = new_len;
    }

    /// Adds `additional` to the length: the Rust-for-Linux `inc_len`.
    ///
    /// # Safety
    ///
    /// `additional <= capacity() - len()`, and the first `additional`
    /// spare slots are initialised.
    ///
    /// See [`spare_capacity_mut`](Self::spare_capacity_mut) for an example.
    pub unsafe fn inc_len(&mut self, additional: usize) {
        debug_assert!(additional <= self.cap - self.len);
        // INVARIANT: guaranteed by the caller.
        self.len += additional;
    }

    /// Makes room for at least `additional` more elements (amortised
    /// growth: the capacity at least doubles while that fits the bound).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::new();
    /// v.push(1, GFP_KERNEL, cx)?;
    /// v.reserve(10, GFP_KERNEL, cx)?;
    /// let cap = v.capacity();
    /// assert!(cap >= 10);
    /// v.reserve(10, GFP_KERNEL, cx)?;
    /// assert_eq!(v.capacity(), cap);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// a size error ([`AllocError::size_error`]) if the buffer would exceed `B::MAX` bytes,
    /// out of memory ([`AllocError::is_out_of_memory`]) if the backend fails. The vector is
    /// unchanged either way.
    #[track_caller]
    pub fn reserve<C, F>(&mut self, additional: usize, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.reserve_gfp::<RequestBound<F, B>>(additional, || crate::context::token::served(cx, flags.gfp()))
    }

    /// Makes room for exactly `additional` more elements, if there is not
    /// room already (no amortised growth).
    ///
    /// # Errors
    ///
    /// As [`reserve`](Self::reserve); the vector is unchanged.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::<u64>::new();
    /// v.reserve_exact(5, GFP_KERNEL, cx).unwrap();
    /// assert_eq!(v.capacity(), 5);
    /// # }
    /// ```
    #[track_caller]
    pub fn reserve_exact<C, F>(&mut self, additional: usize, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.reserve_exact_gfp::<RequestBound<F, B>>(additional, || crate::context::token::served(cx, flags.gfp()))
    }

    /// Appends `value`; returns [`AllocError`] as Rust-for-Linux's
    /// `KVec::push` does, so `?` converts it into a driver's error type.
    ///
    /// On failure `value` is dropped; [`try_push`](Self::try_push) hands it
    /// back instead.
    ///
    /// ```
    /// use alloc_ctx::{AllocError, KVec, MaySleep, flags::*};
    ///
    /// #[derive(Debug)]
    /// enum DriverError { NoMemory }
    /// impl From<AllocError> for DriverError {
    ///     fn from(_: AllocError) -> Self { DriverError::NoMemory }
    /// }
    ///
    /// fn record(log: &mut KVec<u32>, event: u32, cx: &mut MaySleep) -> Result<(), DriverError> {
    ///     log.push(event, GFP_KERNEL, cx)?; // `?` into the driver's error
    ///     Ok(())
    /// }
    ///
    /// #[alloc_ctx::may_sleep(entry)]
    /// fn main() -> Result<(), DriverError> {
    ///     let mut v = KVec::new();
    ///     record(&mut v, 1, cx)?;
    ///     v.push(2, GFP_KERNEL, cx)?;
    ///     assert_eq!(&v, &[1, 2]);
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`reserve`](Self::reserve); the vector is unchanged.
    #[track_caller]
    pub fn push<C, F>(&mut self, value: T, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.push_gfp::<RequestBound<F, B>>(value, || crate::context::token::served(cx, flags.gfp()))
            .map_err(|error| error.error)
    }

    /// Appends `value`, or hands it back in the [`PushError`] if growing
    /// failed.
    ///
    /// ```
    /// use alloc_ctx::{KVec, NoWait, backend::Budget, flags::*};
    /// let budget = Budget::new(0);
    /// NoWait::enter(|nw| {
    ///     let mut v = KVec::<String, _>::new_in(&budget);
    ///     let error = v.try_push(String::from("kept"), GFP_NOWAIT, nw).unwrap_err();
    ///     assert_eq!(error.into_value(), "kept");
    /// });
    /// ```
    ///
    /// # Errors
    ///
    /// As [`reserve`](Self::reserve); the value comes back in the
    /// [`PushError`] and the vector is unchanged.
    #[track_caller]
    pub fn try_push<C, F>(&mut self, value: T, flags: F, cx: &mut C) -> Result<(), PushError<T>>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.push_gfp::<RequestBound<F, B>>(value, || crate::context::token::served(cx, flags.gfp()))
    }

    #[track_caller]
    #[inline]
    fn push_gfp<R: Bound>(&mut self, value: T, gfp: impl FnOnce() -> Gfp) -> Result<(), PushError<T>> {
        let len = self.len;
        if let Err(error) = self.reserve_gfp::<R>(1, gfp) {
            return Err(PushError { value, error });
        }
        // SAFETY: `len < cap` (there was room, or the buffer just grew), so
        // the slot is inside the buffer and unused.
        unsafe { self.ptr.as_ptr().add(len).write(value) };
        // INVARIANT: the slot at `len` was just initialised.
        self.len = len + 1;
        Ok(())
    }

    /// Appends `value` if there is room, without any request; otherwise
    /// hands it back.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::with_capacity(10, GFP_KERNEL, cx)?;
    /// for i in 0..10 {
    ///     v.push_within_capacity(i)?;
    /// }
    /// assert!(v.push_within_capacity(10).is_err());
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn push_within_capacity(&mut self, value: T) -> Result<(), CapacityError<T>> {
        if self.len == self.cap {
            return Err(CapacityError(value));
        }
        // SAFETY: `len < cap`, so the slot is inside the buffer and unused.
        unsafe { self.ptr.as_ptr().add(self.len).write(value) };
        // INVARIANT: the slot at the old `len` was just initialised.
        self.len += 1;
        Ok(())
    }

    /// Inserts `value` at `index`, shifting the later elements up, growing
    /// the buffer if it is full.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*, kvec};
    /// let mut v = kvec![cx; 1, 3]?;
    /// v.insert(1, 2, GFP_KERNEL, cx)?;
    /// assert_eq!(v, [1, 2, 3]);
    /// assert!(v.insert(9, 4, GFP_KERNEL, cx).is_err()); // past the end
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`InsertError::IndexOutOfBounds`] if `index > len()` (checked
    /// first, nothing is requested), [`InsertError::NoMemory`] if growing
    /// failed; the value comes back and the vector is unchanged.
    #[track_caller]
    pub fn insert<C, F>(&mut self, index: usize, value: T, flags: F, cx: &mut C) -> Result<(), InsertError<T>>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        if index > self.len {
            return Err(InsertError::IndexOutOfBounds(value));
        }
        if let Err(error) = self.reserve_gfp::<RequestBound<F, B>>(1, || crate::context::token::served(cx, flags.gfp()))
        {
            return Err(InsertError::NoMemory(PushError { value, error }));
        }
        match self.insert_within_capacity(index, value) {
            Ok(()) => Ok(()),
            Err(error) => unreachable!("room was reserved: {error:?}"),
        }
    }

    /// Inserts `value` at `index` if there is room, without any request.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*, InsertError};
    /// let mut v = KVec::with_capacity(5, GFP_KERNEL, cx)?;
    /// for i in 0..5 {
    ///     v.insert_within_capacity(0, i)?;
    /// }
    /// assert!(matches!(v.insert_within_capacity(0, 5), Err(InsertError::OutOfCapacity(_))));
    /// assert!(matches!(v.insert_within_capacity(1000, 5), Err(InsertError::IndexOutOfBounds(_))));
    /// assert_eq!(v, [4, 3, 2, 1, 0]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`InsertError::IndexOutOfBounds`] if `index > len()`,
    /// [`InsertError::OutOfCapacity`] if the vector is full.
    pub fn insert_within_capacity(&mut self, index: usize, value: T) -> Result<(), InsertError<T>> {
        let len = self.len;
        if index > len {
            return Err(InsertError::IndexOutOfBounds(value));
        }
        if len == self.cap {
            return Err(InsertError::OutOfCapacity(value));
        }
        // SAFETY: `index <= len < cap`, so the slot is inside the buffer.
        let slot = unsafe { self.ptr.as_ptr().add(index) };
        // SAFETY: the `len - index` elements from `index` move up one slot;
        // both ranges end at most at `len + 1 <= cap`. The slot at `index`
        // holds a stale bit copy until it is overwritten below.
        unsafe { ptr::copy(slot, slot.add(1), len - index) };
        // SAFETY: the slot is inside the buffer; its old value was moved.
        unsafe { slot.write(value) };
        // INVARIANT: the first `len + 1` elements are initialised again.
        self.len = len + 1;
        Ok(())
    }

    /// Removes and returns the last element.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::new();
    /// v.push(1, GFP_KERNEL, cx)?;
    /// v.push(2, GFP_KERNEL, cx)?;
    /// assert_eq!(v.pop(), Some(2));
    /// assert_eq!(v.pop(), Some(1));
    /// assert_eq!(v.pop(), None);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        // INVARIANT: the last element leaves the vector's ownership here,
        // and is read exactly once below.
        self.len -= 1;
        // SAFETY: the slot at the old last index is initialised and is now
        // outside `len`, so it is read exactly once.
        Some(unsafe { self.ptr.as_ptr().add(self.len).read() })
    }

    /// Removes and returns the element at `index`, shifting the later ones
    /// down.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3]?;
    /// assert_eq!(v.remove(1)?, 2);
    /// assert_eq!(v, [1, 3]);
    /// assert!(v.remove(2).is_err());
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`RemoveError`] if `index >= len()`; the vector is unchanged.
    pub fn remove(&mut self, index: usize) -> Result<T, RemoveError> {
        let len = self.len;
        if index >= len {
            return Err(RemoveError);
        }
        // SAFETY: `index < len`: the slot is initialised; it is read once
        // and its slot is overwritten below.
        let slot = unsafe { self.ptr.as_ptr().add(index) };
        // SAFETY: as above.
        let value = unsafe { slot.read() };
        // SAFETY: the `len - index - 1` elements after `index` move down one
        // slot, inside the first `len` slots.
        unsafe { ptr::copy(slot.add(1), slot, len - index - 1) };
        // INVARIANT: the first `len - 1` elements are initialised and owned;
        // the last slot holds a stale copy, now outside `len`.
        self.len = len - 1;
        Ok(value)
    }

    /// Removes the element at `index`, replacing it with the last one.
    ///
    /// # Panics
    ///
    /// If `index >= len`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3].unwrap();
    /// assert_eq!(v.swap_remove(0), 1);
    /// assert_eq!(v, [3, 2]);
    /// # }
    /// ```
    pub fn swap_remove(&mut self, index: usize) -> T {
        assert!(index < self.len, "swap_remove index {index} out of bounds (len {})", self.len);
        let last = self.len - 1;
        self.swap(index, last);
        self.pop().expect("non-empty")
    }

    /// Shortens to `len` elements, dropping the rest (keeps the capacity).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3]?;
    /// v.truncate(1);
    /// assert_eq!(v.len(), 1);
    /// assert_eq!(&v, &[1]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let tail = ptr::slice_from_raw_parts_mut(
            // SAFETY: `len < self.len`, so the offset is inside the buffer.
            unsafe { self.ptr.as_ptr().add(len) },
            self.len - len,
        );
        // INVARIANT: shorten first: if a destructor panics, the rest are
        // leaked rather than dropped twice.
        self.len = len;
        // SAFETY: the tail elements are initialised and no longer reachable.
        unsafe { ptr::drop_in_place(tail) };
    }

    /// Removes every element (keeps the capacity).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3]?;
    /// v.clear();
    /// assert!(v.is_empty());
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn clear(&mut self) {
        self.truncate(0);
    }

    /// Takes every element out, keeping the buffer for reuse.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 0, 1, 2, 3]?;
    /// for (i, j) in v.drain_all().enumerate() {
    ///     assert_eq!(i, j);
    /// }
    /// assert!(v.is_empty() && v.capacity() >= 4);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn drain_all(&mut self) -> Drain<'_, T, B, A> {
        self.drain(..)
    }

    /// Takes the elements of `range` out; the later ones move down when the
    /// [`Drain`] is dropped (also if it is dropped before the end).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*, kvec};
    /// let mut v = kvec![cx; 1, 2, 3, 4, 5]?;
    /// let middle = KVec::try_from_iter(v.drain(1..4), GFP_KERNEL, cx)?;
    /// assert_eq!((middle.as_slice(), v.as_slice()), (&[2, 3, 4][..], &[1, 5][..]));
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If the range starts after it ends or ends after `len()`.
    #[track_caller]
    pub fn drain<R: RangeBounds<usize>>(&mut self, range: R) -> Drain<'_, T, B, A> {
        let len = self.len;
        let start = match range.start_bound() {
            RangeBound::Included(&start) => start,
            RangeBound::Excluded(&start) => start.checked_add(1).expect("drain: range start overflows"),
            RangeBound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            RangeBound::Included(&end) => end.checked_add(1).expect("drain: range end overflows"),
            RangeBound::Excluded(&end) => end,
            RangeBound::Unbounded => len,
        };
        assert!(start <= end, "drain: range starts at {start} but ends at {end}");
        assert!(end <= len, "drain: range end {end} out of bounds (len {len})");
        // INVARIANT: the vector keeps the first `start` elements; the
        // drained ones and the tail belong to the `Drain`, which puts the
        // tail back when dropped (if it is leaked, the tail is leaked too).
        self.len = start;
        Drain { vec: self, range: OwnedRange { next: start, end }, tail_start: end, tail_len: len - end }
    }

    /// Keeps only the elements for which `keep` returns `true`, in order.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 2, 3, 4]?;
    /// v.retain(|i| *i % 2 == 0);
    /// assert_eq!(v, [2, 4]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// If `keep` panics, every element is still dropped exactly once.
    pub fn retain(&mut self, mut keep: impl FnMut(&mut T) -> bool) {
        let mut kept = 0;
        for next in 0..self.len {
            if keep(&mut self[next]) {
                self.swap(kept, next);
                kept += 1;
            }
        }
        self.truncate(kept);
    }

    /// Removes consecutive elements that `same_bucket(later, kept)` says
    /// are duplicates of the element kept before them.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; "a", "A", "b", "B", "b"]?;
    /// v.dedup_by(|later, kept| later.eq_ignore_ascii_case(kept));
    /// assert_eq!(v, ["a", "b"]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn dedup_by(&mut self, mut same_bucket: impl FnMut(&mut T, &mut T) -> bool) {
        if self.len <= 1 {
            return;
        }
        let mut kept = 1;
        for next in 1..self.len {
            let (front, back) = self.split_at_mut(next);
            if !same_bucket(&mut back[0], &mut front[kept - 1]) {
                self.swap(kept, next);
                kept += 1;
            }
        }
        self.truncate(kept);
    }

    /// Removes consecutive elements with equal keys.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 10, 11, 20, 21, 22, 30].unwrap();
    /// v.dedup_by_key(|x| *x / 10);
    /// assert_eq!(v, [10, 20, 30]);
    /// # }
    /// ```
    pub fn dedup_by_key<K: PartialEq>(&mut self, mut key: impl FnMut(&mut T) -> K) {
        self.dedup_by(|a, b| key(a) == key(b));
    }

    /// Removes consecutive equal elements.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::kvec;
    /// let mut v = kvec![cx; 1, 1, 2, 3, 3, 3, 1]?;
    /// v.dedup();
    /// assert_eq!(v, [1, 2, 3, 1]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    pub fn dedup(&mut self)
    where
        T: PartialEq,
    {
        self.dedup_by(|a, b| a == b);
    }

    /// Shrinks the buffer to `max(len(), min_capacity)` elements, if it is
    /// larger: a reallocation, so a request (or a free when the vector is
    /// empty and `min_capacity` is 0, which needs none).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::<u64>::with_capacity(100, GFP_KERNEL, cx)?;
    /// v.extend_from_slice(&[1, 2, 3], GFP_KERNEL, cx)?;
    /// v.shrink_to(10, GFP_KERNEL, cx)?;
    /// assert_eq!(v.capacity(), 10);
    /// v.shrink_to(0, GFP_KERNEL, cx)?;
    /// assert_eq!((v.capacity(), v.as_slice()), (3, &[1, 2, 3][..]));
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// out of memory ([`AllocError::is_out_of_memory`]) if the backend fails the reallocation;
    /// the vector is unchanged.
    #[track_caller]
    pub fn shrink_to<C, F>(&mut self, min_capacity: usize, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.shrink_gfp(min_capacity, || crate::context::token::served(cx, flags.gfp()))
    }

    /// Shrinks the buffer to the length (see [`shrink_to`](Self::shrink_to)).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).unwrap();
    /// v.push(1, GFP_KERNEL, cx).unwrap();
    /// v.shrink_to_fit(GFP_KERNEL, cx).unwrap();
    /// assert_eq!(v.capacity(), 1);
    /// # }
    /// ```
    #[track_caller]
    pub fn shrink_to_fit<C, F>(&mut self, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.shrink_to(0, flags, cx)
    }

    #[track_caller]
    fn shrink_gfp(&mut self, min_capacity: usize, gfp: impl FnOnce() -> Gfp) -> Result<(), AllocError> {
        let target = self.len.max(min_capacity);
        if Self::IS_ZST || target >= self.cap {
            return Ok(());
        }
        if target == 0 {
            // SAFETY: the buffer was allocated by `backend` with
            // `current_layout()` (`cap > target = 0`), and holds no element.
            unsafe { self.backend.free_with(self.ptr.cast(), self.current_layout(), Free::now(Self::FAMILY)) };
            // INVARIANT: dangling with no capacity.
            self.ptr = NonNull::dangling();
            self.cap = 0;
            return Ok(());
        }
        let new_layout = Layout::array::<T>(target).expect("smaller than an existing buffer");
        // SAFETY: the buffer was allocated by `self.backend` with
        // `current_layout()`, and `new_layout` has the same alignment.
        let ptr = unsafe {
            serve::reallocate(&self.backend, self.ptr.cast(), self.current_layout(), new_layout, gfp(), Self::FAMILY)?
        };
        // INVARIANT: the backend moved the first `target >= len` elements
        // (bitwise) to a block of `Layout::array::<T>(target)`.
        self.ptr = ptr.cast();
        self.cap = target;
        Ok(())
    }

    /// Appends clones of `other`'s elements; all or nothing (the room is
    /// reserved before the first clone, and a panicking `clone` drops the
    /// clones made so far).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let mut v = KVec::new();
    /// v.push(1, GFP_KERNEL, cx)?;
    /// v.extend_from_slice(&[20, 30, 40], GFP_KERNEL, cx)?;
    /// assert_eq!(&v, &[1, 20, 30, 40]);
    /// v.extend_from_slice(&[50, 60], GFP_KERNEL, cx)?;
    /// assert_eq!(&v, &[1, 20, 30, 40, 50, 60]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn extend_from_slice<C, F>(&mut self, other: &[T], flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.reserve_gfp::<RequestBound<F, B>>(other.len(), || crate::context::token::served(cx, flags.gfp()))?;
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
        // INVARIANT: the next `other.len()` slots were just initialised.
        self.len += other.len();
        Ok(())
    }

    /// Appends `n` clones of `value` (the last one is `value` itself); all
    /// or nothing, as [`extend_from_slice`](Self::extend_from_slice).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{flags::*, kvec};
    /// let mut v = kvec![cx; 1]?;
    /// v.extend_with(2, 7, GFP_KERNEL, cx)?;
    /// assert_eq!(v, [1, 7, 7]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn extend_with<C, F>(&mut self, n: usize, value: T, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        self.reserve_gfp::<RequestBound<F, B>>(n, || crate::context::token::served(cx, flags.gfp()))?;
        self.fill_spare(n, value);
        Ok(())
    }

    /// Writes `n` clones of `value` after the elements, then adds them to
    /// the length; a panicking `clone` drops the ones written. Room for `n`
    /// must have been reserved.
    fn fill_spare(&mut self, n: usize, value: T)
    where
        T: Clone,
    {
        debug_assert!(n <= self.cap - self.len);
        if n == 0 {
            return;
        }
        // SAFETY: room for `n` was reserved: the slots are in the buffer.
        let start = unsafe { self.ptr.as_ptr().add(self.len) };
        let mut written = Uncommitted { start, written: 0 };
        for i in 0..n - 1 {
            // SAFETY: `i < n`: an unused slot inside the buffer.
            unsafe { start.add(i).write(value.clone()) };
            written.written = i + 1;
        }
        // SAFETY: the last of the `n` slots.
        unsafe { start.add(n - 1).write(value) };
        mem::forget(written);
        // INVARIANT: the next `n` slots were just initialised.
        self.len += n;
    }

    /// Resizes to `new_len`, filling with clones of `value` or truncating.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{flags::*, kvec};
    /// let mut v = kvec![cx; 1, 2, 3]?;
    /// v.resize(1, 42, GFP_KERNEL, cx)?;
    /// assert_eq!(&v, &[1]);
    /// v.resize(3, 42, GFP_KERNEL, cx)?;
    /// assert_eq!(&v, &[1, 42, 42]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn resize<C, F>(&mut self, new_len: usize, value: T, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        T: Clone,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        match new_len.checked_sub(self.len) {
            Some(n) => self.extend_with(n, value, flags, cx),
            None => {
                self.truncate(new_len);
                Ok(())
            }
        }
    }

    /// Appends the iterator's items; all or nothing.
    ///
    /// An iterator whose exact length is known (`size_hint`) reserves its
    /// room first; other items go into the spare capacity and, past it, into
    /// a temporary vector from the same backend, moved in at the end. So a
    /// failure leaves the vector exactly as it was (only an iterator whose
    /// `size_hint` lies can make the capacity grow without the items), and
    /// the items taken from the iterator are dropped.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{flags::*, kvec};
    /// let mut v = kvec![cx; 1]?;
    /// v.extend((2..100).filter(|x| x % 10 == 0), GFP_KERNEL, cx)?;
    /// assert_eq!(v, [1, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    #[track_caller]
    pub fn extend<I, C, F>(&mut self, iter: I, flags: F, cx: &mut C) -> Result<(), AllocError>
    where
        I: IntoIterator<Item = T>,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let gfp = || crate::context::token::served(cx, flags.gfp());
        let mut iter = iter.into_iter();
        let (lower, upper) = iter.size_hint();
        if upper == Some(lower) {
            self.reserve_gfp::<RequestBound<F, B>>(lower, gfp)?;
        }
        let BoundedVec { ptr, cap, len, backend, .. } = self;
        let backend: &A = backend;
        // The items written after the elements, not yet counted in `len`:
        // dropped if anything fails or panics.
        // SAFETY: `len <= cap`: the offset is inside the buffer (or at its end).
        let mut written = Uncommitted { start: unsafe { ptr.as_ptr().add(*len) }, written: 0 };
        while *len + written.written < *cap {
            match iter.next() {
                // SAFETY: `len + written < cap`: an unused slot in the buffer.
                Some(item) => unsafe { written.start.add(written.written).write(item) },
                None => {
                    // INVARIANT: the `written` slots after `len` are initialised.
                    *len += written.written;
                    mem::forget(written);
                    return Ok(());
                }
            }
            written.written += 1;
        }
        // The buffer is full: collect the rest apart, then grow once.
        let mut rest = BoundedVec::<T, B, &A>::new_in(backend);
        for item in iter {
            rest.push_gfp::<RequestBound<F, B>>(item, gfp).map_err(|error| error.error)?;
        }
        let uncommitted = written.written;
        let additional = uncommitted.checked_add(rest.len).ok_or_else(overflow::<RequestBound<F, B>>)?;
        if additional > *cap - *len {
            let required = len.checked_add(additional).ok_or_else(overflow::<RequestBound<F, B>>)?;
            let capacity = amortized_capacity::<T, RequestBound<F, B>>(*cap, required);
            realloc_checked::<T, RequestBound<F, B>, A>(backend, ptr, cap, capacity, Self::FAMILY, gfp())?;
            // The uncommitted items moved with the buffer (a reallocation
            // copies the whole old block).
            // SAFETY: `len <= cap`, inside the new buffer.
            written.start = unsafe { ptr.as_ptr().add(*len) };
        }
        // SAFETY: room for `additional` elements after `len`; `rest`'s
        // elements are moved (bitwise) once, and `rest` forgets them.
        unsafe {
            ptr::copy_nonoverlapping(rest.ptr.as_ptr(), written.start.add(uncommitted), rest.len);
            rest.len = 0;
        }
        mem::forget(written);
        // INVARIANT: the next `additional` slots are initialised.
        *len += additional;
        Ok(())
    }

    /// Grows the buffer to at least `size` bytes (rounded down to whole
    /// elements); does nothing if it is already that large.
    ///
    /// The size is checked before the call, so this is the one growing
    /// operation that accepts `__GFP_NOFAIL` (with a `Size<NofailMax>`, at
    /// most 8 KiB) and then returns `()` instead of a `Result`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*, size::{array_size, NofailMax}};
    /// let mut paths: KVec<[u64; 4]> = KVec::new();
    /// let small = array_size::<[u64; 4], NofailMax>(8).expect("8 paths fit in 8 KiB");
    /// paths.grow_to(small, GFP_KERNEL | __GFP_NOFAIL, cx); // cannot fail
    /// assert!(paths.capacity() >= 8);
    /// # }
    /// ```
    #[track_caller]
    pub fn grow_to<C, F, S>(&mut self, size: S, flags: F, cx: &mut C) -> Outcome<F, ()>
    where
        C: Token,
        F: SizeFits<S, B>,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let capacity = F::bytes(size).checked_div(mem::size_of::<T>()).unwrap_or(usize::MAX);
        let result = if capacity <= self.cap {
            Ok(())
        } else {
            realloc_to::<T, A>(
                &self.backend,
                &mut self.ptr,
                &mut self.cap,
                capacity,
                Self::FAMILY,
                crate::context::token::served(cx, flags.gfp()),
            )
        };
        <F::NoFail as Bool>::outcome(result)
    }

    /// Makes room for `additional` more elements, growing geometrically.
    /// `gfp` gives the effective flags (a thread-local read of the scope
    /// mask): it is only called when the buffer must grow, so a request
    /// that fits the capacity costs one comparison.
    #[track_caller]
    fn reserve_gfp<R: Bound>(&mut self, additional: usize, gfp: impl FnOnce() -> Gfp) -> Result<(), AllocError> {
        if additional <= self.cap - self.len {
            return Ok(());
        }
        self.grow_amortized::<R>(additional, gfp())
    }

    /// As [`reserve_gfp`](Self::reserve_gfp), growing to exactly the room
    /// asked for.
    #[inline]
    #[track_caller]
    pub(crate) fn reserve_exact_gfp<R: Bound>(
        &mut self,
        additional: usize,
        gfp: impl FnOnce() -> Gfp,
    ) -> Result<(), AllocError> {
        if additional <= self.cap - self.len {
            return Ok(());
        }
        let required = self.len.checked_add(additional).ok_or_else(overflow::<R>)?;
        realloc_checked::<T, R, A>(&self.backend, &mut self.ptr, &mut self.cap, required, Self::FAMILY, gfp())
    }

    /// The allocator family of this vector's requests.
    const FAMILY: FamilyId = <B::Family as Family>::ID;

    /// Amortised growth, through [`grow_buffer`]: one copy of the growth
    /// per bound and backend, not per element type (as std's `RawVec`
    /// grows through helpers that take the element's layout).
    #[cold]
    #[track_caller]
    fn grow_amortized<R: Bound>(&mut self, additional: usize, gfp: Gfp) -> Result<(), AllocError> {
        let mut buffer = (self.ptr.cast::<u8>(), self.cap);
        let result = grow_buffer::<R, A>(
            &self.backend,
            &mut buffer,
            self.len,
            additional,
            Layout::new::<T>(),
            Self::FAMILY,
            gfp,
        );
        // INVARIANT: `grow_buffer` moved the buffer to one of `T`'s layout
        // and the new capacity, or left it unchanged.
        (self.ptr, self.cap) = (buffer.0.cast(), buffer.1);
        result
    }

    fn current_layout(&self) -> Layout {
        // The capacity was checked against the bound when the buffer was
        // allocated.
        array_layout::<T>(self.cap)
    }
}

/// Frees a vector's buffer of `cap` elements (nothing for a dangling one:
/// no capacity, or zero-sized elements), whether the vector or its owning
/// iterator is dropped, telling the backend the family and whether the
/// thread must not sleep ([`Free`]: a `vfree` there is deferred).
///
/// # Safety
///
/// `ptr` is dangling with `cap == 0` (or `T` is zero-sized), or was
/// allocated by `backend` with `Layout::array::<T>(cap)`; the buffer is not
/// used again. Its elements are the caller's to drop.
unsafe fn free_buffer<T, A: Backend>(backend: &A, ptr: NonNull<T>, cap: usize, family: FamilyId) {
    if cap != 0 && mem::size_of::<T>() != 0 {
        // The capacity was checked against the bound when the buffer was
        // allocated.
        let layout = array_layout::<T>(cap);
        // SAFETY: allocated by `backend` with `layout` (the caller's contract).
        unsafe { backend.free_with(ptr.cast(), layout, Free::now(family)) };
    }
}

/// The new capacity of amortised growth to at least `required` elements
/// from `cap`: doubling, small vectors starting at a few elements (as
/// `Vec`), but never past the bound when `required` itself fits.
fn amortized_capacity<T, B: Bound>(cap: usize, required: usize) -> usize {
    let minimum = if mem::size_of::<T>() == 1 {
        8
    } else if mem::size_of::<T>() <= 1024 {
        4
    } else {
        1
    };
    let doubled = cap.saturating_mul(2).max(required).max(minimum);
    // Doubling past the bound must not fail a request that fits exactly.
    let max = if mem::size_of::<T>() == 0 { usize::MAX } else { B::MAX / mem::size_of::<T>() };
    if doubled <= max { doubled } else { required }
}

/// Grows the buffer `(ptr, cap)` of `backend`, holding `len` elements of
/// layout `elem` (not zero-sized), to room for `additional` more, with
/// amortised growth checked against the request's bound `B`; on error the
/// buffer is unchanged. Out of line and generic over the bound and the
/// backend only: every element type of a program shares it.
#[inline(never)]
#[track_caller]
fn grow_buffer<B: Bound, A: Backend>(
    backend: &A,
    buffer: &mut (NonNull<u8>, usize),
    len: usize,
    additional: usize,
    elem: Layout,
    family: FamilyId,
    gfp: Gfp,
) -> Result<(), AllocError> {
    let required = len.checked_add(additional).ok_or_else(overflow::<B>)?;
    let (ptr, cap) = *buffer;
    let minimum = if elem.size() == 1 {
        8
    } else if elem.size() <= 1024 {
        4
    } else {
        1
    };
    let doubled = cap.saturating_mul(2).max(required).max(minimum);
    // Doubling past the bound must not fail a request that fits exactly.
    let capacity = if doubled <= B::MAX / elem.size() { doubled } else { required };
    let bytes = match capacity.checked_mul(elem.size()) {
        Some(bytes) if bytes <= B::MAX => bytes,
        _ => return Err(SizeError::new::<B>(size_overflow::array_size(capacity, elem.size())).into()),
    };
    // SAFETY: `elem.align()` is a power of two and `bytes` (a multiple of
    // it, as `elem.size()` is) is at most the bound's maximum, at most
    // `isize::MAX`.
    let new_layout = unsafe { Layout::from_size_align_unchecked(bytes, elem.align()) };
    let fresh = if cap == 0 {
        serve::allocate_from(backend, new_layout, gfp, family)?
    } else {
        // SAFETY: the buffer's layout, checked against a bound when it was
        // allocated (the caller's invariant).
        let old = unsafe { Layout::from_size_align_unchecked(cap * elem.size(), elem.align()) };
        // SAFETY: the buffer was allocated by `backend` with `old`, and
        // `new_layout` has the same alignment.
        unsafe { serve::reallocate(backend, ptr, old, new_layout, gfp, family)? }
    };
    *buffer = (fresh, capacity);
    Ok(())
}

/// Checks `capacity` elements against the request's bound `B` (the
/// container's, or narrower: [`RequestBound`]), then moves the buffer
/// `(ptr, cap)` of `backend` to one of `capacity` elements.
#[inline]
#[track_caller]
fn realloc_checked<T, B: Bound, A: Backend>(
    backend: &A,
    ptr: &mut NonNull<T>,
    cap: &mut usize,
    capacity: usize,
    family: FamilyId,
    gfp: Gfp,
) -> Result<(), AllocError> {
    array_size::<T, B>(capacity)?;
    realloc_to::<T, A>(backend, ptr, cap, capacity, family, gfp)
}

/// The layout of `capacity` elements of `T`, for a `capacity` whose bytes
/// are within a size bound (a new buffer's, checked by the caller, or an
/// allocated buffer's): at most `isize::MAX` bytes, so it exists; the
/// bound check has already been made, and is not made again.
#[inline(always)]
fn array_layout<T>(capacity: usize) -> Layout {
    debug_assert!(Layout::array::<T>(capacity).is_ok());
    // SAFETY: `align_of::<T>()` is a power of two, and `capacity *
    // size_of::<T>()` (a multiple of it) is at most a bound's maximum,
    // at most `isize::MAX` (the callers' precondition), so it neither
    // overflows nor exceeds `isize::MAX` when rounded up to the alignment.
    unsafe { Layout::from_size_align_unchecked(capacity * mem::size_of::<T>(), mem::align_of::<T>()) }
}

/// Moves the buffer `(ptr, cap)` of `backend` to one of `capacity`
/// elements (`capacity > cap`, and `capacity * size_of::<T>()` within a
/// size bound). On error, `ptr` and `cap` are unchanged.
#[inline]
#[track_caller]
fn realloc_to<T, A: Backend>(
    backend: &A,
    ptr: &mut NonNull<T>,
    cap: &mut usize,
    capacity: usize,
    family: FamilyId,
    gfp: Gfp,
) -> Result<(), AllocError> {
    debug_assert!(capacity > *cap && mem::size_of::<T>() != 0);
    // Within a bound (the callers' check): the layout exists.
    let new_layout = array_layout::<T>(capacity);
    let fresh = if *cap == 0 {
        serve::allocate_from(backend, new_layout, gfp, family)?
    } else {
        // The buffer's layout, validated when it was allocated.
        let old = array_layout::<T>(*cap);
        // SAFETY: the buffer was allocated by `backend` with `old` (the
        // vector's invariant), and `new_layout` has the same alignment.
        unsafe { serve::reallocate(backend, ptr.cast(), old, new_layout, gfp, family)? }
    };
    // INVARIANT: a block of `Layout::array::<T>(capacity)` from `backend`,
    // holding the old block's bytes (the elements) at its start.
    *ptr = fresh.cast();
    *cap = capacity;
    Ok(())
}

/// Elements written after a vector's length and not counted yet: dropped
/// if this guard is, so a failure or a panic leaves the vector as it was.
/// `mem::forget` it once they are counted.
struct Uncommitted<T> {
    start: *mut T,
    written: usize,
}

impl<T> Drop for Uncommitted<T> {
    fn drop(&mut self) {
        // SAFETY: the first `written` slots from `start` were initialised
        // and are owned by this guard alone.
        unsafe { ptr::drop_in_place(ptr::slice_from_raw_parts_mut(self.start, self.written)) };
    }
}

// A block of its own, so the bound is checked when the method is looked up.
impl<T: TryClone, B: Bound, A: Backend + Clone> BoundedVec<T, B, A> {
    /// A deep copy in a new buffer (the `Clone` equivalent: it takes flags
    /// and a token): each element is copied with
    /// [`TryClone`], so a `KVec<KBox<T>>` gets new boxes too.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
    /// use alloc_ctx::{flags::*, kvec};
    /// let v = kvec![cx; 1, 2, 3]?;
    /// let copy = v.try_clone(GFP_KERNEL, cx)?;
    /// assert_eq!((copy.as_slice(), copy.capacity()), (&[1, 2, 3][..], 3));
    /// # Ok::<_, alloc_ctx::error::Error>(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// If a request fails, the partial copy is freed and `self` is
    /// untouched.
    #[track_caller]
    pub fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let mut copy = Self::with_capacity_in(self.len, self.backend.clone(), flags, cx)?;
        for item in self {
            let item = item.try_clone(flags, cx)?;
            if copy.push_within_capacity(item).is_err() {
                unreachable!("room for every element was reserved");
            }
        }
        Ok(copy)
    }
}

// Only kmalloc-backed vectors: `TryClone` takes any flags the token
// permits, and the vmalloc and kvmalloc families refuse some (a `VVec` or
// `KVVec` copies itself with its inherent `try_clone`, which checks them).
impl<T: TryClone, B: Bound<Family = Kmalloc>, A: Backend + Clone> TryClone for BoundedVec<T, B, A> {
    #[track_caller]
    fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
    {
        BoundedVec::try_clone(self, flags, cx)
    }
}

/// The size error of a computation that overflowed, against bound `B`.
#[cold]
fn overflow<B: Bound>() -> AllocError {
    SizeError::new::<B>(usize::MAX).into()
}

impl<T, B: Bound, A: Backend> Drop for BoundedVec<T, B, A> {
    #[inline]
    fn drop(&mut self) {
        if mem::needs_drop::<T>() {
            self.drop_slow();
        } else {
            // SAFETY: the vector's buffer, not used again; its elements
            // have no drop glue.
            unsafe { free_buffer(&self.backend, self.ptr, self.cap, Self::FAMILY) };
        }
    }
}

impl<T, B: Bound, A: Backend> BoundedVec<T, B, A> {
    /// Drops the elements, then frees the buffer (also while unwinding
    /// from an element's panicking `Drop`, as `Vec` does). Out of line, one
    /// copy per vector type, as `Vec`'s drop glue: dropping a vector of
    /// vectors is a call at each drop site, not an inlined loop.
    #[inline(never)]
    fn drop_slow(&mut self) {
        /// Frees the buffer when dropped: after the elements, and also while
        /// unwinding from an element's panicking `Drop`.
        struct FreeBuffer<'v, T, B: Bound, A: Backend>(&'v mut BoundedVec<T, B, A>);

        impl<T, B: Bound, A: Backend> Drop for FreeBuffer<'_, T, B, A> {
            fn drop(&mut self) {
                let vec = &mut *self.0;
                // SAFETY: the vector's buffer, not used again.
                unsafe { free_buffer(&vec.backend, vec.ptr, vec.cap, <B::Family as Family>::ID) };
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

impl<T, B: Bound, A: Backend> AsRef<[T]> for BoundedVec<T, B, A> {
    fn as_ref(&self) -> &[T] {
        self
    }
}

impl<T, B: Bound, A: Backend> AsMut<[T]> for BoundedVec<T, B, A> {
    fn as_mut(&mut self) -> &mut [T] {
        self
    }
}

/// A vector can stand where a borrowed slice is expected.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use core::borrow::Borrow;
/// use alloc_ctx::{KVec, flags::*};
/// struct Foo<B: Borrow<[u32]>>(B);
///
/// // Owned array.
/// let owned_array = Foo([1, 2, 3]);
/// // Owned vector.
/// let owned_vec = Foo(KVec::from_elem(0, 3, GFP_KERNEL, cx)?);
/// let arr = [1, 2, 3];
/// // Borrowed slice from `arr`.
/// let borrowed_slice = Foo(&arr[..]);
/// # let _ = (owned_array, owned_vec, borrowed_slice);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
impl<T, B: Bound, A: Backend> Borrow<[T]> for BoundedVec<T, B, A> {
    fn borrow(&self) -> &[T] {
        self
    }
}

/// A vector can stand where a mutably borrowed slice is expected.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use core::borrow::BorrowMut;
/// use alloc_ctx::{KVec, flags::*};
/// struct Foo<B: BorrowMut<[u32]>>(B);
///
/// // Owned array.
/// let owned_array = Foo([1, 2, 3]);
/// // Owned vector.
/// let owned_vec = Foo(KVec::from_elem(0, 3, GFP_KERNEL, cx)?);
/// let mut arr = [1, 2, 3];
/// // Borrowed slice from `arr`.
/// let borrowed_slice = Foo(&mut arr[..]);
/// # let _ = (owned_array, owned_vec, borrowed_slice);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
impl<T, B: Bound, A: Backend> BorrowMut<[T]> for BoundedVec<T, B, A> {
    fn borrow_mut(&mut self) -> &mut [T] {
        self
    }
}

macro_rules! impl_slice_eq {
    ($([$($vars:tt)*] $lhs:ty, $rhs:ty,)*) => {$(
        impl<T, U, $($vars)*> PartialEq<$rhs> for $lhs
        where
            T: PartialEq<U>,
        {
            #[inline]
            fn eq(&self, other: &$rhs) -> bool {
                self[..] == other[..]
            }
        }
    )*};
}

impl_slice_eq! {
    [B1: Bound, A1: Backend, B2: Bound, A2: Backend] BoundedVec<T, B1, A1>, BoundedVec<U, B2, A2>,
    [B: Bound, A: Backend] BoundedVec<T, B, A>, &[U],
    [B: Bound, A: Backend] BoundedVec<T, B, A>, &mut [U],
    [B: Bound, A: Backend] &[T], BoundedVec<U, B, A>,
    [B: Bound, A: Backend] &mut [T], BoundedVec<U, B, A>,
    [B: Bound, A: Backend] BoundedVec<T, B, A>, [U],
    [B: Bound, A: Backend] [T], BoundedVec<U, B, A>,
    [B: Bound, A: Backend, const N: usize] BoundedVec<T, B, A>, [U; N],
    [B: Bound, A: Backend, const N: usize] BoundedVec<T, B, A>, &[U; N],
}

impl<T: Eq, B: Bound, A: Backend> Eq for BoundedVec<T, B, A> {}

impl<T: PartialOrd, B: Bound, A: Backend> PartialOrd for BoundedVec<T, B, A> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord, B: Bound, A: Backend> Ord for BoundedVec<T, B, A> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash, B: Bound, A: Backend> Hash for BoundedVec<T, B, A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

/// A boxed array becomes a vector without a request: the block is reused.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{KBox, KVec, flags::*};
/// let boxed = KBox::new([1, 2, 3], GFP_KERNEL, cx)?;
/// let mut v = KVec::from(boxed);
/// assert_eq!((v.len(), v.capacity()), (3, 3));
/// v.push(4, GFP_KERNEL, cx)?;
/// assert_eq!(v, [1, 2, 3, 4]);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
impl<T, B: Bound, A: Backend, const N: usize> From<BoundedBox<[T; N], B, A>> for BoundedVec<T, B, A> {
    fn from(boxed: BoundedBox<[T; N], B, A>) -> Self {
        let (ptr, backend) = BoundedBox::into_raw_with_backend(boxed);
        // A zero-sized array was never allocated: an empty buffer.
        let capacity = if mem::size_of::<[T; N]>() == 0 { 0 } else { N };
        // SAFETY: the box's block has `[T; N]`'s layout, which is
        // `Layout::array::<T>(N)`, was allocated by `backend` within `B`
        // (or is dangling for a zero size, with capacity 0), and holds `N`
        // initialised elements that the box owned.
        unsafe { BoundedVec::from_raw_parts_in(ptr.cast::<T>(), N, capacity, backend) }
    }
}

/// A [`KVec`] of the given elements, with flags and the caller's token:
/// the Rust-for-Linux `kvec!`, with the token first.
///
/// | form | is |
/// |---|---|
/// | `kvec![]` | `KVec::new()` (no request) |
/// | `kvec![cx; a, b, c]` | `KVec::from_array([a, b, c], GFP_KERNEL, cx)` |
/// | `kvec![cx; x; n]` | `KVec::from_elem(x, n, GFP_KERNEL, cx)` |
/// | `kvec![cx, flags; a, b, c]` | `KVec::from_array([a, b, c], flags, cx)` |
/// | `kvec![cx, flags; x; n]` | `KVec::from_elem(x, n, flags, cx)` |
///
/// The forms without flags use `GFP_KERNEL`, as Rust-for-Linux's does, so
/// they need a sleep token; a `NoWait` token must say its flags. The result
/// is a `Result<KVec<T>, AllocError>`.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{KVec, flags::*, kvec};
/// let mut v: KVec<u32> = kvec![];
/// v.push(1, GFP_KERNEL, cx)?;
/// assert_eq!(v, [1]);
///
/// let mut v = kvec![cx; 1; 3]?;
/// v.push(4, GFP_KERNEL, cx)?;
/// assert_eq!(v, [1, 1, 1, 4]);
///
/// let mut v = kvec![cx; 1, 2, 3]?;
/// v.push(4, GFP_KERNEL, cx)?;
/// assert_eq!(v, [1, 2, 3, 4]);
///
/// let atomic = cx.nowait_scope(|nw| kvec![nw, GFP_ATOMIC; 0u8; 64])?;
/// assert_eq!(atomic.len(), 64);
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
///
/// A `NoWait` token with the default `GFP_KERNEL` does not compile:
///
/// ```compile_fail,E0277
/// use alloc_ctx::{NoWait, kvec};
/// NoWait::enter(|nw| {
///     let v = kvec![nw; 1, 2, 3]; // error: `GFP_KERNEL` may sleep
/// });
/// ```
#[macro_export]
macro_rules! kvec {
    () => {
        $crate::KVec::new()
    };
    ($cx:expr, $flags:expr; $elem:expr; $n:expr) => {
        $crate::KVec::from_elem($elem, $n, $flags, $cx)
    };
    ($cx:expr, $flags:expr; $($x:expr),+ $(,)?) => {
        $crate::KVec::from_array([$($x),+], $flags, $cx)
    };
    ($cx:expr; $elem:expr; $n:expr) => {
        $crate::KVec::from_elem($elem, $n, $crate::flags::GFP_KERNEL, $cx)
    };
    ($cx:expr; $($x:expr),+ $(,)?) => {
        $crate::KVec::from_array([$($x),+], $crate::flags::GFP_KERNEL, $cx)
    };
}
