//! [`KBox`], [`VBox`] and [`KVBox`]: an owned heap value allocated through a
//! context token, named as in Rust-for-Linux.
//!
//! All three are [`BoundedBox`], a box whose allocation is bounded by the
//! allocator's maximum `B` (`kmalloc`, `vmalloc`, `kvmalloc`) and comes
//! from backend `A`. Creating one is a request: it takes flags and a token.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
//! use alloc_ctx::{KBox, KVBox, flags::*};
//!
//! let counter = KBox::new(24_u64, GFP_KERNEL, cx)?;
//! assert_eq!(*counter, 24);
//! // Larger than kmalloc's 4 MiB: a kvmalloc-bounded box.
//! let table = KVBox::<[u64; 1 << 20]>::new_uninit(GFP_KERNEL, cx)?;
//! assert_eq!(core::mem::size_of_val(&*table), 8 << 20);
//! # Ok::<_, alloc_ctx::AllocError>(())
//! # }
//! ```

use core::alloc::Layout;
use core::borrow::{Borrow, BorrowMut};
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ops::{Deref, DerefMut};
use core::pin::Pin;
use core::ptr::{self, NonNull};

use crate::context::token::{MaySleep, NoWait, Token, served};
use crate::request::backend::{Backend, Free, System};
use crate::request::serve;
use crate::vocab::error::AllocError;
use crate::vocab::family::{Family, FamilyId, FamilyRules, RequestBound, Serves};
use crate::vocab::flags::{BoundFor, Outcome};
use crate::vocab::flags::{Gfp, GfpFlags, bits};
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::{Bound, KmallocMax, KvmallocMax, Size, SizeFor, VmallocMax, array_size};
use crate::vocab::typelevel::{Bool, ByteElem};

mod flex;
mod through_token;
mod zeroable;

pub use flex::FlexArray;
pub use through_token::Buffer;
pub use zeroable::Zeroable;

/// A box bounded by `kmalloc`'s maximum (4 MiB): the Rust-for-Linux `KBox`,
/// with the context token as an argument.
///
/// Its result type follows the flags (`KBox` for `__GFP_NOFAIL`, `Result`
/// otherwise). A box of a type larger than the bound (4 MiB, or 8 KiB for
/// NOFAIL) fails `cargo build`, naming the caller's line.
///
/// # Invariants
///
/// Those of [`BoundedBox`] with the `kmalloc` bound: the value was
/// allocated (if it has a size) by the box's backend, with its layout, at
/// most `KMALLOC_MAX_SIZE` bytes, and the box owns it alone.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, NoWait, flags::*};
/// let config = KBox::new([0u32; 64], GFP_KERNEL | __GFP_NOFAIL, cx); // cannot fail
/// assert_eq!(config.len(), 64);
/// NoWait::enter(|nw| {
///     let event = KBox::new(7u16, GFP_ATOMIC, nw).expect("atomic allocation");
///     assert_eq!(*event, 7);
/// });
/// # }
/// ```
pub type KBox<T, A = System> = BoundedBox<T, KmallocMax, A>;

/// A box bounded by Rust's largest layout (`isize::MAX`), for `vmalloc`
/// memory: the Rust-for-Linux `VBox`.
///
/// Its requests are for the [`Vmalloc`](crate::family::Vmalloc) family,
/// which needs `__GFP_DIRECT_RECLAIM`: a `VBox` is made only with sleeping
/// flags, through a sleep token; dropped in an atomic section, its free is
/// marked for deferral ([`Free::must_defer`](crate::backend::Free::must_defer)).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{VBox, flags::*};
/// let b = VBox::new(24_u64, GFP_KERNEL, cx)?;
/// assert_eq!(*b, 24_u64);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
pub type VBox<T, A = System> = BoundedBox<T, VmallocMax, A>;

/// A box bounded by `kvmalloc`'s maximum (`INT_MAX` bytes): the
/// Rust-for-Linux `KVBox`.
///
/// Its requests are for the [`KVmalloc`](crate::family::KVmalloc) family:
/// `__GFP_NORETRY` is refused, and a `KVBox` made without
/// `__GFP_DIRECT_RECLAIM` holds at most `KMALLOC_MAX_SIZE` bytes.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{KVBox, flags::*};
/// let b = KVBox::new(24_u64, GFP_KERNEL, cx)?;
/// assert_eq!(*b, 24_u64);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
pub type KVBox<T, A = System> = BoundedBox<T, KvmallocMax, A>;

/// An owned value on the heap, allocated from backend `A` within bound `B`
/// and freed through the backend when dropped. Use it through [`KBox`],
/// [`VBox`] or [`KVBox`].
///
/// It holds trait objects too: [`kbox_dyn!`](crate::kbox_dyn) converts a
/// `KBox<T>` into a `KBox<dyn Trait>` on stable Rust.
///
/// # Invariants
///
/// * `ptr` points to a valid, initialised `T` that the box alone owns.
/// * If `Layout::for_value(&*ptr)` has a non-zero size, the block was
///   allocated by `backend` with exactly that layout (so it is at most
///   `B::MAX` bytes, or it was handed over through [`from_raw_in`]);
///   otherwise `ptr` is dangling, well aligned, and nothing was allocated.
///
/// [`from_raw_in`]: Self::from_raw_in
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{KBox, flags::*, BoundedBox, size::KmallocMax};
/// let b: BoundedBox<u32, KmallocMax> = KBox::new(1, GFP_KERNEL, cx)?; // the same type
/// assert_eq!(*b, 1);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
pub struct BoundedBox<T: ?Sized, B: Bound, A: Backend = System> {
    ptr: NonNull<T>,
    backend: A,
    _owns: PhantomData<T>,
    _bound: PhantomData<fn() -> B>,
}

