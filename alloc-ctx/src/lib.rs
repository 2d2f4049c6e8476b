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
//! use alloc_ctx::{KVec, MaySleep, NoWait, flags::*, size::{array_size, Kmalloc}};
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
//! MaySleep::enter(|cx| {
//!     let mut ring = probe(cx, 64).expect("probe");
//!     cx.nowait_scope(|nw| rx_interrupt(nw, &mut ring, 0xfeed));
//!     assert_eq!(ring.slots.len(), 65);
//! });
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

pub mod arc;
pub mod backend;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod checking;
pub mod clone;
pub mod context;
pub mod error;
pub mod flags;
pub mod irq;
pub mod kbox;
pub mod kvec;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod mempool;
pub mod reclaim;
pub mod report;
mod request;
pub mod rules;
pub mod size;
pub mod state;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod sweep;
pub mod sync;
pub mod typelevel;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod workqueue;

pub use backend::{Backend, System};
pub use clone::TryClone;
pub use context::{MaySleep, NoWait, SleepToken, Token};
pub use error::AllocError;
pub use kbox::{KBox, KVBox, VBox};
pub use kvec::{KVVec, KVec, PushError, VVec};
pub use request::{DEFAULT_RECLAIM_PASSES, MAX_RECLAIM_RETRIES};
pub use size::{Size, SizeError, array_size, struct_size};
pub use state::might_sleep;

#[cfg(feature = "macros")]
pub use alloc_ctx_macros::{may_sleep, no_context, nowait};

/// Everything a driver module usually needs: tokens, flags, sizes,
/// containers and the macros.
pub mod prelude {
    pub use crate::flags::*;
    pub use crate::size::{Kmalloc, Kvmalloc, Nofail, Size, array_size, struct_size};
    pub use crate::{AllocError, KBox, KVVec, KVec, MaySleep, NoWait, SizeError};
    pub use crate::{
        KVBox, TryClone, VBox, VVec,
        error::code::*,
        error::{Error, Result},
        kbox_dyn, kvec,
    };
    #[cfg(feature = "macros")]
    pub use crate::{may_sleep, nowait};
}

/// What the macros expand to; not public API, no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::state::NoWaitMark;

    /// Mentions lifetimes in a returned `impl Trait`, so that it captures
    /// the lifetimes the unmarked function would, and not the token's.
    pub trait Captures<T: ?Sized> {}
    impl<T: ?Sized, U: ?Sized> Captures<T> for U {}
}

/// The README's Rust examples, compiled and run as doctests so they stay
/// true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
