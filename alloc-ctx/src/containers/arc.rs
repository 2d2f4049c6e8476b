//! [`Arc`]: a thread-safe reference-counted value, allocated through a
//! context token.
//!
//! Creating one is a request (flags and a token), like
//! Rust-for-Linux's `Arc::new(value, GFP_KERNEL)`; cloning only counts, so
//! `Clone` is implemented. The last handle dropped drops the value and
//! frees the block through the backend it came from.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
//! use alloc_ctx::{arc::Arc, flags::*};
//! use core::sync::atomic::{AtomicU32, Ordering};
//!
//! struct Stats { rx: AtomicU32 }
//!
//! let stats = Arc::new(Stats { rx: AtomicU32::new(0) }, GFP_KERNEL, cx)?;
//! let for_irq = Arc::clone(&stats); // no allocation
//! std::thread::spawn(move || for_irq.rx.fetch_add(1, Ordering::Relaxed)).join().unwrap();
//! assert_eq!(stats.rx.load(Ordering::Relaxed), 1);
//! assert_eq!(Arc::strong_count(&stats), 1);
//! # Ok::<_, alloc_ctx::AllocError>(())
//! # }
//! ```

use core::alloc::Layout;
use core::borrow::Borrow;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::ops::Deref;
#[cfg(feature = "alloc")]
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{self, Ordering};
// Targets without compare-and-swap (thumbv6m) get it from portable-atomic.
#[cfg(target_has_atomic = "ptr")]
use core::sync::atomic::AtomicUsize;
#[cfg(not(target_has_atomic = "ptr"))]
use portable_atomic::AtomicUsize;

use crate::containers::kbox::AssertBoxFits;
use crate::context::token::Token;
use crate::request::backend::{Backend, System};
use crate::request::serve;
use crate::vocab::error::AllocError;
use crate::vocab::flags::GfpFlags;
use crate::vocab::flags::Outcome;
use crate::vocab::rules::Permits;
use crate::vocab::typelevel::Bool;

mod unique;
pub use unique::{ArcBorrow, UniqueArc};

/// A reference count above this is saturated: it stays high and the value
/// is never freed (the kernel's `refcount_t` behaviour), instead of
/// wrapping to zero and freeing a value still in use.
const MAX_REFCOUNT: usize = isize::MAX as usize;
/// Where a saturated count is parked: far from both zero and overflow.
const SATURATED: usize = MAX_REFCOUNT + (MAX_REFCOUNT >> 1);

/// A thread-safe reference-counted pointer to a `T` allocated from backend
/// `A` (the Rust-for-Linux `kernel::sync::Arc`, with the token).
///
/// # Invariants
///
/// * `ptr` points to an `ArcInner` allocated by the backend stored in it,
///   with the layout of that `ArcInner`, holding a valid `T`.
/// * Its count is the number of `Arc` handles to it (or saturated, then the
///   block is never freed); the block is freed, and the value dropped, by
///   the handle that brings the count to zero.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{arc::Arc, flags::*};
/// let a = Arc::new(String::from("shared"), GFP_KERNEL, cx).unwrap();
/// let b = a.clone(); // counts, no request
/// assert_eq!((b.as_str(), Arc::strong_count(&a)), ("shared", 2));
/// # }
/// ```
pub struct Arc<T: ?Sized, A: Backend = System> {
    ptr: NonNull<ArcInner<T, A>>,
    _owns: PhantomData<ArcInner<T, A>>,
}

/// The block: the count, the backend handle it was allocated from, then
/// the value (last, so that `T` may be unsized).
#[repr(C)]
pub(in crate::containers) struct ArcInner<T: ?Sized, A> {
    count: AtomicUsize,
    backend: A,
    data: T,
}

/// Moves the value out of the block of the last handle and frees the
/// block through its backend: the end of `try_unwrap` and `into_inner`.
///
/// # Safety
///
/// The count of `inner` reached zero through the caller's handle, which is
/// not used or dropped again: the block is owned here.
unsafe fn take_last<T, A: Backend>(inner: NonNull<ArcInner<T, A>>) -> T {
    let raw = inner.as_ptr();
    // SAFETY: the block is owned (the caller's contract); the value and the
    // backend are moved out once, and the block is freed with its layout by
    // its backend.
    unsafe {
        let value = ptr::read(&raw const (*raw).data);
        let backend = ptr::read(&raw const (*raw).backend);
        backend.free(inner.cast(), Layout::new::<ArcInner<T, A>>());
        value
    }
}