// SAFETY: a box owns its `T` like `Box` does; sending it sends the `T` and
// the backend handle.
unsafe impl<T: ?Sized + Send, B: Bound, A: Backend + Send> Send for BoundedBox<T, B, A> {}
// SAFETY: shared access to a box only gives `&T` (and `&A`).
unsafe impl<T: ?Sized + Sync, B: Bound, A: Backend + Sync> Sync for BoundedBox<T, B, A> {}

/// Moving a box never moves its value, so the box is `Unpin` whatever `T`
/// is (as `Box`); pinning is about the value, see [`BoundedBox::into_pin`].
impl<T: ?Sized, B: Bound, A: Backend> Unpin for BoundedBox<T, B, A> {}

/// Evaluated when a program boxing `T` with flags `F` in bound `B` is built:
/// the size of `T` must fit the request's bound ([`RequestBound`]: 8 KiB
/// for NOFAIL, `KMALLOC_MAX_SIZE` for a non-blocking kvmalloc request, `B`
/// otherwise).
pub(crate) struct AssertBoxFits<T, F, B = KmallocMax>(PhantomData<(T, F, B)>);
impl<T, F: GfpFlags, B: Bound> AssertBoxFits<T, F, B>
where
    B::Family: FamilyRules,
{
    pub(crate) const OK: () = {
        let _ = Size::<RequestBound<F, B>>::of::<T>();
    };
}

#[cfg(feature = "alloc")]
impl<T, B: Bound> BoundedBox<T, B, System> {
    /// Moves `value` to the heap ([`System`] backend).
    ///
    /// On failure `value` is dropped, as with Rust-for-Linux's `KBox::new`;
    /// use [`new_uninit`](Self::new_uninit) to keep it.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let b = KBox::<u64>::new(24_u64, GFP_KERNEL, cx)?;
    /// assert_eq!(*b, 24_u64);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        // Checked here as well as in `new_in`: a failed build-time check
        // names the function instance that referenced it first, and this
        // way that is the user's call, with its line.
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        BoundedBox::new_in(value, System, flags, cx)
    }

    /// Allocates room for a `T` without initialising it.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let b = KBox::<u64>::new_uninit(GFP_KERNEL, cx)?;
    /// let b = KBox::write(b, 24);
    /// assert_eq!(*b, 24_u64);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_uninit<C, F>(flags: F, cx: &mut C) -> Outcome<F, BoundedBox<MaybeUninit<T>, B>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        BoundedBox::new_uninit_in(System, flags, cx)
    }

    /// A `T` of all-zero bytes (`kzalloc`): the request carries
    /// `__GFP_ZERO` and nothing is written by the CPU. `T` must accept zero
    /// bytes as a value ([`Zeroable`]).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let b = KBox::<[u8; 128]>::zeroed(GFP_KERNEL, cx)?;
    /// assert_eq!(*b, [0; 128]);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn zeroed<C, F>(flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        T: Zeroable,
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        BoundedBox::zeroed_in(System, flags, cx)
    }

    /// Moves `value` to the heap and pins it there: it will not move again
    /// until it is dropped (`Pin<KBox<T>>`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use core::marker::PhantomPinned;
    /// use alloc_ctx::{KBox, flags::*};
    ///
    /// struct Registered { id: u32, _pin: PhantomPinned }
    ///
    /// let node = KBox::pin(Registered { id: 3, _pin: PhantomPinned }, GFP_KERNEL, cx)?;
    /// assert_eq!(node.id, 3);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin<C, F>(value: T, flags: F, cx: &mut C) -> Outcome<F, Pin<Self>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        BoundedBox::pin_in(value, System, flags, cx)
    }
}

