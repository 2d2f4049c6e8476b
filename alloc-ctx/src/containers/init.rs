//! In-place initialisation with Rust-for-Linux's pin-init library
//! (`pinned-init` on crates.io, re-exported as [`crate::init`]):
//! `KBox::pin_init`, `KBox::init`, `Arc::pin_init`, and the
//! `InPlaceWrite` methods of uninitialised boxes and `UniqueArc`s.
//!
//! The allocation is a request like any other (flags and a token, checked
//! by the same rules); the initialiser then writes the value straight into
//! the new block, so a large or self-referential (`!Unpin`) value is never
//! built on the stack and moved. If the initialiser fails, the block is
//! freed and its error returned; nothing is left half-built.

use core::mem::MaybeUninit;
use core::pin::Pin;

use pinned_init::{InPlaceWrite, Init, PinInit};

use crate::containers::arc::UniqueArc;
use crate::containers::kbox::BoundedBox;
use crate::containers::kvec::BoundedVec;
use crate::context::token::Token;
use crate::request::backend::Backend;
use crate::vocab::error::Error;
// The constructors that allocate from `System`.
use crate::vocab::family::Serves;
use crate::vocab::flags::GfpFlags;
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::Bound;
#[cfg(feature = "alloc")]
use crate::{
    containers::arc::Arc, containers::kbox::AssertBoxFits, context::token::served, request::backend::System,
    vocab::error::AllocError,
};

impl<T, B: Bound, A: Backend + 'static> InPlaceWrite<T> for BoundedBox<MaybeUninit<T>, B, A> {
    type Initialized = BoundedBox<T, B, A>;

    /// Initialises the value in place with `init` (Rust-for-Linux's
    /// `InPlaceWrite::write_init`); on error the block is freed.
    fn write_init<E>(mut self, init: impl Init<T, E>) -> Result<Self::Initialized, E> {
        let slot = (*self).as_mut_ptr();
        // SAFETY: `slot` is the box's block, valid for writes of one `T`
        // and uninitialised; on error nothing reads it (the box of
        // `MaybeUninit<T>` is dropped, which only frees the block).
        unsafe { init.__init(slot)? };
        // SAFETY: `init` returned `Ok`: the value is initialised.
        Ok(unsafe { self.assume_init() })
    }

    /// Initialises the value in place with `init` and pins it there
    /// (Rust-for-Linux's `InPlaceWrite::write_pin_init`); on error the block
    /// is freed.
    fn write_pin_init<E>(mut self, init: impl PinInit<T, E>) -> Result<Pin<Self::Initialized>, E> {
        let slot = (*self).as_mut_ptr();
        // SAFETY: as in `write_init`; and the value is pinned from here on:
        // it is returned only inside a `Pin` of a box whose backend is
        // `'static` (so the block cannot be freed while a leaked box still
        // holds the value), and a box never moves its value.
        unsafe { init.__pinned_init(slot)? };
        // SAFETY: `init` returned `Ok`: the value is initialised.
        Ok(Pin::from(unsafe { self.assume_init() }))
    }
}

impl<T, A: Backend + 'static> InPlaceWrite<T> for UniqueArc<MaybeUninit<T>, A> {
    type Initialized = UniqueArc<T, A>;

    /// Initialises the value in place with `init`; on error the block is
    /// freed.
    fn write_init<E>(mut self, init: impl Init<T, E>) -> Result<Self::Initialized, E> {
        let slot = (*self).as_mut_ptr();
        // SAFETY: the only handle's block, valid for writes of one `T`,
        // uninitialised; on error it is only freed (dropping a
        // `MaybeUninit<T>` does nothing).
        unsafe { init.__init(slot)? };
        // SAFETY: `init` returned `Ok`: the value is initialised.
        Ok(unsafe { self.assume_init() })
    }

    /// Initialises the value in place with `init` and pins it there; on
    /// error the block is freed.
    fn write_pin_init<E>(mut self, init: impl PinInit<T, E>) -> Result<Pin<Self::Initialized>, E> {
        let slot = (*self).as_mut_ptr();
        // SAFETY: as in `write_init`; the value never moves out of the
        // reference-counted block while it is pinned (see
        // `UniqueArc::into_pin`).
        unsafe { init.__pinned_init(slot)? };
        // SAFETY: `init` returned `Ok`: the value is initialised.
        Ok(unsafe { self.assume_init() }.into_pin())
    }
}