// SAFETY: handles on several threads share `&T` (so `T: Sync`) and the last
// one to drop drops the `T` and frees through `A` on whatever thread that is
// (so `T: Send`, `A: Send + Sync`), as `std::sync::Arc`.
unsafe impl<T: ?Sized + Send + Sync, A: Backend + Send + Sync> Send for Arc<T, A> {}
// SAFETY: as `Send`: a shared handle gives `&T` and can be cloned.
unsafe impl<T: ?Sized + Send + Sync, A: Backend + Send + Sync> Sync for Arc<T, A> {}

/// Moving a handle never moves the value.
impl<T: ?Sized, A: Backend> Unpin for Arc<T, A> {}

#[cfg(feature = "alloc")]
impl<T> Arc<T, System> {
    /// Moves `value` into a new reference-counted block ([`System`]
    /// backend). The result follows the flags: the `Arc` itself for
    /// `__GFP_NOFAIL` (the block must then be at most 8 KiB, checked when
    /// the program is built), a `Result` otherwise.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{NoWait, arc::Arc, flags::*};
    /// let config = Arc::new([0u32; 16], GFP_KERNEL | __GFP_NOFAIL, cx); // cannot fail
    /// assert_eq!(config.len(), 16);
    /// let event = NoWait::enter(|nw| Arc::new(5u8, GFP_ATOMIC, nw)).unwrap();
    /// assert_eq!(*event, 5);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<ArcInner<T, System>, F>::OK;
        Arc::new_in(value, System, flags, cx)
    }

    /// As [`new`](Self::new), pinned: the value will not move until it is
    /// dropped.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let node = Arc::pin(core::cell::Cell::new(1), GFP_KERNEL, cx).unwrap();
    /// node.set(2);
    /// assert_eq!(node.get(), 2);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, Pin<Self>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<ArcInner<T, System>, F>::OK;
        let result = Arc::allocate(value, System, crate::context::token::served(cx, flags.gfp()));
        // SAFETY: the value is never moved out of the block while a handle
        // exists (`get_mut` is not reachable through `Pin`), it is dropped
        // before the block is freed, and the backend is `'static`.
        <F::NoFail as Bool>::outcome(result.map(|arc| unsafe { Pin::new_unchecked(arc) }))
    }
}