impl<T, B: Bound, A: Backend> BoundedBox<T, B, A> {
    /// Moves `value` to the heap, allocated from `backend`.
    ///
    /// On failure `value` is dropped, as with Rust-for-Linux's `KBox::new`;
    /// use [`new_uninit_in`](Self::new_uninit_in) to keep it.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let small = KBox::new_in([0u8; 32], &budget, GFP_KERNEL, cx).unwrap();
    /// assert!(KBox::new_in([0u8; 64], &budget, GFP_KERNEL | __GFP_NOWARN, cx).is_err());
    /// assert_eq!(budget.live_bytes(), 32);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_in<C, F>(value: T, backend: A, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        let result = Self::allocate_uninit(backend, crate::context::token::served(cx, flags.gfp()))
            .map(|uninit| uninit.write(value));
        <F::NoFail as Bool>::outcome(result)
    }

    /// Allocates room for a `T` from `backend`, without initialising it.
    ///
    /// ```
    /// use alloc_ctx::{KBox, NoWait, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// NoWait::enter(|nw| {
    ///     let slot = KBox::<[u8; 64], _>::new_uninit_in(&budget, GFP_ATOMIC, nw).unwrap();
    ///     let frame = slot.write([0xff; 64]);
    ///     assert_eq!((frame[63], budget.live_bytes()), (0xff, 64));
    /// });
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_uninit_in<C, F>(backend: A, flags: F, cx: &mut C) -> Outcome<F, BoundedBox<MaybeUninit<T>, B, A>>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        <F::NoFail as Bool>::outcome(Self::allocate_uninit(backend, crate::context::token::served(cx, flags.gfp())))
    }

    /// As [`zeroed`](Self::zeroed), from `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// let budget = Budget::new(4096);
    /// let table = KBox::<[u32; 256], _>::zeroed_in(&budget, GFP_KERNEL, cx).unwrap();
    /// assert!(table.iter().all(|&x| x == 0));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn zeroed_in<C, F>(backend: A, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        T: Zeroable,
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        let gfp = with_zero(crate::context::token::served(cx, flags.gfp()));
        let result = Self::allocate_uninit(backend, gfp).map(|uninit| {
            if !gfp.zeroed() {
                // Not reachable (adding `__GFP_ZERO` keeps flags valid), but
                // the value's validity must not depend on it.
                // SAFETY: the block is valid for writes of one `T`.
                unsafe { uninit.ptr.as_ptr().write_bytes(0, 1) };
            }
            // SAFETY: the block holds all-zero bytes: it was allocated with
            // `__GFP_ZERO`, which every backend honours (the `Backend`
            // contract), or zeroed above; all-zero bytes are a valid `T`
            // (`T: Zeroable`), and a zero-sized `T` has no bytes at all.
            unsafe { uninit.assume_init() }
        });
        <F::NoFail as Bool>::outcome(result)
    }

    /// As [`pin`](Self::pin), from `backend`.
    ///
    /// The backend must be `'static`: a pinned value must be dropped before
    /// its memory is reused, and a box borrowing its backend could be
    /// leaked (`mem::forget`) and its memory freed with the backend.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// static POOL: Budget = Budget::new(4096);
    /// let pinned = KBox::pin_in(5u32, &POOL, GFP_KERNEL, cx).unwrap(); // `&'static Budget`
    /// assert_eq!(*pinned, 5);
    /// # }
    /// ```
    ///
    /// A borrowed, non-`'static` backend is refused:
    ///
    /// ```compile_fail,E0597
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, MaySleep, backend::Budget, flags::*};
    /// {
    ///     let local = Budget::new(4096);
    ///     let pinned = KBox::pin_in(5u32, &local, GFP_KERNEL, cx); // error: `local` does not live long enough
    /// };
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin_in<C, F>(value: T, backend: A, flags: F, cx: &mut C) -> Outcome<F, Pin<Self>>
    where
        A: 'static,
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        let result = Self::allocate_uninit(backend, crate::context::token::served(cx, flags.gfp()))
            .map(|uninit| uninit.write(value));
        <F::NoFail as Bool>::outcome(result.map(Pin::from))
    }

    #[inline]
    #[track_caller]
    pub(crate) fn allocate_uninit(backend: A, gfp: Gfp) -> Result<BoundedBox<MaybeUninit<T>, B, A>, AllocError> {
        let layout = Layout::new::<T>();
        let ptr = if layout.size() == 0 {
            NonNull::dangling()
        } else {
            serve::allocate_from(&backend, layout, gfp, <B::Family as Family>::ID)?.cast()
        };
        // INVARIANT: `ptr` is a block of `T`'s layout from `backend` (its
        // size passed `AssertBoxFits`), or dangling for a zero-sized `T`;
        // a `MaybeUninit<T>` needs no initialisation.
        Ok(BoundedBox { ptr, backend, _owns: PhantomData, _bound: PhantomData })
    }

    /// Moves the value out and frees the allocation.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let name = KBox::new(*b"eth0", GFP_KERNEL, cx).unwrap();
    /// assert_eq!(KBox::into_inner(name), *b"eth0");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        let (ptr, backend) = Self::into_parts(self);
        // SAFETY: `ptr` points to an initialised `T` that this box owned;
        // it is read once and the block is freed without dropping it again.
        let value = unsafe { ptr::read(ptr.as_ptr()) };
        // SAFETY: allocated by `backend` with `Layout::new::<T>()`.
        unsafe { free_block_from(&backend, ptr.cast(), Layout::new::<T>(), <B::Family as Family>::ID) };
        value
    }

    /// Drops the value but keeps the allocation, for another value
    /// ([`write`](BoundedBox::write)).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let value = KBox::new([0; 32], GFP_KERNEL, cx)?;
    /// assert_eq!(*value, [0; 32]);
    /// let value = KBox::drop_contents(value);
    /// // Now we can re-use `value`:
    /// let value = KBox::write(value, [1; 32]);
    /// assert_eq!(*value, [1; 32]);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    pub fn drop_contents(this: Self) -> BoundedBox<MaybeUninit<T>, B, A> {
        let (ptr, backend) = Self::into_parts(this);
        // INVARIANT: from here on the block is owned by the `MaybeUninit`
        // box (same layout), whose value needs no initialisation; if
        // `drop_in_place` panics, that box frees the block while unwinding.
        let uninit = BoundedBox { ptr: ptr.cast::<MaybeUninit<T>>(), backend, _owns: PhantomData, _bound: PhantomData };
        // SAFETY: the value is initialised and owned; it is dropped once,
        // and the box that keeps the block no longer calls it a `T`.
        unsafe { ptr::drop_in_place(ptr.as_ptr()) };
        uninit
    }
}

