//! [`UniqueArc`], an [`Arc`] known to be the only handle (allocated and
//! initialised before it is shared), and [`ArcBorrow`], a borrowed handle,
//! as Rust-for-Linux's `kernel::sync::{UniqueArc, ArcBorrow}`.

use core::fmt;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::NonNull;
use core::sync::atomic::{self, Ordering};

use super::{Arc, ArcInner};
use crate::containers::kbox::AssertBoxFits;
use crate::context::token::Token;
use crate::request::backend::{Backend, System};
use crate::vocab::flags::{GfpFlags, Outcome};
use crate::vocab::rules::Permits;
use crate::vocab::typelevel::Bool;

/// An [`Arc`] that is the only handle to its value, so the value can be
/// changed (it dereferences mutably) before it is shared with
/// [`into_arc`](Self::into_arc) or `Arc::from`.
///
/// Drivers use it to allocate before taking a lock (`new_uninit` with
/// `GFP_KERNEL`), then fill and publish the object under the lock, where
/// they cannot sleep: the allocation is the only request, and writing the
/// value and sharing it make none.
///
/// # Invariants
///
/// The count of the block is one, and this is the handle it counts.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, arc::{Arc, UniqueArc}, flags::*, sync::SpinLock};
///
/// struct Node { id: u32, refs: u32 }
/// let nodes: SpinLock<Option<Arc<Node>>> = SpinLock::new(None);
///
/// // Allocate while sleeping is allowed ...
/// let node = UniqueArc::<Node>::new_uninit(GFP_KERNEL, cx).unwrap();
/// let mut slot = nodes.lock(cx);
/// // ... and initialise and publish under the lock, without a request.
/// let mut node = node.write(Node { id: 7, refs: 0 });
/// node.refs += 1; // still unique: mutable
/// *slot = Some(node.into());
/// assert_eq!(slot.as_ref().map(|n| (n.id, n.refs)), Some((7, 1)));
/// # }
/// ```
pub struct UniqueArc<T: ?Sized, A: Backend = System> {
    inner: Arc<T, A>,
}

#[cfg(feature = "alloc")]
impl<T> UniqueArc<T, System> {
    /// A new unique handle to `value` ([`System`] backend); the result
    /// follows the flags, as [`Arc::new`].
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::UniqueArc, flags::*};
    /// let mut stats = UniqueArc::new([0u32; 4], GFP_KERNEL, cx).unwrap();
    /// stats[1] = 3;
    /// let shared = stats.into_arc();
    /// assert_eq!(shared[1], 3);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        UniqueArc::new_in(value, System, flags, cx)
    }

    /// A new unique handle to an uninitialised value ([`System`] backend):
    /// the allocation now, the value later with
    /// [`write`](UniqueArc::write). Rust-for-Linux's
    /// `UniqueArc::new_uninit(flags)`, with the token.
    ///
    /// ```
    /// use alloc_ctx::{NoWait, arc::UniqueArc, flags::*};
    /// let arc = NoWait::enter(|nw| UniqueArc::<u64>::new_uninit(GFP_ATOMIC, nw))?;
    /// let arc = arc.write(5);
    /// assert_eq!(*arc, 5);
    /// # Ok::<(), alloc_ctx::AllocError>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_uninit<C, F>(flags: F, cx: &mut C) -> Outcome<F, UniqueArc<MaybeUninit<T>>>
    where
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        UniqueArc::new_uninit_in(System, flags, cx)
    }
}

impl<T, A: Backend> UniqueArc<T, A> {
    /// As [`new`](UniqueArc::new), from `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::UniqueArc, backend::Budget, flags::*};
    /// let budget = Budget::new(0); // nothing to give
    /// (assert!(UniqueArc::new_in(1u8, &budget, GFP_KERNEL, cx).is_err()));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_in<C, F>(value: T, backend: A, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<ArcInner<T, A>, F>::OK;
        let result = Arc::allocate(value, backend, crate::context::token::served(cx, flags.gfp()));
        // INVARIANT: a new block has one handle.
        <F::NoFail as Bool>::outcome(result.map(|inner| UniqueArc { inner }))
    }

    /// As [`new_uninit`](UniqueArc::new_uninit), from `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::UniqueArc, backend::Budget, flags::*};
    /// let budget = Budget::new(256);
    /// {
    ///     let slot = UniqueArc::<[u8; 32], _>::new_uninit_in(&budget, GFP_KERNEL, cx).unwrap();
    ///     assert!(budget.live_bytes() >= 32);
    ///     drop(slot); // never initialised: nothing to drop, the block is freed
    /// };
    /// assert_eq!(budget.live_bytes(), 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_uninit_in<C, F>(backend: A, flags: F, cx: &mut C) -> Outcome<F, UniqueArc<MaybeUninit<T>, A>>
    where
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        UniqueArc::new_in(MaybeUninit::uninit(), backend, flags, cx)
    }

    /// Shares the value: the handle becomes an ordinary [`Arc`] (also
    /// `Arc::from(unique)`). Makes no request.
    #[inline]
    pub fn into_arc(self) -> Arc<T, A> {
        self.inner
    }

    /// Pins the value (it will not move until it is dropped); also
    /// `Pin::from(unique)`. A pinned `UniqueArc` shares as `Pin<Arc>`
    /// through [`Arc::from`].
    #[inline]
    pub fn into_pin(self) -> Pin<Self> {
        // SAFETY: the value is in the reference-counted block and never
        // moves out of it while a handle exists (`UniqueArc` hands out
        // `&mut T` only through `Pin`'s `DerefMut` rules once pinned, and
        // an `Arc` made from it only `&T`).
        unsafe { Pin::new_unchecked(self) }
    }
}

