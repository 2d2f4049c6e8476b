//! Which core the code runs on: the platform hook behind the context state
//! without `std`, the kernel's per-CPU `preempt_count()`.
//!
//! Without `std` the context state (atomic depth, NOFS/NOIO mask,
//! interrupt-disable count) is a global, and one global is right on one
//! core only: on several, every core would share one atomic depth. With
//! the `per-core` feature the crate keeps one set per core, up to
//! [`MAX_CORES`], and asks the platform which core it is on through the
//! function given to [`set_core_id`] (an RP2040 reads `SIO.CPUID`, a
//! Cortex-A `MPIDR`, a RISC-V hart its `mhartid`, saved at boot). Set it
//! once, before a second core starts; until then every caller is core 0.
//!
//! ```
//! # #[cfg(feature = "per-core")] {
//! fn this_core() -> usize {
//!     0 // a real platform reads its CPU-id register here
//! }
//! alloc_ctx::percpu::set_core_id(this_core);
//! assert_eq!(alloc_ctx::percpu::core_id(), 0);
//! # }
//! ```
//!
//! With `std` and without `per-core`, a thread stands for a core and the
//! state is thread-local; this hook is not used.

use core::sync::atomic::{AtomicPtr, Ordering};

/// How many cores' state is kept (with `per-core`; 1 without).
#[cfg(feature = "per-core")]
pub const MAX_CORES: usize = 8;
/// How many cores' state is kept (with `per-core`; 1 without).
#[cfg(not(feature = "per-core"))]
pub const MAX_CORES: usize = 1;

/// The platform's "which core am I" function, as a pointer; null until
/// [`set_core_id`] (core 0).
static CORE_ID: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Sets the function that returns the current core's index, `0` to
/// `MAX_CORES - 1`. Call it once at boot, before a second core runs
/// alloc-ctx code; it must return the same value for the whole life of a
/// section on a core (interrupt handlers run on the core they interrupt).
pub fn set_core_id(hook: fn() -> usize) {
    CORE_ID.store(hook as *mut (), Ordering::Release);
}

/// The current core's index, from the hook given to [`set_core_id`]
/// (`0` without one, or without the `per-core` feature).
///
/// # Panics
///
/// If the hook returns an index of `MAX_CORES` or more.
#[inline]
pub fn core_id() -> usize {
    if MAX_CORES == 1 {
        return 0;
    }
    let hook = CORE_ID.load(Ordering::Acquire);
    if hook.is_null() {
        return 0;
    }
    // SAFETY: the only non-null value stored is a `fn() -> usize` cast to
    // a pointer by `set_core_id`; casting it back gives that function.
    let hook = unsafe { core::mem::transmute::<*mut (), fn() -> usize>(hook) };
    let id = hook();
    assert!(id < MAX_CORES, "alloc-ctx: the core-id hook returned {id}, but only {MAX_CORES} cores are kept");
    id
}