// A block of its own, so that the bound is checked when the method is
// looked up: for a `T` that is only `TryClone` (a `KBox<KVec<u8>>`), the
// lookup falls through to `TryClone::try_clone`.
impl<T: Clone, B: Bound, A: Backend + Clone> BoundedBox<T, B, A> {
    /// A copy of the boxed value in a new allocation (the `Clone`
    /// equivalent: it takes flags and a token). For a deep copy of values
    /// that allocate themselves (a `KBox<KVec<T>>`), use
    /// [`TryClone`](crate::TryClone).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let a = KBox::new([7u32; 4], GFP_KERNEL, cx).unwrap();
    /// let b = a.try_clone(GFP_KERNEL | __GFP_NOFAIL, cx); // NOFAIL: no Result
    /// assert_eq!(a, b);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Outcome<F, Self>
    where
        C: Token,
        F: GfpFlags,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        // Checked here too, so that a type over the bound fails the build
        // naming the caller's line, not `new_in`'s.
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        BoundedBox::new_in((**self).clone(), self.backend.clone(), flags, cx)
    }
}

/// `gfp` with `__GFP_ZERO` added.
pub(crate) fn with_zero(gfp: Gfp) -> Gfp {
    // Adding a known modifier to valid flags keeps them valid.
    Gfp::from_bits(gfp.bits() | bits::ZERO).unwrap_or(gfp)
}

impl<T, B: Bound, A: Backend> BoundedBox<MaybeUninit<T>, B, A> {
    /// Initialises the value.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let slot = KBox::<u64>::new_uninit(GFP_KERNEL, cx).unwrap();
    /// assert_eq!(*slot.write(9), 9);
    /// # }
    /// ```
    #[inline]
    pub fn write(self, value: T) -> BoundedBox<T, B, A> {
        let (ptr, backend) = Self::into_parts(self);
        // SAFETY: `ptr` is valid for writes of a `T` (same layout as
        // `MaybeUninit<T>`).
        unsafe { ptr.cast::<T>().as_ptr().write(value) };
        // INVARIANT: the block now holds an initialised `T`, with the
        // layout it was allocated with.
        BoundedBox { ptr: ptr.cast(), backend, _owns: PhantomData, _bound: PhantomData }
    }

    /// The box as initialised.
    ///
    /// # Safety
    ///
    /// The value must be fully initialised (a valid `T`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let mut slot = KBox::<u64>::new_uninit(GFP_KERNEL, cx).unwrap();
    /// (*slot).write(9);
    /// // SAFETY: written just above.
    /// let value = unsafe { slot.assume_init() };
    /// assert_eq!(*value, 9);
    /// # }
    /// ```
    #[inline]
    pub unsafe fn assume_init(self) -> BoundedBox<T, B, A> {
        let (ptr, backend) = Self::into_parts(self);
        // INVARIANT: the caller guarantees the value is initialised; the
        // layout is the one the block was allocated with.
        BoundedBox { ptr: ptr.cast(), backend, _owns: PhantomData, _bound: PhantomData }
    }
}

#[cfg(feature = "alloc")]
impl<T, B: Bound> BoundedBox<[T], B, System> {
    /// Room for `len` values of `T`, not initialised ([`System`] backend).
    ///
    /// The length is known at run time only, so the flags must allow
    /// failure; the size is checked against the bound `B`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let mut slots = KBox::<[u32]>::new_uninit_slice(3, GFP_KERNEL, cx)?;
    /// for (i, slot) in slots.iter_mut().enumerate() {
    ///     slot.write(i as u32 * 10);
    /// }
    /// // SAFETY: every slot was written above.
    /// let slots = unsafe { slots.assume_init() };
    /// assert_eq!(*slots, [0, 10, 20]);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn new_uninit_slice<C, F>(
        len: usize,
        flags: F,
        cx: &mut C,
    ) -> Result<BoundedBox<[MaybeUninit<T>], B>, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        BoundedBox::new_uninit_slice_in(len, System, flags, cx)
    }

    /// A copy of `src` in a new allocation: the kernel's `kmemdup()`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let firmware = [0x7f, b'E', b'L', b'F'];
    /// let copy = KBox::from_slice(&firmware, GFP_KERNEL, cx)?;
    /// assert_eq!(*copy, firmware);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn from_slice<C, F>(src: &[T], flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        T: Copy,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        BoundedBox::from_slice_in(src, System, flags, cx)
    }
}

impl<T, B: Bound, A: Backend> BoundedBox<[T], B, A> {
    /// As [`new_uninit_slice`](BoundedBox::new_uninit_slice), from
    /// `backend`.
    ///
    /// ```
    /// use alloc_ctx::{KBox, NoWait, backend::Budget, flags::*};
    /// let budget = Budget::new(100);
    /// NoWait::enter(|nw| {
    ///     assert!(KBox::<[u64], _>::new_uninit_slice_in(8, &budget, GFP_ATOMIC, nw).is_ok());
    ///     assert!(KBox::<[u64], _>::new_uninit_slice_in(16, &budget, GFP_ATOMIC | __GFP_NOWARN, nw).is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn new_uninit_slice_in<C, F>(
        len: usize,
        backend: A,
        flags: F,
        cx: &mut C,
    ) -> Result<BoundedBox<[MaybeUninit<T>], B, A>, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        BoundedBox::allocate_slice::<RequestBound<F, B>>(backend, crate::context::token::served(cx, flags.gfp()), len)
    }

    /// As [`from_slice`](BoundedBox::from_slice), from `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// let budget = Budget::new(1024);
    /// let mac = KBox::from_slice_in(&[0x02u8, 0, 0, 0, 0, 1], &budget, GFP_KERNEL, cx).unwrap();
    /// assert_eq!((mac.len(), budget.live_bytes()), (6, 6));
    /// # }
    /// ```
    #[track_caller]
    pub fn from_slice_in<C, F>(src: &[T], backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        T: Copy,
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let uninit = BoundedBox::new_uninit_slice_in(src.len(), backend, flags, cx)?;
        Ok(uninit.init_copy_of_slice(src))
    }
}

