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

use crate::context::state;
use crate::request::backend::{Backend, Request};
use crate::request::reclaim::{DEFAULT_RECLAIM_PASSES, MAX_RECLAIM_RETRIES};
use crate::request::report::{AllocFailure, AllocStall, report, report_stall, stall_reported_at};
use crate::vocab::error::{AllocError, ResultWords};
use crate::vocab::family::FamilyId;
use crate::vocab::flags::Gfp;

/// Allocates `layout` (non-zero size, checked against the request's
/// bound) with the effective flags `gfp`, which the caller's token permits.
///
/// This is where the [`Request`] that backends take is made: nothing
/// outside this module reaches [`Backend::allocate`].
#[inline]
#[track_caller]
pub(crate) fn allocate<A: Backend + ?Sized>(backend: &A, layout: Layout, gfp: Gfp) -> Result<NonNull<u8>, AllocError> {
    allocate_from(backend, layout, gfp, FamilyId::Kmalloc)
}

/// As [`allocate`], for a request of allocator `family` (a constant of the
/// caller's container type, whose rules the compiler checked).
#[inline]
#[track_caller]
pub(crate) fn allocate_from<A: Backend + ?Sized>(
    backend: &A,
    layout: Layout,
    gfp: Gfp,
    family: FamilyId,
) -> Result<NonNull<u8>, AllocError> {
    check_context(gfp);
    let _request = state::enter_request(gfp);
    let request = Request::new(layout, gfp, family, Location::caller());
    match backend.allocate(&request) {
        Some(ptr) => Ok(ptr),
        None => allocate_slow(backend, layout, gfp, Failed::new(family, &request), Location::caller()).into_result(),
    }
}

/// What the flags allow after a failed first attempt; out of line so the
/// fast path does not set up the retry's state. It takes the layout and
/// flags by value and makes its own `Request`: one borrowed from the fast
/// path would have to live in memory there. Its arguments fit in
/// registers, and so does its result ([`ResultWords`]): at each
/// allocation site the failure branch is a call and a test.
#[cold]
#[inline(never)]
fn allocate_slow<A: Backend + ?Sized>(
    backend: &A,
    layout: Layout,
    gfp: Gfp,
    failed: Failed,
    location: &'static Location<'static>,
) -> ResultWords {
    let request = Request::new(layout, gfp, failed.family(), location);
    ResultWords::new(retry(&request, failed.injected(), location, || backend.allocate(&request)))
}

/// The family of a failed first attempt and whether its failure was
/// injected, packed in one argument of the slow paths.
#[derive(Clone, Copy)]
struct Failed(u16);

impl Failed {
    #[inline(always)]
    fn new(family: FamilyId, request: &Request) -> Failed {
        Failed(u16::from(family as u8) | u16::from(request.injected()) << 8)
    }

    #[inline(always)]
    fn family(self) -> FamilyId {
        FamilyId::from_index(self.0 as u8)
    }

    #[inline(always)]
    fn injected(self) -> bool {
        self.0 >> 8 != 0
    }
}

/// Resizes a block to `new` (non-zero size, checked against the request's
/// bound) with the effective flags `gfp`, for a block of allocator
/// `family`; on error the old block is untouched.
///
/// # Safety
///
/// As [`Backend::reallocate`] with a request for `new`: `ptr` comes from
/// `backend` with exactly `old` (non-zero size), and
/// `new.align() == old.align()`.
#[inline]
#[track_caller]
pub(crate) unsafe fn reallocate<A: Backend + ?Sized>(
    backend: &A,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
    gfp: Gfp,
    family: FamilyId,
) -> Result<NonNull<u8>, AllocError> {
    debug_assert!(old.size() != 0 && old.align() == new.align());
    check_context(gfp);
    let _request = state::enter_request(gfp);
    let request = Request::new(new, gfp, family, Location::caller());
    // SAFETY: forwarded from the caller.
    match unsafe { backend.reallocate(ptr, old, &request) } {
        Some(ptr) => Ok(ptr),
        None => {
            let failed = Failed::new(family, &request);
            // SAFETY: forwarded from the caller; `reallocate` left the old
            // block untouched when it failed, so a retry may pass it again.
            unsafe { reallocate_slow(backend, ptr, old, new, gfp, failed, Location::caller()) }.into_result()
        }
    }
}

/// The retries of a failed reallocation, out of line.
///
/// # Safety
///
/// As [`Backend::reallocate`].
#[cold]
#[inline(never)]
// The fast path's values, passed in registers rather than a `Request` in
// memory (see `allocate_slow`).
#[allow(clippy::too_many_arguments)]
unsafe fn reallocate_slow<A: Backend + ?Sized>(
    backend: &A,
    ptr: NonNull<u8>,
    old: Layout,
    new: Layout,
    gfp: Gfp,
    failed: Failed,
    location: &'static Location<'static>,
) -> ResultWords {
    let request = Request::new(new, gfp, failed.family(), location);
    // SAFETY: forwarded from the caller; the old block is still valid
    // after each failed attempt.
    ResultWords::new(retry(&request, failed.injected(), location, || unsafe { backend.reallocate(ptr, old, &request) }))
}

/// A request that may sleep, made where the thread must not (through a
/// sleep token captured into a token-less atomic section, a leaked
/// (`mem::forget`) lock guard, or an `unsafe`-assumed token), panics like
/// `might_sleep()`, as the kernel's `might_alloc()`: one thread-local
/// read, on sleeping requests only (the flags are constants, so the test
/// folds away for the others). Only when [`state::CHECKS`] are on (debug
/// builds, `--cfg alloc_ctx_checks`), as the kernel compiles it out
/// without `CONFIG_DEBUG_ATOMIC_SLEEP`: the types already keep sleep
/// tokens out of atomic sections, and this catches only what is smuggled
/// past them.
#[inline(always)]
#[track_caller]
fn check_context(gfp: Gfp) {
    if state::CHECKS && gfp.may_sleep() {
        state::might_sleep();
    }
}

#[cold]
#[inline(never)]
fn retry(
    request: &Request,
    first_attempt_injected: bool,
    location: &'static Location<'static>,
    mut attempt: impl FnMut() -> Option<NonNull<u8>>,
) -> Result<NonNull<u8>, AllocError> {
    let (layout, gfp) = (request.layout(), request.gfp());
    // An injected fault fails the request without reclaim; NOFAIL ignores it.
    let injected = first_attempt_injected && !gfp.nofail();
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
            let freed = crate::request::reclaim::run_shrinkers(gfp, layout.size(), |_| {});
            if freed == 0 && pass > 0 {
                back_off(pass);
            }
            if let Some(ptr) = attempt() {
                return Ok(ptr);
            }
            if request.injected() && !gfp.nofail() {
                break;
            }
            pass = pass.saturating_add(1);
            // NOFAIL never leaves this loop but through success.
            if pass >= passes && !gfp.nofail() {
                break;
            }
            if gfp.nofail() && stall_reported_at(pass) {
                report_stall(&AllocStall { size: layout.size(), gfp, retries: pass, location });
            }
        }
    }
    if !gfp.nowarn() {
        report(&AllocFailure { size: layout.size(), align: layout.align(), gfp, location });
    }
    Err(AllocError::out_of_memory(layout.size(), layout.align(), gfp))
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
