//! The allocation-failure report, the kernel's `warn_alloc()`.
//!
//! A fallible request that fails without `__GFP_NOWARN` is reported once
//! per call site (the site is the caller's source location, carried by
//! `#[track_caller]` through containers and the request path). The default
//! hook prints one line on stderr; [`set_failure_hook`] replaces it (with a
//! logger, a counter in tests, or a no-op).
//!
//! Without the `std` feature nothing is recorded or printed.

use core::panic::Location;

use crate::vocab::flags::Gfp;

/// What a failure report says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocFailure {
    /// The requested size in bytes.
    pub size: usize,
    /// The requested alignment.
    pub align: usize,
    /// The effective flags of the failed request.
    pub gfp: Gfp,
    /// Where the request was made.
    pub location: &'static Location<'static>,
}

impl core::fmt::Display for AllocFailure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "alloc-ctx: allocation failure: {} bytes (align {}), mode:{:#x}({}) at {}",
            self.size, self.align, self.gfp, self.gfp, self.location
        )
    }
}

/// A failure hook.
pub type FailureHook = fn(&AllocFailure);

/// The default hook: one line on stderr.
pub fn log_to_stderr(failure: &AllocFailure) {
    #[cfg(feature = "std")]
    std::eprintln!("{failure}");
    #[cfg(not(feature = "std"))]
    let _ = failure;
}

#[cfg(feature = "std")]
mod registry {
    use super::{AllocFailure, FailureHook};
    use std::collections::BTreeSet;
    use std::sync::{Mutex, PoisonError};

    struct Registry {
        hook: FailureHook,
        reported: BTreeSet<(&'static str, u32, u32)>,
    }

    static REGISTRY: Mutex<Registry> = Mutex::new(Registry { hook: super::log_to_stderr, reported: BTreeSet::new() });

    pub(super) fn set_hook(hook: FailureHook) -> FailureHook {
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        core::mem::replace(&mut registry.hook, hook)
    }

    pub(super) fn report(failure: &AllocFailure) {
        let site = (failure.location.file(), failure.location.line(), failure.location.column());
        let hook = {
            let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
            if !registry.reported.insert(site) {
                return;
            }
            registry.hook
        };
        // Called without the lock so a hook may itself allocate or report.
        hook(failure);
    }
}

/// Replaces the failure hook, returning the previous one.
///
/// ```
/// fn quiet(_: &alloc_ctx::report::AllocFailure) {}
/// let previous = alloc_ctx::report::set_failure_hook(quiet);
/// alloc_ctx::report::set_failure_hook(previous);
/// ```
pub fn set_failure_hook(hook: FailureHook) -> FailureHook {
    #[cfg(feature = "std")]
    return registry::set_hook(hook);
    #[cfg(not(feature = "std"))]
    {
        let _ = hook;
        log_to_stderr
    }
}

/// Reports a failed request unless its site was reported before.
#[cold]
pub(crate) fn report(failure: &AllocFailure) {
    #[cfg(feature = "std")]
    registry::report(failure);
    #[cfg(not(feature = "std"))]
    let _ = failure;
}

/// A `__GFP_NOFAIL` request that is still retrying: the kernel's
/// "page allocation stall" warning. A NOFAIL request never fails, so a
/// backend that can never satisfy it would otherwise retry in silence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocStall {
    /// The requested size in bytes.
    pub size: usize,
    /// The effective flags of the request.
    pub gfp: Gfp,
    /// Reclaim passes and retries so far.
    pub retries: u32,
    /// Where the request was made.
    pub location: &'static Location<'static>,
}

impl core::fmt::Display for AllocStall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "alloc-ctx: allocation stall: {} bytes, mode:{:#x}({}), {} retries so far, at {} (a __GFP_NOFAIL request keeps retrying until memory is freed)",
            self.size, self.gfp, self.gfp, self.retries, self.location
        )
    }
}

/// A stalled NOFAIL request is reported first after this many retries
/// (about 0.2 s of reclaim and back-off)...
pub const STALL_FIRST_REPORT: u32 = 16;

/// ... and then every this many retries (about every 5 seconds with the
/// retry loop's capped back-off of 20 ms).
pub const STALL_REPORT_INTERVAL: u32 = 256;

/// Whether a NOFAIL request that has retried `retries` times is reported.
pub(crate) const fn stall_reported_at(retries: u32) -> bool {
    retries == STALL_FIRST_REPORT || retries.is_multiple_of(STALL_REPORT_INTERVAL)
}

/// A stall hook.
pub type StallHook = fn(&AllocStall);

/// The default stall hook: one line on stderr (nothing without `std`).
pub fn stall_to_stderr(stall: &AllocStall) {
    #[cfg(feature = "std")]
    std::eprintln!("{stall}");
    #[cfg(not(feature = "std"))]
    let _ = stall;
}

#[cfg(feature = "std")]
static STALL_HOOK: std::sync::RwLock<StallHook> = std::sync::RwLock::new(stall_to_stderr);

/// Replaces the stall hook, returning the previous one (with `std`;
/// without it, stalls are not reported and this returns `hook`).
///
/// ```
/// fn quiet(_: &alloc_ctx::report::AllocStall) {}
/// let previous = alloc_ctx::report::set_stall_hook(quiet);
/// alloc_ctx::report::set_stall_hook(previous);
/// ```
pub fn set_stall_hook(hook: StallHook) -> StallHook {
    #[cfg(feature = "std")]
    return core::mem::replace(&mut *STALL_HOOK.write().unwrap_or_else(std::sync::PoisonError::into_inner), hook);
    #[cfg(not(feature = "std"))]
    hook
}

/// Reports a stalled NOFAIL request through the stall hook.
pub(crate) fn report_stall(stall: &AllocStall) {
    #[cfg(feature = "std")]
    {
        let hook = *STALL_HOOK.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        hook(stall);
    }
    #[cfg(not(feature = "std"))]
    let _ = stall;
}
