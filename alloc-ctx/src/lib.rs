//! # alloc-ctx
//!
//! The Linux kernel's memory-allocation rules, checked by the Rust compiler.
//!
//! Driver code allocates in two kinds of context: where it may sleep, and
//! where it must not (spinlock held, interrupt handler). In C the GFP flags
//! of a request say what it may do, and nothing checks that they fit the
//! context. Here, functions are marked [`macro@may_sleep`] or
//! [`macro@nowait`]; each mark becomes a zero-sized capability token
//! ([`MaySleep`], [`NoWait`]) that the function receives, and every request
//! goes through a token:
//!
//! * a sleeping request (`GFP_KERNEL`, …) or a `__GFP_NOFAIL` request made
//!   through a `NoWait` token does not compile, with a message that names
//!   the flag and the fix ([`rules`]);
//! * sizes reach the allocator only as checked [`Size`] values (overflow
//!   and the allocator's maximum), and NOFAIL requests only with sizes
//!   proven at most 8 KiB ([`size`]);
//! * NOFS/NOIO scopes mask flags like the kernel's `current_gfp_context()`;
//! * the tokens are zero-sized and the flags are types: the rules cost
//!   nothing at run time; what a request adds to the allocator is a
//!   `might_sleep()` check on sleeping requests (one thread-local read, in
//!   release builds too), measured in `BENCHMARKS.md`.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{KVec, MaySleep, NoWait, flags::*, size::{array_size, KmallocMax}};
//!
//! struct Ring { slots: KVec<u64> }
//!
//! #[alloc_ctx::may_sleep]
//! fn probe(entries: usize) -> Result<Ring, alloc_ctx::AllocError> {
//!     let mut slots = KVec::with_capacity(entries, GFP_KERNEL, cx)?; // may sleep
//!     slots.resize(entries, 0, GFP_KERNEL, cx)?;
//!     Ok(Ring { slots })
//! }
//!
//! #[alloc_ctx::nowait]
//! fn rx_interrupt(ring: &mut Ring, frame: u64) {
//!     // GFP_KERNEL here would be a compile error; GFP_ATOMIC may fail:
//!     if ring.slots.push(frame, GFP_ATOMIC, cx).is_err() {
//!         // drop the frame, count it
//!     }
//! }
//!
//! let mut ring = probe(cx, 64).expect("probe");
//! cx.nowait_scope(|nw| rx_interrupt(nw, &mut ring, 0xfeed));
//! assert_eq!(ring.slots.len(), 65);
//! # }
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Linked only with the `alloc` feature (on with `std`): a program that links
// `alloc` must have a `#[global_allocator]`, and firmware or a kernel gives
// its heap only as a `Backend`. Unit tests use it for formatting.
#[cfg(any(feature = "alloc", test))]
extern crate alloc;
// The macros name this crate `::alloc_ctx`, also when they expand inside it.
#[allow(unused_extern_crates)]
extern crate self as alloc_ctx;
#[cfg(feature = "std")]
extern crate std;

// The code is in five layers, one folder each; a module imports only from
// its own layer and the layers below (checked by `tests/layers.rs`):
//
//   vocab/       type-level booleans, GFP flags and their rules, sizes, errors
//   context/     per-thread state, tokens, local interrupt control
//   request/     backends, the request path, shrinkers, failure reports
//   containers/  boxes, vectors, Arc, fallible clone, locks
//   extras/      (std) workqueue, mempool, failure sweeps, checking allocator
//
// The layers are private; what follows is the whole public surface. Every
// item has one path: the crate root holds the tokens, the containers and
// the allocation error; modules hold the rest, shaped like Rust-for-Linux's
// `kernel::alloc` (`flags`) and `kernel::sync` (`sync`).
mod containers;
mod context;
mod extras;
mod request;
mod vocab;

pub use containers::clone::TryClone;
pub use containers::kbox::{BoundedBox, Buffer, FlexArray, KBox, KVBox, VBox, Zeroable};
pub use containers::kvec::{
    BoundedVec, CapacityError, Drain, InsertError, IntoIter, KVVec, KVec, PushError, RemoveError, VVec,
};
pub use context::state::{atomic_depth, current_gfp_context, in_atomic, might_sleep};
pub use context::token::{MaySleep, NoWait, SleepToken, Token};
pub use vocab::error::{AllocError, AllocErrorKind};
// The checked size and its error also at the root, where diagnostics name
// them (`alloc_ctx::Size<KmallocMax>`); the rest of the size vocabulary is
// in `size`.
pub use vocab::size::{Size, SizeError};

pub use containers::{arc, sync};
pub use context::{irq, percpu};
pub use request::{backend, reclaim, report};

