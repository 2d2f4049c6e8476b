//! The request path: one backend attempt, then what the flags allow.
//!
//! | flags | after the backend fails |
//! |---|---|
//! | no `__GFP_DIRECT_RECLAIM` | fail at once (report unless `__GFP_NOWARN`) |
//! | `__GFP_NORETRY` | one reclaim pass, one more attempt |
//! | direct reclaim, no modifier | [`DEFAULT_RECLAIM_PASSES`] reclaim passes with back-off |
//! | `__GFP_RETRY_MAYFAIL` | [`MAX_RECLAIM_RETRIES`] passes with back-off |
//! | `__GFP_NOFAIL` | reclaim, back off and retry until it succeeds |
//! | any but NOFAIL, failed by an injected fault ([`crate::sweep`]) | fail at once |
//!
//! Only requests made through a `MaySleep` token can carry direct reclaim,
//! so the sleeping branches are never reached from an atomic section.

use core::alloc::Layout;
use core::panic::Location;
use core::ptr::NonNull;

use crate::backend::Backend;
use crate::error::AllocError;
use crate::flags::Gfp;
use crate::report::{AllocFailure, report};

/// Reclaim passes of a plain sleeping request (e.g. `GFP_KERNEL`).
pub const DEFAULT_RECLAIM_PASSES: u32 = 3;
/// Reclaim passes of a `__GFP_RETRY_MAYFAIL` request (the kernel's
/// `MAX_RECLAIM_RETRIES`).
pub const MAX_RECLAIM_RETRIES: u32 = 16;

/// Allocates `layout` (non-zero size) with the effective flags `gfp`.
#[inline]
#[track_caller]
pub(crate) fn allocate<A: Backend + ?Sized>(backend: &A, layout: Layout, gfp: Gfp) -> Result<NonNull<u8>, AllocError> {
    debug_assert!(layout.size() != 0);
    check_context(gfp);
    let _request = InRequest::enter();
    match backend.allocate(layout, gfp) {
        Some(ptr) => Ok(ptr),
        None => allocate_slow(backend, layout, gfp, Location::caller()),
    }
}

/// What the flags allow after a failed first attempt; out of line so the
/// fast path does not set up the retry's state.
#[cold]
#[inline(never)]
fn allocate_slow<A: Backend + ?Sized>(
    backend: &A,
    layout: Layout,
    gfp: Gfp,
    location: &'static Location<'static>,
) -> Result<NonNull<u8>, AllocError> {
    retry(layout, gfp, location, || backend.allocate(layout, gfp))
}

/// Resizes a block; on error the old block is untouched.
///
/// # Safety
///
/// As [`Backend::reallocate`].
#[inline]
#[track_caller]
pub(crate) unsafe fn reallocate<A: Backend + ?Sized>(
    backend: &A,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
    gfp: Gfp,
) -> Result<NonNull<u8>, AllocError> {
    debug_assert!(new.size() != 0 && old.size() != 0);
    check_context(gfp);
    let _request = InRequest::enter();
    // SAFETY: forwarded from the caller.
    match unsafe { backend.reallocate(ptr, old, new, gfp) } {
        Some(ptr) => Ok(ptr),
        // SAFETY: forwarded from the caller; `reallocate` left the old
        // block untouched when it failed, so a retry may pass it again.
        None => unsafe { reallocate_slow(backend, ptr, old, new, gfp, Location::caller()) },
    }
}

/// The retries of a failed reallocation, out of line.
///
/// # Safety
///
/// As [`Backend::reallocate`].
#[cold]
#[inline(never)]
unsafe fn reallocate_slow<A: Backend + ?Sized>(
    backend: &A,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
    gfp: Gfp,
    location: &'static Location<'static>,
) -> Result<NonNull<u8>, AllocError> {
    // SAFETY: forwarded from the caller; the old block is still valid
    // after each failed attempt.
    retry(new, gfp, location, || unsafe { backend.reallocate(ptr, old, new, gfp) })
}

/// Marks the thread as inside a token request until dropped, so the
/// checking global allocator (`crate::checking`) lets the backend's own
/// allocations (and the failure report's) through. Restores the previous
/// value, so nested requests (a shrinker allocating during reclaim) stay
/// marked. A no-op without `std`.
#[must_use = "the request ends when the guard is dropped"]
pub(crate) struct InRequest {
    #[cfg(feature = "std")]
    previous: bool,
}