impl<T, A: Backend> UniqueArc<MaybeUninit<T>, A> {
    /// A new block's one handle, uninitialised, for the in-place
    /// initialisers (`Arc::pin_init`) that need the error as a `Result`
    /// whatever the flags.
    #[cfg(all(feature = "pin-init", feature = "alloc"))]
    #[track_caller]
    pub(in crate::containers) fn allocate_uninit(
        backend: A,
        gfp: crate::vocab::flags::Gfp,
    ) -> Result<Self, crate::vocab::error::AllocError> {
        // INVARIANT: a new block has one handle.
        Arc::allocate(MaybeUninit::uninit(), backend, gfp).map(|inner| UniqueArc { inner })
    }

    /// Initialises the value: the handle becomes a `UniqueArc<T>`. Makes
    /// no request.
    ///
    /// See [`new_uninit`](UniqueArc::new_uninit).
    #[inline]
    pub fn write(mut self, value: T) -> UniqueArc<T, A> {
        (*self).write(value);
        // SAFETY: just initialised.
        unsafe { self.assume_init() }
    }

    /// The handle to the initialised value.
    ///
    /// # Safety
    ///
    /// The value has been initialised (through the `&mut MaybeUninit<T>`
    /// this handle dereferences to).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::UniqueArc, flags::*};
    /// let mut raw = UniqueArc::<[u32; 2]>::new_uninit(GFP_KERNEL, cx).unwrap();
    /// (*raw).write([1, 2]); // `MaybeUninit::write`, through the handle
    /// // SAFETY: written above.
    /// let table = unsafe { raw.assume_init() };
    /// assert_eq!(*table, [1, 2]);
    /// # }
    /// ```
    #[inline]
    pub unsafe fn assume_init(self) -> UniqueArc<T, A> {
        let this = ManuallyDrop::new(self);
        // INVARIANT: the same block and its one handle. `MaybeUninit<T>`
        // has `T`'s layout, so `ArcInner<MaybeUninit<T>, A>` (`repr(C)`)
        // has `ArcInner<T, A>`'s, and the block is freed with the same
        // layout it was allocated with; the value is initialised (the
        // caller's contract).
        UniqueArc { inner: Arc { ptr: this.inner.ptr.cast::<ArcInner<T, A>>(), _owns: PhantomData } }
    }
}

impl<T: ?Sized, A: Backend> Deref for UniqueArc<T, A> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized, A: Backend> DerefMut for UniqueArc<T, A> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this is the only handle (the invariant) and it is
        // borrowed mutably, so no other reference to the value exists.
        unsafe { &mut (*self.inner.ptr.as_ptr()).data }
    }
}

impl<T: ?Sized, A: Backend> From<UniqueArc<T, A>> for Arc<T, A> {
    fn from(unique: UniqueArc<T, A>) -> Self {
        unique.inner
    }
}

impl<T, A: Backend> From<UniqueArc<T, A>> for Pin<UniqueArc<T, A>> {
    fn from(unique: UniqueArc<T, A>) -> Self {
        unique.into_pin()
    }
}

impl<T: ?Sized, A: Backend> From<Pin<UniqueArc<T, A>>> for Pin<Arc<T, A>> {
    /// Shares a pinned value; it stays pinned.
    fn from(unique: Pin<UniqueArc<T, A>>) -> Self {
        // SAFETY: the value was pinned in its block and stays there: only
        // the handle's type changes.
        unsafe { Pin::new_unchecked(Pin::into_inner_unchecked(unique).inner) }
    }
}

impl<T: ?Sized + fmt::Debug, A: Backend> fmt::Debug for UniqueArc<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T, A: Backend> Arc<T, A> {
    /// Drops this handle, or, if it is the last one, turns it into a pinned
    /// [`UniqueArc`] (Rust-for-Linux's `Arc::into_unique_or_drop`). When
    /// every handle is passed here, exactly one gets the value.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::Arc, flags::*};
    /// let a = Arc::new(5, GFP_KERNEL, cx).unwrap();
    /// let b = Arc::clone(&a);
    /// assert!(Arc::into_unique_or_drop(a).is_none());
    /// let unique = Arc::into_unique_or_drop(b).expect("the last handle");
    /// assert_eq!(*unique, 5);
    /// # }
    /// ```
    pub fn into_unique_or_drop(this: Self) -> Option<Pin<UniqueArc<T, A>>> {
        let this = ManuallyDrop::new(this);
        if this.inner().count.fetch_sub(1, Ordering::Release) != 1 {
            return None;
        }
        // Every other handle's uses happen before this one owns the value.
        atomic::fence(Ordering::Acquire);
        // The count was zero, so no other handle exists or can appear: set
        // it back to this one.
        this.inner().count.store(1, Ordering::Relaxed);
        // INVARIANT: the count is one, for this handle.
        let unique = UniqueArc { inner: Arc { ptr: this.ptr, _owns: PhantomData } };
        Some(unique.into_pin())
    }
}