#[cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))))]
pub use extras::checking;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use extras::{mempool, sweep, thread, workqueue};

/// In-place initialisation: Rust-for-Linux's pin-init library
/// (`pinned-init` on crates.io), re-exported.
///
/// The containers' initialising constructors take its initialisers:
/// [`KBox::pin_init`], [`KBox::init`], [`arc::Arc::pin_init`] (and their
/// `try_` forms), with flags and a token as every request; the locks'
/// initialisers are [`new_spinlock!`], [`new_mutex!`] and
/// [`new_condvar!`] (at the crate root and in the prelude). `#[pin_data]` and `#[pinned_drop]` expand to
/// paths of the `pinned_init` crate itself: a crate using them depends on
/// `pinned-init` too (the version this crate uses).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, init::{pin_data, pin_init}};
/// use alloc_ctx::{new_spinlock, sync::SpinLock};
///
/// #[pin_data]
/// struct Queue { #[pin] pending: SpinLock<u32>, id: u8 }
///
/// let q = KBox::pin_init(pin_init!(Queue { pending <- new_spinlock!(0, "Queue::pending"), id: 1 }), GFP_KERNEL, cx)
///     .unwrap();
/// *q.pending.lock(cx) += 1;
/// assert_eq!(*q.pending.lock(cx), 1);
/// # }
/// ```
#[cfg(feature = "pin-init")]
#[cfg_attr(docsrs, doc(cfg(feature = "pin-init")))]
pub mod init {
    #[doc(inline)]
    pub use pinned_init::*;
}

/// Pages: the pages behind a vmalloc-backed buffer (Rust-for-Linux's
/// `kernel::page::AsPageIter`, on [`VBox`] and [`VVec`]) and the page size.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{VBox, flags::*, page::{AsPageIter, PAGE_SIZE}};
/// let mut ring = VBox::<[u32; 4 * PAGE_SIZE / 4]>::zeroed(GFP_KERNEL, cx).unwrap();
/// assert_eq!(ring.page_iter().page_count(), 4);
/// # }
/// ```
pub mod page {
    pub use crate::containers::pages::{AsPageIter, BorrowedPage, VmallocPageIter};
    pub use crate::vocab::size::PAGE_SIZE;
}

/// Strings for C: [`str::CString`] (Rust-for-Linux's `kernel::str`).
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub mod str {
    pub use crate::containers::cstring::CString;
}

pub mod flags {
    //! Typed GFP flags.
    //!
    //! Every kernel constant is a zero-sized value *of its own type*, named
    //! exactly like the kernel's (`GFP_KERNEL` is both a type and its only
    //! value), and `|` of two flags builds an [`Or`] type. The compiler therefore
    //! knows which bits a request carries and can check the rules of
    //! [`crate::rules`] before the program runs; at run time every flags value is
    //! zero-sized and its bits are a constant ([`GfpFlags::BITS`]).
    //!
    //! Bit values are those of Linux v6.12 `include/linux/gfp_types.h`.
    //!
    //! ```
    //! use alloc_ctx::flags::*;
    //!
    //! assert_eq!(GFP_KERNEL::BITS, 0xCC0);
    //! let flags = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;
    //! assert_eq!(flags.gfp().bits(), 0xCC0 | 0x100 | 0x2000);
    //! assert_eq!(flags.gfp().to_string(), "GFP_KERNEL|__GFP_ZERO|__GFP_NOWARN");
    //! ```
    //!
    //! Raw bit patterns never reach the allocation path: requests take a flags
    //! *type*. The run-time view [`Gfp`] is what backends and shrinkers see; it
    //! can only be built from typed flags or through the validating
    //! [`Gfp::from_bits`].

    pub use crate::vocab::flags::*;
}

pub mod rules {
    //! The GFP rules, as trait bounds the compiler checks.
    //!
    //! Each GFP rule (docs/DESIGN.md, "Typed GFP flags") is one marker trait with its own
    //! `#[diagnostic::on_unimplemented]` message, so a violation is a custom
    //! E0277 at `cargo check` that names the flag, the context and the fix.
    //!
    //! | rule | trait | checked for |
    //! |---|---|---|
    //! | no `__GFP_DIRECT_RECLAIM` through `NoWait` | [`NonSleeping`] | each leaf flag, so the error names the flag that sleeps |
    //! | no `__GFP_NOFAIL` through `NoWait` | [`NotNoFail`] | each leaf flag |
    //! | NOFAIL needs direct reclaim | [`NoFailNeedsReclaim`] | the whole combination |
    //! | NORETRY / RETRY_MAYFAIL need direct reclaim | [`RetryNeedsReclaim`] | the whole combination |
    //! | NOFAIL contradicts NORETRY / RETRY_MAYFAIL | [`NoFailConsistent`] | the whole combination |
    //! | NORETRY contradicts RETRY_MAYFAIL | [`RetryConsistent`] | the whole combination |
    //! | run-time-sized container growth cannot be NOFAIL | [`MayFail`] | the whole combination |
    //!
    //! Leaf rules are implemented per flag (by the flag table) and for `Or<A, B>` when both sides
    //! hold, so the message names the offending leaf (`GFP_KERNEL`), followed by
    //! a "required for `Or<…>`" note. Combination rules are computed from the
    //! type-level booleans of [`GfpFlags`](crate::flags::GfpFlags) and carry
    //! `#[diagnostic::do_not_recommend]`, so their message names the whole
    //! combination, which is where the contradiction lives.
    //!
    //! [`Permits`] gathers the rules that apply to one context; every request
    //! is bounded by it.