impl<T, A: Backend> Arc<T, A> {
    /// As [`new`](Arc::new), from `backend` (the handle is kept in the
    /// block, to free it).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, backend::Budget, flags::*};
    /// let budget = Budget::new(1024);
    /// let shared = Arc::new_in(7u64, &budget, GFP_KERNEL, cx).unwrap();
    /// let again = Arc::clone(&shared);
    /// assert!(budget.live_bytes() > 0);
    /// drop((shared, again));
    /// assert_eq!(budget.live_bytes(), 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_in<C, F>(value: T, backend: A, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<ArcInner<T, A>, F>::OK;
        <F::NoFail as Bool>::outcome(Arc::allocate(value, backend, crate::context::token::served(cx, flags.gfp())))
    }

    #[track_caller]
    pub(in crate::containers) fn allocate(
        value: T,
        backend: A,
        gfp: crate::vocab::flags::Gfp,
    ) -> Result<Self, AllocError> {
        // Never zero-sized: the count is in the block.
        let layout = Layout::new::<ArcInner<T, A>>();
        let block = serve::allocate(&backend, layout, gfp)?.cast::<ArcInner<T, A>>();
        // SAFETY: a fresh block of `ArcInner<T, A>`'s layout, valid for one
        // write.
        unsafe { block.as_ptr().write(ArcInner { count: AtomicUsize::new(1), backend, data: value }) };
        // INVARIANT: one handle, the block from the backend stored in it.
        Ok(Arc { ptr: block, _owns: PhantomData })
    }

    /// The value, if this is the only handle (the block is freed);
    /// otherwise the handle back.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let a = Arc::new(3, GFP_KERNEL, cx).unwrap();
    /// let b = Arc::clone(&a);
    /// let a = Arc::try_unwrap(a).unwrap_err(); // `b` still refers to it
    /// drop(b);
    /// assert_eq!(Arc::try_unwrap(a).ok(), Some(3));
    /// # }
    /// ```
    pub fn try_unwrap(this: Self) -> Result<T, Self> {
        if this.inner().count.compare_exchange(1, 0, Ordering::Acquire, Ordering::Relaxed).is_err() {
            return Err(this);
        }
        let this = ManuallyDrop::new(this);
        // SAFETY: the count went from 1 to 0: this was the only handle and
        // no other can appear, so the block is owned here.
        Ok(unsafe { take_last(this.ptr) })
    }

    /// The value, if this is the last handle; `None` (and the handle is
    /// dropped) otherwise. Unlike [`try_unwrap`](Self::try_unwrap), when
    /// every handle is passed to `into_inner`, exactly one gets the value.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let a = Arc::new(3, GFP_KERNEL, cx).unwrap();
    /// let b = Arc::clone(&a);
    /// assert_eq!(Arc::into_inner(a), None);
    /// assert_eq!(Arc::into_inner(b), Some(3));
    /// # }
    /// ```
    pub fn into_inner(this: Self) -> Option<T> {
        let this = ManuallyDrop::new(this);
        if this.inner().count.fetch_sub(1, Ordering::Release) != 1 {
            return None;
        }
        atomic::fence(Ordering::Acquire);
        // SAFETY: as `try_unwrap`: the count reached zero here.
        Some(unsafe { take_last(this.ptr) })
    }

    /// Gives up the handle: a pointer to the value, which stays alive
    /// until [`from_raw`](Self::from_raw) takes the handle back.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let a = Arc::new(11u32, GFP_KERNEL, cx).unwrap();
    /// let raw = Arc::into_raw(a);
    /// // SAFETY: `raw` comes from `Arc::into_raw` and is used once.
    /// let a = unsafe { Arc::<u32>::from_raw(raw) };
    /// assert_eq!(*a, 11);
    /// # }
    /// ```
    pub fn into_raw(this: Self) -> *const T {
        let this = ManuallyDrop::new(this);
        // SAFETY: the block is live (this handle counts); no reference is
        // made to it.
        unsafe { &raw const (*this.ptr.as_ptr()).data }
    }

    /// Takes back a handle given up by [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    ///
    /// `ptr` comes from `into_raw` of an `Arc<T, A>` of the same types, and
    /// each such pointer is passed to `from_raw` at most once.
    ///
    /// See [`into_raw`](Self::into_raw) for an example.
    pub unsafe fn from_raw(ptr: *const T) -> Self {
        let offset = core::mem::offset_of!(ArcInner<T, A>, data);
        // SAFETY: `ptr` points to the `data` field of a live `ArcInner`
        // (the caller's contract), `offset` bytes from its start.
        let inner = unsafe { ptr.byte_sub(offset) }.cast::<ArcInner<T, A>>().cast_mut();
        // INVARIANT: the handle given up by `into_raw` is taken back.
        // SAFETY: derived from a non-null block pointer.
        Arc { ptr: unsafe { NonNull::new_unchecked(inner) }, _owns: PhantomData }
    }
}

impl<T: ?Sized, A: Backend> Arc<T, A> {
    fn inner(&self) -> &ArcInner<T, A> {
        // SAFETY: the block is live while this handle exists.
        unsafe { self.ptr.as_ref() }
    }

    /// The number of handles (a snapshot: other threads may change it).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let a = Arc::new(0u8, GFP_KERNEL, cx).unwrap();
    /// let b = Arc::clone(&a);
    /// assert_eq!(Arc::strong_count(&b), 2);
    /// # }
    /// ```
    pub fn strong_count(this: &Self) -> usize {
        this.inner().count.load(Ordering::Acquire)
    }