#[cfg(feature = "std")]
std::thread_local! {
    static IN_REQUEST: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    /// Set by a fault-injecting backend to fail the request in progress.
    static INJECTED: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

impl InRequest {
    #[inline(always)]
    pub(crate) fn enter() -> InRequest {
        InRequest {
            // `try_with`: a request may run from a TLS destructor.
            #[cfg(feature = "std")]
            previous: IN_REQUEST.try_with(|flag| flag.replace(true)).unwrap_or(false),
        }
    }
}

impl Drop for InRequest {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        let _ = IN_REQUEST.try_with(|flag| flag.set(self.previous));
    }
}

/// Whether the current thread is inside a token request (false during
/// thread teardown, when the flag is gone).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn in_request() -> bool {
    IN_REQUEST.try_with(core::cell::Cell::get).unwrap_or(false)
}

/// Makes the request in progress on this thread fail as a whole: no reclaim
/// and no retry, unless it is NOFAIL. This is how an injected fault behaves
/// in the kernel (`failslab` fails a `kmalloc()` before the page allocator's
/// retry loop), and it lets a sweep fail sleeping requests too. Called by a
/// backend from inside `allocate`/`reallocate`; a no-op outside a request.
#[cfg(feature = "std")]
pub(crate) fn inject_failure() {
    if in_request() {
        let _ = INJECTED.try_with(|flag| flag.set(true));
    }
}

/// Takes the injected-failure mark of the current request.
#[inline]
fn take_injected() -> bool {
    #[cfg(feature = "std")]
    return INJECTED.try_with(|flag| flag.replace(false)).unwrap_or(false);
    #[cfg(not(feature = "std"))]
    false
}

/// In debug builds, a sleeping request made while the thread is inside an
/// atomic section (possible only through an `unsafe`-assumed token, or two
/// tokens created on one thread) panics like `might_sleep()`.
#[inline(always)]
#[track_caller]
fn check_context(gfp: Gfp) {
    if cfg!(debug_assertions) && gfp.may_sleep() {
        crate::state::might_sleep();
    }
}

#[cold]
#[inline(never)]
fn retry(
    layout: Layout,
    gfp: Gfp,
    location: &'static Location<'static>,
    mut attempt: impl FnMut() -> Option<NonNull<u8>>,
) -> Result<NonNull<u8>, AllocError> {
    // An injected fault fails the request without reclaim; NOFAIL ignores it.
    let injected = take_injected() && !gfp.nofail();
    if gfp.may_sleep() && !injected {
        let passes = if gfp.nofail() {
            u32::MAX
        } else if gfp.noretry() {
            1
        } else if gfp.retry_mayfail() {
            MAX_RECLAIM_RETRIES
        } else {
            DEFAULT_RECLAIM_PASSES
        };
        let mut pass: u32 = 0;
        loop {
            let freed = crate::reclaim::shrink(gfp, layout.size());
            if freed == 0 && pass > 0 {
                back_off(pass);
            }
            if let Some(ptr) = attempt() {
                return Ok(ptr);
            }
            if take_injected() && !gfp.nofail() {
                break;
            }
            pass = pass.saturating_add(1);
            // NOFAIL never leaves this loop but through success.
            if pass >= passes && !gfp.nofail() {
                break;
            }
        }
    }
    if !gfp.nowarn() {
        report(&AllocFailure { size: layout.size(), align: layout.align(), gfp, location });
    }
    Err(AllocError::OutOfMemory { size: layout.size(), align: layout.align(), gfp })
}

/// Sleeps a little longer each pass (capped), like the page allocator's
/// congestion wait; only reached by requests that may sleep.
fn back_off(pass: u32) {
    #[cfg(feature = "std")]
    {
        let micros = 50u64 << pass.min(10);
        std::thread::sleep(core::time::Duration::from_micros(micros.min(20_000)));
    }
    #[cfg(not(feature = "std"))]
    for _ in 0..(64u32 << pass.min(10)) {
        core::hint::spin_loop();
    }
}