#[cfg(feature = "alloc")]
impl<T, B: Bound> BoundedBox<T, B, System> {
    /// Allocates a box and pin-initialises its value in place
    /// (Rust-for-Linux's `KBox::try_pin_init`, with the token): the value
    /// is built where it stays, never on the stack. The error is the
    /// initialiser's, which must accept an allocation failure
    /// (`E: From<AllocError>`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{AllocError, KBox, flags::*, init::{pin_data, try_pin_init}};
    ///
    /// #[pin_data]
    /// struct Ring { head: usize, slots: [u64; 512] }
    ///
    /// let ring = KBox::try_pin_init(
    ///     try_pin_init!(Ring { head: 0, slots: [0; 512] }? AllocError),
    ///     GFP_KERNEL,
    ///     cx,
    /// )
    /// .unwrap();
    /// assert_eq!(ring.head, 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_pin_init<E, C, F>(init: impl PinInit<T, E>, flags: F, cx: &mut C) -> Result<Pin<Self>, E>
    where
        E: From<AllocError>,
        C: Token + Permits<F>,
        F: GfpFlags,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        Self::allocate_uninit(System, served(cx, flags.gfp()))?.write_pin_init(init)
    }

    /// Allocates a box and pin-initialises its value in place
    /// (Rust-for-Linux's `KBox::pin_init`, with the token); errors come
    /// back as an errno ([`Error`]): `ENOMEM` when the allocation fails,
    /// the initialiser's own otherwise.
    ///
    /// The example is Rust-for-Linux's own (`kernel::sync::CondVar`'s),
    /// with the token:
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use core::pin::Pin;
    /// use alloc_ctx::prelude::*;
    /// use alloc_ctx::init::{pin_data, pin_init};
    /// use alloc_ctx::sync::{CondVar, Mutex};
    ///
    /// #[pin_data]
    /// pub struct Example {
    ///     #[pin]
    ///     value: Mutex<u32>,
    ///     #[pin]
    ///     value_changed: CondVar,
    /// }
    ///
    /// #[may_sleep]
    /// fn new_example() -> Result<Pin<KBox<Example>>> {
    ///     KBox::pin_init(pin_init!(Example {
    ///         value <- new_mutex!(0),
    ///         value_changed <- new_condvar!(),
    ///     }), GFP_KERNEL, cx)
    /// }
    ///
    /// let e = new_example(cx).unwrap();
    /// assert_eq!(*e.value.lock(cx), 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin_init<E, C, F>(init: impl PinInit<T, E>, flags: F, cx: &mut C) -> Result<Pin<Self>, Error>
    where
        Error: From<E>,
        C: Token + Permits<F>,
        F: GfpFlags,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        let uninit = Self::allocate_uninit(System, served(cx, flags.gfp()))?;
        uninit.write_pin_init(init).map_err(Error::from)
    }

    /// Allocates a box and initialises its value in place with an
    /// (unpinned) initialiser (Rust-for-Linux's `KBox::try_init`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{AllocError, KBox, flags::*, init::try_init};
    /// struct Header { magic: u32, len: u16 }
    /// let h = KBox::try_init(try_init!(Header { magic: 0x55aa, len: 0 }? AllocError), GFP_KERNEL, cx).unwrap();
    /// assert_eq!((h.magic, h.len), (0x55aa, 0));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_init<E, C, F>(init: impl Init<T, E>, flags: F, cx: &mut C) -> Result<Self, E>
    where
        E: From<AllocError>,
        C: Token + Permits<F>,
        F: GfpFlags,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        Self::allocate_uninit(System, served(cx, flags.gfp()))?.write_init(init)
    }

    /// Allocates a box and initialises its value in place
    /// (Rust-for-Linux's `KBox::init`); errors as an errno, as
    /// [`pin_init`](Self::pin_init).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*, init::init_zeroed};
    /// // 1 MiB, built in place: never on the stack.
    /// let table = KBox::<[u64; 1 << 17]>::init(init_zeroed(), GFP_KERNEL, cx).unwrap();
    /// assert!(table.iter().all(|&x| x == 0));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn init<E, C, F>(init: impl Init<T, E>, flags: F, cx: &mut C) -> Result<Self, Error>
    where
        Error: From<E>,
        C: Token + Permits<F>,
        F: GfpFlags,
        B::Family: Serves<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<T, F, B>::OK;
        let uninit = Self::allocate_uninit(System, served(cx, flags.gfp()))?;
        uninit.write_init(init).map_err(Error::from)
    }
}