impl<T, B: Bound, A: Backend> BoundedBox<[MaybeUninit<T>], B, A> {
    /// `len` slots of `T` from `backend` with the effective flags `gfp`
    /// (zero-filled if `gfp` has `__GFP_ZERO`), the size checked against
    /// the request's bound `R` ([`RequestBound`]).
    #[track_caller]
    fn allocate_slice<R: Bound>(backend: A, gfp: Gfp, len: usize) -> Result<Self, AllocError> {
        let bytes = array_size::<T, R>(len)?;
        let data = if bytes.get() == 0 {
            NonNull::dangling()
        } else {
            // A size within a bound is at most `isize::MAX`, so the layout
            // exists; map the impossible error rather than panic.
            let layout =
                Layout::array::<T>(len).map_err(|_| AllocError::out_of_memory(bytes.get(), align_of::<T>(), gfp))?;
            serve::allocate_from(&backend, layout, gfp, <B::Family as Family>::ID)?.cast::<MaybeUninit<T>>()
        };
        // INVARIANT: a block of `[T; len]`'s layout from `backend` (or
        // dangling when it is empty); uninitialised slots are valid
        // `MaybeUninit`s.
        Ok(BoundedBox {
            ptr: NonNull::slice_from_raw_parts(data, len),
            backend,
            _owns: PhantomData,
            _bound: PhantomData,
        })
    }

    /// The slice as initialised.
    ///
    /// # Safety
    ///
    /// Every element must be initialised (a valid `T`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, size::{KmallocMax, Size}};
    /// let mut buffer = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4).unwrap()).unwrap();
    /// for (slot, byte) in buffer.iter_mut().zip(*b"rust") {
    ///     slot.write(byte);
    /// }
    /// // SAFETY: the four bytes were written above.
    /// let buffer = unsafe { buffer.assume_init() };
    /// assert_eq!(&*buffer, b"rust");
    /// # }
    /// ```
    pub unsafe fn assume_init(self) -> BoundedBox<[T], B, A> {
        let (ptr, backend) = Self::into_parts(self);
        // INVARIANT: the caller guarantees every element is initialised;
        // `[T]` and `[MaybeUninit<T>]` of one length have the same layout.
        let ptr = NonNull::slice_from_raw_parts(ptr.cast::<T>(), ptr.len());
        BoundedBox { ptr, backend, _owns: PhantomData, _bound: PhantomData }
    }

    /// Initialises the slice with a copy of `src`, and returns the box as
    /// initialised.
    ///
    /// Named apart from the standard slice method `write_copy_of_slice`
    /// (which borrows and returns `&mut [T]`): through `DerefMut`, code
    /// written against the standard one calls it unchanged.
    ///
    /// # Panics
    ///
    /// If `src` does not have the slice's length.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, size::{KmallocMax, Size}};
    /// let buffer = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(3).unwrap()).unwrap();
    /// let buffer = buffer.init_copy_of_slice(b"abc");
    /// assert_eq!(&*buffer, b"abc");
    /// # }
    /// ```
    #[track_caller]
    pub fn init_copy_of_slice(mut self, src: &[T]) -> BoundedBox<[T], B, A>
    where
        T: Copy,
    {
        assert_eq!(self.len(), src.len(), "init_copy_of_slice: the lengths differ");
        self.init_copy_of_slice_inner(src);
        // SAFETY: every element was just copied from `src`.
        unsafe { self.assume_init() }
    }

    fn init_copy_of_slice_inner(&mut self, src: &[T])
    where
        T: Copy,
    {
        // SAFETY: `MaybeUninit<T>` has `T`'s layout, so `src` is valid for
        // reads of `len` slots, and the box (a distinct allocation, borrowed
        // mutably) for writes of as many; `T: Copy` needs no drop.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().cast::<T>(), src.len()) };
    }
}

impl<E: ByteElem, A: Backend> BoundedBox<[E], KmallocMax, A> {
    /// `len` bytes from `backend`; zeroed if `gfp` has `__GFP_ZERO`, which
    /// the caller guarantees whenever `E` is `u8`. `len` was checked against
    /// the request's bound by the caller.
    #[inline]
    #[track_caller]
    pub(crate) fn alloc_bytes(backend: A, gfp: Gfp, len: usize) -> Result<BoundedBox<[E], KmallocMax, A>, AllocError> {
        debug_assert!(size_of::<E>() == 1);
        let data = if len == 0 {
            NonNull::dangling()
        } else {
            // `len` passed a size bound (at most INT_MAX), so it is a valid
            // array layout; map the impossible error rather than panic.
            let layout = Layout::array::<u8>(len).map_err(|_| AllocError::out_of_memory(len, 1, gfp))?;
            serve::allocate(&backend, layout, gfp)?.cast::<E>()
        };
        // INVARIANT: `len` bytes from `backend` (initialised if `E` is `u8`,
        // by the caller's `__GFP_ZERO`), or dangling when empty.
        Ok(BoundedBox {
            ptr: NonNull::slice_from_raw_parts(data, len),
            backend,
            _owns: PhantomData,
            _bound: PhantomData,
        })
    }
}