impl<T: ?Sized, A: Backend> Arc<T, A> {
    /// A borrowed handle, to pass on without counting; it becomes an `Arc`
    /// again (counting then) with `Arc::from`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::{Arc, ArcBorrow}, flags::*};
    /// fn keep(node: ArcBorrow<'_, u32>) -> Arc<u32> { node.into() }
    /// let node = Arc::new(3, GFP_KERNEL, cx).unwrap();
    /// let kept = keep(node.as_arc_borrow());
    /// assert_eq!((*kept, Arc::strong_count(&node)), (3, 2));
    /// # }
    /// ```
    pub fn as_arc_borrow(&self) -> ArcBorrow<'_, T, A> {
        // INVARIANT: the block lives at least as long as `self`'s borrow.
        ArcBorrow { ptr: self.ptr, _borrow: PhantomData }
    }
}

/// A borrowed [`Arc`]: the value, and the right to take a handle of one's
/// own (`Arc::from(borrow)`), without counting while borrowed. `Copy`, one
/// pointer (Rust-for-Linux's `ArcBorrow`, which driver callbacks receive).
///
/// # Invariants
///
/// `ptr` is a live block with a handle that outlives `'a`.
pub struct ArcBorrow<'a, T: ?Sized, A: Backend = System> {
    ptr: NonNull<ArcInner<T, A>>,
    _borrow: PhantomData<&'a Arc<T, A>>,
}

impl<'a, T: ?Sized, A: Backend> ArcBorrow<'a, T, A> {
    /// A borrow of the `Arc` whose [`Arc::into_raw`] gave `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` comes from [`Arc::into_raw`] of an `Arc<T, A>` of the same
    /// types, and that handle is not taken back with [`Arc::from_raw`]
    /// while the borrow lives.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, arc::{Arc, ArcBorrow}, flags::*};
    /// let raw = Arc::into_raw(Arc::new(9u16, GFP_KERNEL, cx).unwrap());
    /// // SAFETY: from `into_raw`; taken back only after the borrow.
    /// let node = unsafe { ArcBorrow::<u16>::from_raw(raw) };
    /// assert_eq!(*node, 9);
    /// // SAFETY: from `into_raw`, taken back once.
    /// drop(unsafe { Arc::<u16>::from_raw(raw) });
    /// # }
    /// ```
    pub unsafe fn from_raw(ptr: *const T) -> Self
    where
        T: Sized,
    {
        // SAFETY: the caller's contract is `Arc::from_raw`'s; the handle
        // is only looked at, never dropped.
        let arc = ManuallyDrop::new(unsafe { Arc::<T, A>::from_raw(ptr) });
        // INVARIANT: the handle given up by `into_raw` outlives the borrow
        // (the caller's contract).
        ArcBorrow { ptr: arc.ptr, _borrow: PhantomData }
    }
}

// SAFETY: a borrow is a shared reference to a handle: it may go to, and be
// used on, another thread when the handle may be shared (`Arc: Sync`).
unsafe impl<T: ?Sized + Send + Sync, A: Backend + Send + Sync> Send for ArcBorrow<'_, T, A> {}
// SAFETY: as `Send`.
unsafe impl<T: ?Sized + Send + Sync, A: Backend + Send + Sync> Sync for ArcBorrow<'_, T, A> {}

impl<T: ?Sized, A: Backend> Clone for ArcBorrow<'_, T, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized, A: Backend> Copy for ArcBorrow<'_, T, A> {}

impl<T: ?Sized, A: Backend> Deref for ArcBorrow<'_, T, A> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the block is live for `'a` (the invariant), and only
        // shared references to its value exist while a handle does.
        unsafe { &(*self.ptr.as_ptr()).data }
    }
}

impl<T: ?Sized, A: Backend> From<ArcBorrow<'_, T, A>> for Arc<T, A> {
    /// A handle of one's own: counts, never allocates.
    fn from(borrow: ArcBorrow<'_, T, A>) -> Self {
        // The borrowed handle, not dropped, cloned.
        let borrowed = ManuallyDrop::new(Arc { ptr: borrow.ptr, _owns: PhantomData });
        Arc::clone(&borrowed)
    }
}

impl<T: ?Sized + fmt::Debug, A: Backend> fmt::Debug for ArcBorrow<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