    pub use crate::vocab::rules::*;
}

pub mod family {
    //! Allocator families: which kernel allocator serves a request, and the
    //! rules each one adds to the flags.
    //!
    //! A container's bound names its family ([`Bound::Family`](crate::size::Bound::Family)):
    //! `KVec`/`KBox` are served by [`Kmalloc`], `VVec`/`VBox` by [`Vmalloc`],
    //! `KVVec`/`KVBox` by [`KVmalloc`]. Every request carries its family to
    //! the backend ([`Request::family`](crate::backend::Request::family)), as a
    //! type-level constant, so a kernel or RTOS backend can route it to
    //! `kmalloc`, `vmalloc` or `kvmalloc`. The rules follow Linux v6.12's
    //! documentation, one row of one table each (docs/DESIGN.md, "Allocator
    //! families"):
    //!
    //! | family | needs `__GFP_DIRECT_RECLAIM` | `__GFP_NORETRY` | bound without direct reclaim | free may sleep |
    //! |---|---|---|---|---|
    //! | [`Kmalloc`] | no | supported | the container's (`KMALLOC_MAX_SIZE`) | no (`kfree`) |
    //! | [`Vmalloc`] | yes ([`ReclaimFor`]) | refused ([`NoRetryFor`]) | — | yes (`vfree`) |
    //! | [`KVmalloc`] | no | refused ([`NoRetryFor`]) | `KMALLOC_MAX_SIZE` ([`RequestBound`]) | yes (`kvfree`) |
    //!
    //! ```compile_fail,E0277
    //! use alloc_ctx::{MaySleep, VVec, flags::*};
    //! MaySleep::enter(|cx| {
    //!     let mut pages = VVec::<u64>::new();
    //!     cx.nowait_scope(|nw| pages.push(1, GFP_ATOMIC, nw)); // vmalloc needs direct reclaim
    //! });
    //! ```
    //!
    //! A free that may sleep (`vfree`) made in an atomic section tells the
    //! backend so ([`Free::must_defer`](crate::backend::Free::must_defer)),
    //! and kernel glue defers it as `vfree_atomic` does.

    pub use crate::vocab::family::*;
}

pub mod size {
    //! Checked sizes.
    //!
    //! A byte count reaches the allocation fast path only as a [`Size<B>`]: a
    //! value proven at most the maximum of bound `B` ([`KmallocMax`], [`KvmallocMax`],
    //! [`NofailMax`], [`SlabCacheMax`]). Safe code builds one only through a check:
    //! at run time with [`Size::new`] / [`array_size`] / [`struct_size`] (a
    //! [`SizeError`] names the bound and the excess), or when the program is
    //! built with [`Size::of`] and [`const_size!`](crate::const_size).
    //!
    //! The arithmetic follows `include/linux/overflow.h` ([`overflow`]): it
    //! saturates at `usize::MAX`, and a saturated value stays saturated through
    //! later arithmetic, so it is rejected by every bound.
    //!
    //! ```
    //! use alloc_ctx::size::{array_size, KmallocMax, KvmallocMax, NofailMax, Size};
    //!
    //! let ring = array_size::<u64, KvmallocMax>(4096)?;
    //! assert_eq!(ring.get(), 32 * 1024);
    //! // 32 KiB is fine for kvmalloc but too much for a NOFAIL request:
    //! let err = Size::<NofailMax>::try_from(ring).unwrap_err();
    //! assert_eq!(err.to_string(), "32768 bytes exceeds NOFAIL_MAX_SIZE (8192 bytes, order-1 page allocation) by 24576 bytes");
    //! // Overflow is an error too, never a wrapped small size:
    //! assert!(array_size::<u64, KmallocMax>(usize::MAX / 4).is_err());
    //! # Ok::<(), alloc_ctx::size::SizeError>(())
    //! ```