impl<T: ?Sized, B: Bound, A: Backend> BoundedBox<T, B, A> {
    /// Takes the pointer and backend out without running `Drop`.
    fn into_parts(this: Self) -> (NonNull<T>, A) {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the backend is
        // moved out exactly once.
        let backend = unsafe { ptr::read(&raw const this.backend) };
        (this.ptr, backend)
    }

    /// The backend the value was allocated from.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let b = KBox::new_in(1u8, &budget, GFP_KERNEL, cx).unwrap();
    /// assert_eq!(b.backend().live_bytes(), 1);
    /// # }
    /// ```
    pub fn backend(&self) -> &A {
        &self.backend
    }

    /// Gives up ownership: the raw pointer to the value, which is neither
    /// dropped nor freed. [`from_raw`](BoundedBox::from_raw) (or
    /// [`from_raw_in`](Self::from_raw_in)) takes it back.
    ///
    /// The backend handle is forgotten, not dropped, so a backend that
    /// would free its memory when dropped keeps it; use
    /// [`into_raw_with_backend`](Self::into_raw_with_backend) to keep the
    /// handle.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KBox, flags::*};
    /// let x = KBox::new(24, GFP_KERNEL, cx)?;
    /// let ptr = KBox::into_raw(x);
    /// // SAFETY: `ptr` comes from a previous call to `KBox::into_raw`.
    /// let x = unsafe { KBox::from_raw(ptr) };
    /// assert_eq!(*x, 24);
    /// # Ok::<_, alloc_ctx::AllocError>(())
    /// # }
    /// ```
    #[inline]
    pub fn into_raw(this: Self) -> *mut T {
        let (ptr, backend) = Self::into_parts(this);
        core::mem::forget(backend);
        ptr.as_ptr()
    }

    /// Gives up ownership of the value and returns the raw pointer to it and
    /// the backend handle; [`from_raw_in`](Self::from_raw_in) takes them
    /// back.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// let b = KBox::new_in(7u32, &budget, GFP_KERNEL, cx).unwrap();
    /// let (raw, backend) = KBox::into_raw_with_backend(b);
    /// // SAFETY: the parts of a box of the same type, given back once.
    /// let b = unsafe { KBox::from_raw_in(raw, backend) };
    /// assert_eq!(*b, 7);
    /// drop(b);
    /// assert_eq!(budget.live_bytes(), 0);
    /// # }
    /// ```
    #[inline]
    pub fn into_raw_with_backend(this: Self) -> (*mut T, A) {
        let (ptr, backend) = Self::into_parts(this);
        (ptr.as_ptr(), backend)
    }

    /// Takes ownership of a value allocated by `backend`.
    ///
    /// # Safety
    ///
    /// * If `T`'s layout (`Layout::for_value(&*raw)`) has a non-zero size,
    ///   `raw` points to a block allocated by `backend` (through a request)
    ///   with exactly that layout, and holding a valid `T`; otherwise `raw`
    ///   is non-null and well aligned.
    /// * Nothing else owns or uses the value or the block afterwards: the
    ///   box drops the value and frees the block through `backend`.
    ///
    /// A pointer from [`into_raw_with_backend`](Self::into_raw_with_backend)
    /// of a box of the same types, with its backend, qualifies.
    ///
    /// See [`into_raw_with_backend`](Self::into_raw_with_backend) for an
    /// example.
    #[inline]
    pub unsafe fn from_raw_in(raw: *mut T, backend: A) -> Self {
        // INVARIANT: guaranteed by the caller.
        // SAFETY: the caller guarantees `raw` is non-null.
        BoundedBox { ptr: unsafe { NonNull::new_unchecked(raw) }, backend, _owns: PhantomData, _bound: PhantomData }
    }

    /// Leaks the box: a reference to the value that lives as long as the
    /// backend may (`'static` for [`System`]). The value is never dropped
    /// and its memory never freed; the backend handle is forgotten.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let table: &'static mut [u32; 4] = KBox::leak(KBox::new([1, 2, 3, 4], GFP_KERNEL, cx).unwrap());
    /// table[0] = 10;
    /// assert_eq!(table, &[10, 2, 3, 4]);
    /// # }
    /// ```
    #[inline]
    pub fn leak<'a>(this: Self) -> &'a mut T
    where
        A: 'a,
    {
        // SAFETY: `into_raw` returns a valid, aligned pointer to an owned,
        // initialised `T` that nothing will free or drop: the backend
        // handle was forgotten and `A: 'a` keeps anything it borrows alive
        // for `'a`.
        unsafe { &mut *Self::into_raw(this) }
    }

    /// Pins the value where it is: it will not move again until it is
    /// dropped. No allocation or copy.
    ///
    /// The backend must be `'static` (see [`pin_in`](BoundedBox::pin_in)).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*};
    /// let boxed = KBox::new(5u8, GFP_KERNEL, cx).unwrap();
    /// let pinned = KBox::into_pin(boxed);
    /// assert_eq!(*pinned, 5);
    /// # }
    /// ```
    #[inline]
    pub fn into_pin(this: Self) -> Pin<Self>
    where
        A: 'static,
    {
        this.into()
    }
}

impl<T: ?Sized, B: Bound, A: Backend> BoundedBox<T, B, A> {
    /// [`kbox_dyn!`](crate::kbox_dyn)'s first half: the parts, with the
    /// bound as a value so the rebuilt box keeps it.
    #[doc(hidden)]
    pub fn __into_unsize_parts(this: Self) -> (*mut T, A, BoundMarker<B>) {
        let (ptr, backend) = Self::into_raw_with_backend(this);
        (ptr, backend, PhantomData)
    }