#[cfg(feature = "alloc")]
impl<T, B: Bound> BoundedBox<[T], B, System> {
    /// A pinned slice of `len` elements, element `i` pin-initialised in
    /// place by `init(i)` (Rust-for-Linux's `Box::pin_slice`, with the
    /// token). If an initialiser fails, the elements already built are
    /// dropped where they are, the block is freed, and its error returned.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{AllocError, KBox, flags::*, sync::SpinLock};
    /// // A value is an initialiser too (`Result<T, E>`).
    /// let queues = KBox::<[SpinLock<usize>]>::pin_slice(|i| Ok::<_, AllocError>(SpinLock::new(i * 10)), 4, GFP_KERNEL, cx)
    ///     .unwrap();
    /// assert_eq!(*queues[3].lock(cx), 30);
    /// # }
    /// ```
    #[track_caller]
    pub fn pin_slice<Func, Item, E, C, F>(mut init: Func, len: usize, flags: F, cx: &mut C) -> Result<Pin<Self>, E>
    where
        Func: FnMut(usize) -> Item,
        Item: PinInit<T, E>,
        E: From<AllocError>,
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
        B::Family: Serves<F>,
    {
        /// Drops the first `done` elements when dropped: on an error or an
        /// unwind before the slice is complete.
        struct Built<T> {
            base: *mut T,
            done: usize,
        }
        impl<T> Drop for Built<T> {
            fn drop(&mut self) {
                // SAFETY: the first `done` elements were initialised and
                // are dropped once, in place (they are pinned).
                unsafe { core::ptr::slice_from_raw_parts_mut(self.base, self.done).drop_in_place() };
            }
        }
        let mut buffer = Self::new_uninit_slice(len, flags, cx)?;
        let base = buffer.as_mut_ptr().cast::<T>();
        // Declared after `buffer`, so dropped before it: the elements go
        // before their memory.
        let mut built = Built { base, done: 0 };
        for i in 0..len {
            // SAFETY: `i < len`: the slot is in the buffer, uninitialised,
            // and stays where it is (the box is pinned when returned; on an
            // error the slot is not touched again, only freed).
            unsafe { init(i).__pinned_init(base.add(i))? };
            built.done += 1;
        }
        core::mem::forget(built);
        // SAFETY: all `len` elements were initialised above.
        Ok(Pin::from(unsafe { buffer.assume_init() }))
    }
}

impl<T, B: Bound, A: Backend> BoundedVec<T, B, A> {
    /// Appends an element initialised in place by `init`, growing the
    /// vector first if it is full (`reserve(1, flags, cx)`): a large
    /// element is built where it stays, never on the stack. If the growth
    /// or `init` fails, the vector is as it was (a grown buffer keeps its
    /// new capacity) and the error is returned as an errno, as by
    /// [`KBox::init`](BoundedBox::init).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*, init::init_zeroed};
    /// let mut frames = KVec::<[u8; 2048]>::new();
    /// frames.push_init(init_zeroed(), GFP_KERNEL, cx).unwrap();
    /// assert_eq!((frames.len(), frames[0][2047]), (1, 0));
    /// # }
    /// ```
    #[track_caller]
    pub fn push_init<E, C, F>(&mut self, init: impl Init<T, E>, flags: F, cx: &mut C) -> Result<(), Error>
    where
        Error: From<E>,
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
        B::Family: Serves<F>,
    {
        self.reserve(1, flags, cx)?;
        let len = self.len();
        // SAFETY: `reserve` made room for one more element, so the slot
        // just past the length is in the buffer (or `T` is zero-sized).
        let slot = unsafe { self.as_mut_ptr().add(len) };
        // SAFETY: the slot is valid for writes of one `T` and holds no
        // element; on error nothing reads it (the length is unchanged).
        unsafe { init.__init(slot).map_err(Error::from)? };
        // SAFETY: the element at `len` is initialised, within capacity.
        unsafe { self.set_len(len + 1) };
        Ok(())
    }
}