    pub use crate::vocab::size::*;
}

/// Kernel error numbers: [`Error`](error::Error), the `Result` that
/// returns it, and the codes (`ENOMEM`, `EINVAL`, …) in
/// [`code`](error::code), as Rust-for-Linux's `kernel::error`.
///
/// Every error of this crate converts into an `Error`, so `?` works in a
/// function returning [`error::Result`].
pub mod error {
    pub use crate::vocab::error::{Error, MAX_ERRNO, Result, code, to_result};
}

#[cfg(feature = "macros")]
pub use alloc_ctx_macros::{may_sleep, no_context, nowait, test};

/// Everything a driver module usually needs: tokens, flags, sizes,
/// containers and the macros.
pub mod prelude {
    pub use crate::flags::*;
    pub use crate::size::*;
    pub use crate::{
        AllocError, AllocErrorKind, KBox, KVBox, KVVec, KVec, MaySleep, NoWait, SleepToken, Token, TryClone, VBox, VVec,
    };
    pub use crate::{
        error::code::*,
        error::{Error, Result},
        kbox_dyn, kvec,
    };
    #[cfg(feature = "macros")]
    pub use crate::{may_sleep, nowait};
    // The lock initialisers and pin-init's macros, as in Rust-for-Linux's
    // prelude; not the `Init`/`PinInit` traits: `Init` is implemented for
    // every type, and its `chain` would clash with `Iterator::chain` in
    // every module that imports the prelude (name them from
    // `alloc_ctx::init`).
    #[cfg(feature = "pin-init")]
    pub use crate::init::{init, pin_data, pin_init, pinned_drop, try_init, try_pin_init};
    #[cfg(all(feature = "std", feature = "pin-init"))]
    pub use crate::{new_condvar, new_mutex};
    #[cfg(feature = "pin-init")]
    pub use crate::{new_spinlock, new_spinlock_irq};
}

/// What the macros expand to; not public API, no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::__alloc_ctx_context_doc as context_doc;
    pub use crate::context::state::NoWaitMark;
    pub use crate::context::token::probe::{Accept, HoldsSleepToken, NotASleepToken, ParamProbe, ProbeOther, Refuse};

    /// Mentions lifetimes in a returned `impl Trait`, so that it captures
    /// the lifetimes the unmarked function would, and not the token's.
    pub trait Captures<T: ?Sized> {}
    impl<T: ?Sized, U: ?Sized> Captures<T> for U {}
}

/// The `# Context` doc section of a marked function, by kind, with the
/// token's name (`cx` unless `cx = name`). The macros emit
/// `#[cfg_attr(doc, doc = __private::context_doc!(kind, cx))]`: rustdoc
/// reads it, a check or a build drops it unexpanded. It expands in the
/// user's module: `::core::` paths, so that a macro of the user's named
/// `concat` cannot stand in for the built-in one.
#[doc(hidden)]
#[macro_export]
macro_rules! __alloc_ctx_context_doc {
    (may_sleep, $cx:ident) => {
        ::core::concat!(
            "\n # Context\n\n May sleep. Takes the caller's sleep token `",
            ::core::stringify!($cx),
            "` (`&mut MaySleep`): callable only where sleeping is allowed, never from a `#[nowait]` function or \
             an atomic section."
        )
    };
    (may_sleep_entry, $cx:ident) => {
        "\n # Context\n\n May sleep. Entry point (a program's `main` or a test): creates the thread's first sleep \
         token, after checking at run time that the thread is not in an atomic section (it panics there, like the \
         kernel's `might_sleep()`)."
    };
    (nowait, $cx:ident) => {
        ::core::concat!(
            "\n # Context\n\n Does not sleep; callable from atomic context. Takes any token `",
            ::core::stringify!($cx),
            "` (`&mut NoWait` or `&mut MaySleep`); inside, it is a `&mut NoWait`."
        )
    };
    (nowait_dyn, $cx:ident) => {
        ::core::concat!(
            "\n # Context\n\n Does not sleep; callable from atomic context. Takes a token `",
            ::core::stringify!($cx),
            ": &mut NoWait` (sleepable code passes its `&mut MaySleep` as it is: it dereferences to a \
             `&mut NoWait`)."
        )
    };
    (nowait_entry, $cx:ident) => {
        "\n # Context\n\n Does not sleep; callable from atomic context. Entry point (an interrupt handler, a \
         callback under a lock): runs in `NoWait::enter`, as an atomic section with its own `NoWait` token; its \
         arguments must be `Send`, so none of them can carry the interrupted context's sleep token."
    };
}

/// The README's Rust examples, compiled and run as doctests so they stay
/// true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
