//! [`KBox`]: an owned heap value allocated through a context token.

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};

use crate::backend::{Backend, System};
use crate::context::{BoundFor, Outcome, Token};
use crate::error::AllocError;
use crate::flags::{Gfp, GfpFlags};
use crate::request;
use crate::rules::Permits;
use crate::size::Size;
use crate::typelevel::Bool;

mod sealed {
    pub trait Sealed {}
}

/// The element of a byte buffer: `u8` (initialised) or `MaybeUninit<u8>`.
/// Sealed.
pub trait ByteElem: sealed::Sealed + Copy + 'static {}
impl sealed::Sealed for u8 {}
impl sealed::Sealed for MaybeUninit<u8> {}
impl ByteElem for u8 {}
impl ByteElem for MaybeUninit<u8> {}

/// An owned value on the heap, freed through its backend when dropped: the
/// Rust-for-Linux `KBox`, with the context token as an argument.
///
/// Creating one is a request: it takes flags and a token, and its result
/// type follows the flags (`KBox` for `__GFP_NOFAIL`, `Result` otherwise).
/// A NOFAIL box of a type larger than 8 KiB fails `cargo build`.
///
/// ```
/// use alloc_ctx::{KBox, MaySleep, NoWait, flags::*};
/// MaySleep::enter(|cx| {
///     let config = KBox::new([0u32; 64], GFP_KERNEL | __GFP_NOFAIL, cx); // cannot fail
///     assert_eq!(config.len(), 64);
/// });
/// NoWait::enter(|nw| {
///     let event = KBox::new(7u16, GFP_ATOMIC, nw).expect("atomic allocation");
///     assert_eq!(*event, 7);
/// });
/// ```
pub struct KBox<T: ?Sized, A: Backend = System> {
    ptr: NonNull<T>,
    backend: A,
    _owns: PhantomData<T>,
}

// SAFETY: a `KBox` owns its `T` like `Box` does; sending it sends the `T`
// and the backend handle.
unsafe impl<T: ?Sized + Send, A: Backend + Send> Send for KBox<T, A> {}
// SAFETY: shared access to a `KBox` only gives `&T` (and `&A`).
unsafe impl<T: ?Sized + Sync, A: Backend + Sync> Sync for KBox<T, A> {}

/// Evaluated when a program boxing `T` with flags `F` is built: the size of
/// `T` must fit the request's bound (8 KiB for NOFAIL, 4 MiB otherwise).
pub(crate) struct AssertBoxFits<T, F>(PhantomData<(T, F)>);
impl<T, F: GfpFlags> AssertBoxFits<T, F> {
    pub(crate) const OK: () = {
        let _ = Size::<BoundFor<F>>::of::<T>();
    };
}

impl<T> KBox<T> {
    /// Moves `value` to the heap ([`System`] backend).
    #[inline]
    #[track_caller]
    pub fn new<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, KBox<T>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        // Checked here as well as in `new_in`: a failed build-time check
        // names the function instance that referenced it first, and this
        // way that is the user's call, with its line.
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F>::OK;
        KBox::new_in(value, System, flags, cx)
    }
}

impl<T, A: Backend> KBox<T, A> {
    /// Moves `value` to the heap, allocated from `backend`.
    ///
    /// On failure `value` is dropped, as with Rust-for-Linux's `KBox::new`;
    /// use [`new_uninit_in`](Self::new_uninit_in) to keep it.
    #[inline]
    #[track_caller]
    pub fn new_in<C, F>(value: T, backend: A, flags: F, cx: &mut C) -> Outcome<F, KBox<T, A>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F>::OK;
        let result =
            Self::allocate_uninit(backend, crate::context::served(cx, flags.gfp())).map(|uninit| uninit.write(value));
        <F::NoFail as Bool>::outcome(result)
    }

    /// Allocates room for a `T` without initialising it.
    #[inline]
    #[track_caller]
    pub fn new_uninit_in<C, F>(backend: A, flags: F, cx: &mut C) -> Outcome<F, KBox<MaybeUninit<T>, A>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F>::OK;
        <F::NoFail as Bool>::outcome(Self::allocate_uninit(backend, crate::context::served(cx, flags.gfp())))
    }

    #[inline]
    #[track_caller]
    fn allocate_uninit(backend: A, gfp: Gfp) -> Result<KBox<MaybeUninit<T>, A>, AllocError> {
        let layout = Layout::new::<T>();
        let ptr =
            if layout.size() == 0 { NonNull::dangling() } else { request::allocate(&backend, layout, gfp)?.cast() };
        Ok(KBox { ptr, backend, _owns: PhantomData })
    }

    /// Moves the value out and frees the allocation.
    pub fn into_inner(self) -> T {
        let (ptr, backend) = Self::into_parts(self);
        // SAFETY: `ptr` points to an initialised `T` that this box owned;
        // it is read once and the block is freed without dropping it again.
        let value = unsafe { ptr::read(ptr.as_ptr()) };
        // SAFETY: allocated by `backend` with `Layout::new::<T>()`.
        unsafe { free_block(&backend, ptr.cast(), Layout::new::<T>()) };
        value
    }

    /// A copy of the boxed value in a new allocation (the `Clone`
    /// equivalent: it takes flags and a token).
    #[inline]
    #[track_caller]
    pub fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Outcome<F, KBox<T, A>>
    where
        T: Clone,
        A: Clone,
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        KBox::new_in((**self).clone(), self.backend.clone(), flags, cx)
    }
}