    /// [`kbox_dyn!`](crate::kbox_dyn)'s second half.
    ///
    /// # Safety
    ///
    /// As [`from_raw_in`](Self::from_raw_in).
    #[doc(hidden)]
    pub unsafe fn __from_unsize_parts(raw: *mut T, backend: A, _bound: BoundMarker<B>) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_raw_in(raw, backend) }
    }
}

#[cfg(feature = "alloc")]
impl<T: ?Sized, B: Bound> BoundedBox<T, B, System> {
    /// Takes ownership of a value allocated from the [`System`] backend
    /// (see [`from_raw_in`](Self::from_raw_in)).
    ///
    /// # Safety
    ///
    /// As [`from_raw_in`](Self::from_raw_in) with the [`System`] backend:
    /// a pointer from [`into_raw`](Self::into_raw) of a box of the same
    /// type qualifies.
    ///
    /// See [`into_raw`](Self::into_raw) for an example.
    #[inline]
    pub unsafe fn from_raw(raw: *mut T) -> Self {
        // SAFETY: forwarded from the caller.
        unsafe { Self::from_raw_in(raw, System) }
    }
}

impl<T: ?Sized, B: Bound, A: Backend + 'static> From<BoundedBox<T, B, A>> for Pin<BoundedBox<T, B, A>> {
    /// Pins the value where it is (see [`BoundedBox::into_pin`]).
    fn from(boxed: BoundedBox<T, B, A>) -> Self {
        // SAFETY: the box owns its value and never moves it; the value is
        // dropped before its memory is freed (by the box's `Drop`), and the
        // backend is `'static`, so leaking the box cannot end the memory's
        // life while the value is pinned and undropped.
        unsafe { Pin::new_unchecked(boxed) }
    }
}

/// Converts a box into a box of an unsized type on stable Rust: `KBox<T>`
/// into `KBox<dyn Trait>`, `KBox<[T; N]>` into `KBox<[T]>` (any bound and
/// backend).
///
/// `kbox_dyn!(boxed as Type)` is what `boxed as KBox<Type>` is on nightly
/// (custom smart pointers cannot coerce on stable).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{KBox, flags::*, kbox_dyn};
///
/// trait Device { fn name(&self) -> &'static str; }
/// struct Nic;
/// impl Device for Nic { fn name(&self) -> &'static str { "nic" } }
///
/// let dev: KBox<dyn Device> = kbox_dyn!(KBox::new(Nic, GFP_KERNEL, cx)? as dyn Device);
/// assert_eq!(dev.name(), "nic");
/// let ring = kbox_dyn!(KBox::new([1u8, 2, 3], GFP_KERNEL, cx)? as [u8]);
/// assert_eq!(ring.len(), 3);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
///
/// # Why it is sound
///
/// The macro takes the raw pointer out of the box, and converts it with an
/// *implicit coercion* to `*mut Type` (a `let` with a type annotation, no
/// `as`). Between raw pointers, the only coercions Rust performs are the
/// identity and *unsizing* (`T: Unsize<Type>`), which keep the address and
/// take the metadata (vtable, length) from `T` itself, so the new pointer
/// describes the same value with the same layout. The box is rebuilt from
/// it with the same backend: its invariant (the block was allocated with
/// `Layout::for_value` of the value) holds because unsizing does not
/// change size or alignment, and dropping through the vtable runs `T`'s
/// destructor. Nothing the caller writes runs inside the macro's `unsafe`
/// block: the expression is evaluated before it and the type only names
/// the coercion's target. A conversion that is not an unsizing does not
/// compile:
///
/// ```compile_fail,E0308
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, MaySleep, flags::*, kbox_dyn};
/// // error: expected `*mut [u8; 8]`, found `*mut u64`: not an unsizing
/// let bytes = kbox_dyn!(KBox::new(7u64, GFP_KERNEL, cx).unwrap() as [u8; 8]);
/// # }
/// ```
#[macro_export]
macro_rules! kbox_dyn {
    (@munch [$($boxed:tt)*] as $target:ty) => {{
        let (raw, backend, bound) = $crate::BoundedBox::__into_unsize_parts($($boxed)*);
        // An implicit coercion: only the identity or an unsizing.
        let raw: *mut $target = raw;
        // SAFETY: `raw` is the box's own pointer, unsized by a coercion
        // (same address, layout and owner), `backend` its backend and
        // `bound` its bound.
        unsafe { $crate::BoundedBox::__from_unsize_parts(raw, backend, bound) }
    }};
    (@munch [$($boxed:tt)*]) => {
        ::core::compile_error!("kbox_dyn!: expected `boxed as Type`, e.g. `kbox_dyn!(boxed as dyn Trait)`")
    };
    (@munch [$($boxed:tt)*] $next:tt $($rest:tt)*) => {
        $crate::kbox_dyn!(@munch [$($boxed)* $next] $($rest)*)
    };
    ($($tokens:tt)+) => {
        $crate::kbox_dyn!(@munch [] $($tokens)+)
    };
}

/// The bound of a box as a value, for [`kbox_dyn!`](crate::kbox_dyn).
#[doc(hidden)]
pub(crate) type BoundMarker<B> = PhantomData<fn() -> B>;

/// A dangling, non-null pointer aligned for `layout`: the address of a
/// zero-sized block that is never allocated (`Layout::dangling` is not
/// stable). No provenance: nothing is ever read or written through it.
pub(crate) fn dangling_for(layout: Layout) -> NonNull<u8> {
    match core::num::NonZeroUsize::new(layout.align()) {
        Some(align) => NonNull::without_provenance(align),
        None => NonNull::dangling(),
    }
}