#[cfg(feature = "alloc")]
impl<T> Arc<T, System> {
    /// Allocates a reference-counted block and pin-initialises its value in
    /// place (Rust-for-Linux's `Arc::try_pin_init`, with the token).
    ///
    /// The result is a `Pin<Arc<T>>`: this crate's `Arc` offers
    /// [`try_unwrap`](Arc::try_unwrap) and [`get_mut`](Arc::get_mut), which
    /// `Pin` keeps out of reach for a value that must not move.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{AllocError, arc::Arc, flags::*, init::{pin_data, try_pin_init}};
    /// #[pin_data]
    /// struct Stats { rx: u64 }
    /// let s = Arc::try_pin_init(try_pin_init!(Stats { rx: 1 }? AllocError), GFP_KERNEL, cx).unwrap();
    /// assert_eq!(s.rx, 1);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_pin_init<E, C, F>(init: impl PinInit<T, E>, flags: F, cx: &mut C) -> Result<Pin<Self>, E>
    where
        E: From<AllocError>,
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<crate::containers::arc::ArcInner<T, System>, F>::OK;
        let unique = UniqueArc::allocate_uninit(System, served(cx, flags.gfp()))?;
        Ok(Pin::from(unique.write_pin_init(init)?))
    }

    /// Allocates a reference-counted block and pin-initialises its value in
    /// place (Rust-for-Linux's `Arc::pin_init`, with the token); errors as
    /// an errno. As [`try_pin_init`](Self::try_pin_init), the result is a
    /// `Pin<Arc<T>>`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{arc::Arc, flags::*, init::{pin_data, pin_init}};
    /// use alloc_ctx::{new_spinlock, sync::SpinLock};
    ///
    /// #[pin_data]
    /// struct Node { #[pin] refs: SpinLock<u32>, id: u16 }
    ///
    /// let node = Arc::pin_init(pin_init!(Node { refs <- new_spinlock!(1), id: 7 }), GFP_KERNEL, cx).unwrap();
    /// let shared = node.clone();
    /// *shared.refs.lock(cx) += 1;
    /// assert_eq!((*node.refs.lock(cx), node.id), (2, 7));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin_init<E, C, F>(init: impl PinInit<T, E>, flags: F, cx: &mut C) -> Result<Pin<Self>, Error>
    where
        Error: From<E>,
        C: Token + Permits<F>,
        F: GfpFlags,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertBoxFits::<crate::containers::arc::ArcInner<T, System>, F>::OK;
        let unique = UniqueArc::allocate_uninit(System, served(cx, flags.gfp()))?;
        Ok(Pin::from(unique.write_pin_init(init).map_err(Error::from)?))
    }
}

/// A [`SpinLock`](crate::sync::SpinLock) initialiser, for `pin_init!`
/// (Rust-for-Linux's `new_spinlock!`): `new_spinlock!(value)` or
/// `new_spinlock!(value, "name")`. The name is accepted for source
/// compatibility and unused (this crate's lock checks name the locking
/// call's place instead). The lock need not be pinned (it is never
/// referred to by address), so the initialiser is an [`Init`], which also
/// serves a `#[pin]` field.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, init::{pin_data, pin_init}, new_spinlock, sync::SpinLock};
/// #[pin_data]
/// struct Stats { #[pin] rx: SpinLock<u64>, tx: SpinLock<u64> }
/// let s = KBox::pin_init(pin_init!(Stats { rx <- new_spinlock!(0), tx <- new_spinlock!(5, "Stats::tx") }), GFP_KERNEL, cx)
///     .unwrap();
/// let rx = *s.rx.lock(cx);
/// assert_eq!(rx + *s.tx.lock(cx), 5);
/// # }
/// ```
#[macro_export]
macro_rules! new_spinlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        ::core::result::Result::<_, ::core::convert::Infallible>::Ok($crate::sync::SpinLock::new($inner))
    };
}

/// A [`SpinLockIrq`](crate::sync::SpinLockIrq) initialiser
/// (Rust-for-Linux's `new_spinlock_irq!`); see [`new_spinlock!`].
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, init::{pin_data, pin_init}, new_spinlock_irq, sync::SpinLockIrq};
/// #[pin_data]
/// struct Rx { #[pin] head: SpinLockIrq<usize> }
/// let rx = KBox::pin_init(pin_init!(Rx { head <- new_spinlock_irq!(3) }), GFP_KERNEL, cx).unwrap();
/// assert_eq!(*rx.head.lock_irqsave(cx), 3);
/// # }
/// ```
#[macro_export]
macro_rules! new_spinlock_irq {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        ::core::result::Result::<_, ::core::convert::Infallible>::Ok($crate::sync::SpinLockIrq::new($inner))
    };
}

/// A [`Mutex`](crate::sync::Mutex) initialiser (Rust-for-Linux's
/// `new_mutex!`); see [`new_spinlock!`].
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, init::{pin_data, pin_init}, new_mutex, sync::Mutex};
/// #[pin_data]
/// struct Config { #[pin] mtu: Mutex<u32> }
/// let c = KBox::pin_init(pin_init!(Config { mtu <- new_mutex!(1500, "Config::mtu") }), GFP_KERNEL, cx).unwrap();
/// assert_eq!(*c.mtu.lock(cx), 1500);
/// # }
/// ```
#[cfg(feature = "std")]
#[macro_export]
macro_rules! new_mutex {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        ::core::result::Result::<_, ::core::convert::Infallible>::Ok($crate::sync::Mutex::new($inner))
    };
}