    /// Whether both handles point to the same value.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let a = Arc::new(1, GFP_KERNEL, cx).unwrap();
    /// let b = Arc::new(1, GFP_KERNEL, cx).unwrap();
    /// assert!(Arc::ptr_eq(&a, &Arc::clone(&a)) && !Arc::ptr_eq(&a, &b));
    /// # }
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        ptr::addr_eq(this.ptr.as_ptr(), other.ptr.as_ptr())
    }

    /// The value, mutably, if this is the only handle.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*};
    /// let mut a = Arc::new(1, GFP_KERNEL, cx).unwrap();
    /// *Arc::get_mut(&mut a).unwrap() += 1;
    /// let b = Arc::clone(&a);
    /// assert!(Arc::get_mut(&mut a).is_none());
    /// assert_eq!(*b, 2);
    /// # }
    /// ```
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        if this.inner().count.load(Ordering::Acquire) != 1 {
            return None;
        }
        // SAFETY: this is the only handle and it is borrowed mutably, so no
        // other reference to the value exists or can be made meanwhile (a
        // clone needs this handle).
        Some(unsafe { &mut (*this.ptr.as_ptr()).data })
    }

    /// The backend the block was allocated from.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let a = Arc::new_in(1u32, &budget, GFP_KERNEL, cx).unwrap();
    /// assert!(Arc::backend(&a).live_bytes() > 0);
    /// # }
    /// ```
    pub fn backend(this: &Self) -> &A {
        &this.inner().backend
    }

    /// Drops the value and frees the block; the count reached zero.
    ///
    /// # Safety
    ///
    /// Called once, by the handle that brought the count to zero (after an
    /// acquire fence), which is not used afterwards.
    #[cold]
    unsafe fn drop_slow(&mut self) {
        /// Frees the block after the value is dropped, also while
        /// unwinding from a panicking `Drop` of the value.
        struct FreeBlock<A: Backend> {
            backend: A,
            block: NonNull<u8>,
            layout: Layout,
        }
        impl<A: Backend> Drop for FreeBlock<A> {
            fn drop(&mut self) {
                // SAFETY: the block was allocated by this backend with
                // `layout`, and nothing uses it any more.
                unsafe { self.backend.free(self.block, self.layout) };
            }
        }

        let inner = self.ptr.as_ptr();
        // SAFETY: the block is still live and initialised.
        let layout = Layout::for_value(unsafe { &*inner });
        // SAFETY: the backend is moved out once and the field not used again.
        let backend = unsafe { ptr::read(&raw const (*inner).backend) };
        let _free = FreeBlock { backend, block: self.ptr.cast(), layout };
        // SAFETY: the value is dropped once; no handle remains to see it.
        unsafe { ptr::drop_in_place(&raw mut (*inner).data) };
    }
}

impl<T: ?Sized, A: Backend> Clone for Arc<T, A> {
    /// Another handle: counts, never allocates.
    fn clone(&self) -> Self {
        let old = self.inner().count.fetch_add(1, Ordering::Relaxed);
        if old > MAX_REFCOUNT {
            // Saturate: the value leaks rather than being freed in use.
            self.inner().count.store(SATURATED, Ordering::Relaxed);
        }
        // INVARIANT: the count includes the new handle.
        Arc { ptr: self.ptr, _owns: PhantomData }
    }
}

impl<T: ?Sized, A: Backend> Drop for Arc<T, A> {
    fn drop(&mut self) {
        let old = self.inner().count.fetch_sub(1, Ordering::Release);
        if old != 1 {
            if old > MAX_REFCOUNT {
                self.inner().count.store(SATURATED, Ordering::Relaxed);
            }
            return;
        }
        // Every other handle's uses happen before the value is dropped.
        atomic::fence(Ordering::Acquire);
        // SAFETY: this handle brought the count to zero and is not used
        // again.
        unsafe { self.drop_slow() };
    }
}

impl<T: ?Sized, A: Backend> Deref for Arc<T, A> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner().data
    }
}

impl<T: ?Sized, A: Backend> AsRef<T> for Arc<T, A> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized, A: Backend> Borrow<T> for Arc<T, A> {
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: ?Sized + fmt::Debug, A: Backend> fmt::Debug for Arc<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, A: Backend> fmt::Display for Arc<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, A: Backend> fmt::Pointer for Arc<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&ptr::from_ref::<T>(self), f)
    }
}

impl<T: ?Sized + PartialEq, A: Backend> PartialEq for Arc<T, A> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq, A: Backend> Eq for Arc<T, A> {}

impl<T: ?Sized + PartialOrd, A: Backend> PartialOrd for Arc<T, A> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: ?Sized + Ord, A: Backend> Ord for Arc<T, A> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: ?Sized + Hash, A: Backend> Hash for Arc<T, A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}