/// Frees a block unless it is zero-sized (never allocated).
///
/// # Safety
///
/// A non-zero-sized `layout` must be the one `ptr` was allocated with by
/// `backend`, and `ptr` must not be used afterwards.
#[inline]
#[cfg_attr(not(feature = "std"), allow(dead_code))] // the std extras free their blocks with it
pub(crate) unsafe fn free_block<A: Backend + ?Sized>(backend: &A, ptr: NonNull<u8>, layout: Layout) {
    if layout.size() != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { backend.free(ptr, layout) }
    }
}

/// As [`free_block`], for a block of allocator `family`: the backend is
/// told the family and whether the thread must not sleep ([`Free`]: a
/// `vfree` there is deferred).
///
/// # Safety
///
/// As [`free_block`].
#[inline]
pub(crate) unsafe fn free_block_from<A: Backend + ?Sized>(
    backend: &A,
    ptr: NonNull<u8>,
    layout: Layout,
    family: FamilyId,
) {
    if layout.size() != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { backend.free_with(ptr, layout, Free::now(family)) }
    }
}

impl<T: ?Sized, B: Bound, A: Backend> Drop for BoundedBox<T, B, A> {
    fn drop(&mut self) {
        /// Frees the block when dropped: after the value, and also while
        /// unwinding from the value's panicking `Drop`, as `Box` does.
        struct FreeBlock<'b, T: ?Sized, B: Bound, A: Backend> {
            kbox: &'b BoundedBox<T, B, A>,
            layout: Layout,
        }

        impl<T: ?Sized, B: Bound, A: Backend> Drop for FreeBlock<'_, T, B, A> {
            fn drop(&mut self) {
                // SAFETY: the block was allocated by the box's backend with
                // the layout of its value (zero-sized values never were) and
                // is not used again.
                unsafe {
                    free_block_from(&self.kbox.backend, self.kbox.ptr.cast(), self.layout, <B::Family as Family>::ID);
                };
            }
        }

        // SAFETY: the box owns a live, initialised `T`.
        let layout = Layout::for_value(unsafe { self.ptr.as_ref() });
        let block = FreeBlock { kbox: self, layout };
        // SAFETY: the value is dropped once, here, and never used again.
        unsafe { ptr::drop_in_place(block.kbox.ptr.as_ptr()) };
    }
}

impl<T: ?Sized, B: Bound, A: Backend> Deref for BoundedBox<T, B, A> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns a live, initialised `T`; the borrow is tied
        // to `&self`.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: ?Sized, B: Bound, A: Backend> DerefMut for BoundedBox<T, B, A> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`, and `&mut self` makes the borrow unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T: ?Sized, B: Bound, A: Backend> AsRef<T> for BoundedBox<T, B, A> {
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T: ?Sized, B: Bound, A: Backend> AsMut<T> for BoundedBox<T, B, A> {
    fn as_mut(&mut self) -> &mut T {
        self
    }
}

/// A box can stand where a borrowed `T` is expected.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use core::borrow::Borrow;
/// use alloc_ctx::{KBox, flags::*};
/// struct Foo<B: Borrow<u32>>(B);
///
/// // Owned instance.
/// let owned = Foo(1);
/// // Owned instance using `KBox`.
/// let owned_kbox = Foo(KBox::new(1, GFP_KERNEL, cx)?);
/// let i = 1;
/// // Borrowed from `i`.
/// let borrowed = Foo(&i);
/// # let _ = (owned, owned_kbox, borrowed);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
impl<T: ?Sized, B: Bound, A: Backend> Borrow<T> for BoundedBox<T, B, A> {
    fn borrow(&self) -> &T {
        self
    }
}

/// A box can stand where a mutably borrowed `T` is expected.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use core::borrow::BorrowMut;
/// use alloc_ctx::{KBox, flags::*};
/// struct Foo<B: BorrowMut<u32>>(B);
///
/// // Owned instance.
/// let owned = Foo(1);
/// // Owned instance using `KBox`.
/// let owned_kbox = Foo(KBox::new(1, GFP_KERNEL, cx)?);
/// let mut i = 1;
/// // Borrowed from `i`.
/// let borrowed = Foo(&mut i);
/// # let _ = (owned, owned_kbox, borrowed);
/// # Ok::<_, alloc_ctx::AllocError>(())
/// # }
/// ```
impl<T: ?Sized, B: Bound, A: Backend> BorrowMut<T> for BoundedBox<T, B, A> {
    fn borrow_mut(&mut self) -> &mut T {
        self
    }
}

impl<T: ?Sized + fmt::Debug, B: Bound, A: Backend> fmt::Debug for BoundedBox<T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display, B: Bound, A: Backend> fmt::Display for BoundedBox<T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, B: Bound, A: Backend> fmt::Pointer for BoundedBox<T, B, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.ptr, f)
    }
}

impl<T: ?Sized + PartialEq, B: Bound, A: Backend> PartialEq for BoundedBox<T, B, A> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq, B: Bound, A: Backend> Eq for BoundedBox<T, B, A> {}

impl<T: ?Sized + PartialOrd, B: Bound, A: Backend> PartialOrd for BoundedBox<T, B, A> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: ?Sized + Ord, B: Bound, A: Backend> Ord for BoundedBox<T, B, A> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: ?Sized + Hash, B: Bound, A: Backend> Hash for BoundedBox<T, B, A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}