impl<T, A: Backend> KBox<MaybeUninit<T>, A> {
    /// Initialises the value.
    #[inline]
    pub fn write(self, value: T) -> KBox<T, A> {
        let (ptr, backend) = Self::into_parts(self);
        // SAFETY: `ptr` is valid for writes of a `T` (same layout as
        // `MaybeUninit<T>`); after the write the block holds an initialised
        // `T`, so the box can be retyped.
        unsafe { ptr.cast::<T>().as_ptr().write(value) };
        KBox { ptr: ptr.cast(), backend, _owns: PhantomData }
    }
}

impl<E: ByteElem, A: Backend> KBox<[E], A> {
    /// `len` bytes from `backend`; zeroed if `gfp` has `__GFP_ZERO`, which
    /// the caller guarantees whenever `E` is `u8`.
    // `always`: the request path's context check must not cost this
    // function's inlining (a raw request is measured against `malloc`).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn alloc_bytes(backend: A, gfp: Gfp, len: usize) -> Result<KBox<[E], A>, AllocError> {
        debug_assert!(core::mem::size_of::<E>() == 1);
        let data = if len == 0 {
            NonNull::dangling()
        } else {
            // `len` passed a size bound (at most INT_MAX), so it is a valid
            // array layout; map the impossible error rather than panic.
            let layout = Layout::array::<u8>(len).map_err(|_| AllocError::OutOfMemory { size: len, align: 1, gfp })?;
            request::allocate(&backend, layout, gfp)?.cast::<E>()
        };
        Ok(KBox { ptr: NonNull::slice_from_raw_parts(data, len), backend, _owns: PhantomData })
    }
}

impl<T: ?Sized, A: Backend> KBox<T, A> {
    /// Takes the pointer and backend out without running `Drop`.
    fn into_parts(this: Self) -> (NonNull<T>, A) {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the backend is
        // moved out exactly once.
        let backend = unsafe { ptr::read(&this.backend) };
        (this.ptr, backend)
    }

    /// The backend the value was allocated from.
    pub fn backend(&self) -> &A {
        &self.backend
    }
}

/// Frees a block unless it is zero-sized (never allocated).
///
/// # Safety
///
/// A non-zero-sized `layout` must be the one `ptr` was allocated with by
/// `backend`, and `ptr` must not be used afterwards.
#[inline]
pub(crate) unsafe fn free_block<A: Backend + ?Sized>(backend: &A, ptr: NonNull<u8>, layout: Layout) {
    if layout.size() != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { backend.free(ptr, layout) }
    }
}

impl<T: ?Sized, A: Backend> Drop for KBox<T, A> {
    fn drop(&mut self) {
        /// Frees the block when dropped: after the value, and also while
        /// unwinding from the value's panicking `Drop`, as `Box` does.
        struct FreeBlock<'b, T: ?Sized, A: Backend> {
            kbox: &'b KBox<T, A>,
            layout: Layout,
        }

        impl<T: ?Sized, A: Backend> Drop for FreeBlock<'_, T, A> {
            fn drop(&mut self) {
                // SAFETY: the block was allocated by the box's backend with
                // the layout of its value (zero-sized values never were) and
                // is not used again.
                unsafe { free_block(&self.kbox.backend, self.kbox.ptr.cast(), self.layout) };
            }
        }

        // SAFETY: the box owns a live, initialised `T`.
        let layout = Layout::for_value(unsafe { self.ptr.as_ref() });
        let block = FreeBlock { kbox: self, layout };
        // SAFETY: the value is dropped once, here, and never used again.
        unsafe { ptr::drop_in_place(block.kbox.ptr.as_ptr()) };
    }
}

impl<T: ?Sized, A: Backend> Deref for KBox<T, A> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns a live, initialised `T`; the borrow is tied
        // to `&self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: ?Sized, A: Backend> DerefMut for KBox<T, A> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`, and `&mut self` makes the borrow unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T: ?Sized, A: Backend> AsRef<T> for KBox<T, A> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized, A: Backend> AsMut<T> for KBox<T, A> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: ?Sized + fmt::Debug, A: Backend> fmt::Debug for KBox<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, A: Backend> fmt::Display for KBox<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + PartialEq, A: Backend> PartialEq for KBox<T, A> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}
