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

use crate::backend::{Backend, Request};
use crate::error::AllocError;
use crate::flags::Gfp;
use crate::report::{AllocFailure, report};

/// Reclaim passes of a plain sleeping request (e.g. `GFP_KERNEL`).
pub const DEFAULT_RECLAIM_PASSES: u32 = 3;
/// Reclaim passes of a `__GFP_RETRY_MAYFAIL` request (the kernel's
/// `MAX_RECLAIM_RETRIES`).
pub const MAX_RECLAIM_RETRIES: u32 = 16;

/// Allocates `layout` (non-zero size, checked against the request's
/// bound) with the effective flags `gfp`, which the caller's token permits.
///
/// This is where the [`Request`] that backends take is made: nothing
/// outside this module reaches [`Backend::allocate`].
#[inline]
#[track_caller]
pub(crate) fn allocate<A: Backend + ?Sized>(backend: &A, layout: Layout, gfp: Gfp) -> Result<NonNull<u8>, AllocError> {
    check_context(gfp);
    let request = Request::new(layout, gfp);
    let _request = InRequest::enter();
    match backend.allocate(&request) {
        Some(ptr) => Ok(ptr),
        None => allocate_slow(backend, &request, Location::caller()),
    }
}

/// What the flags allow after a failed first attempt; out of line so the
/// fast path does not set up the retry's state.
#[cold]
#[inline(never)]
fn allocate_slow<A: Backend + ?Sized>(
    backend: &A,
    request: &Request,
    location: &'static Location<'static>,
) -> Result<NonNull<u8>, AllocError> {
    retry(request, location, || backend.allocate(request))
}

/// Resizes a block to `new` (non-zero size, checked against the request's
/// bound) with the effective flags `gfp`; on error the old block is
/// untouched.
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
) -> Result<NonNull<u8>, AllocError> {
    debug_assert!(old.size() != 0 && old.align() == new.align());
    check_context(gfp);
    let request = Request::new(new, gfp);
    let _request = InRequest::enter();
    // SAFETY: forwarded from the caller.
    match unsafe { backend.reallocate(ptr, old, &request) } {
        Some(ptr) => Ok(ptr),
        // SAFETY: forwarded from the caller; `reallocate` left the old
        // block untouched when it failed, so a retry may pass it again.
        None => unsafe { reallocate_slow(backend, ptr, old, &request, Location::caller()) },
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
    request: &Request,
    location: &'static Location<'static>,
) -> Result<NonNull<u8>, AllocError> {
    // SAFETY: forwarded from the caller; the old block is still valid
    // after each failed attempt.
    retry(request, location, || unsafe { backend.reallocate(ptr, old, request) })
}

/// Marks the thread as inside a token request until dropped, so the
/// checking global allocator (`crate::checking`) lets the backend's own
/// allocations (and the failure report's) through. Restores the previous
/// state, so nested requests (a shrinker allocating during reclaim) stay
/// marked. A no-op without `std`.
///
/// The injected-failure mark ([`inject_failure`]) shares the thread-local
/// cell: entering a request clears it in the write that sets the in-request
/// bit, and leaving restores the enclosing request's state, so a mark never
/// outlives the request whose backend set it. A composite backend that
/// swallows an injected failure of the backend it wraps (and succeeds
/// another way) therefore cannot make a later request skip its reclaim,
/// and the fast path costs what it did with a single flag.
#[must_use = "the request ends when the guard is dropped"]
pub(crate) struct InRequest {
    #[cfg(feature = "std")]
    previous: u8,
}

/// [`REQUEST`] bit: the thread is inside a token request.
#[cfg(feature = "std")]
const IN_REQUEST: u8 = 1;
/// [`REQUEST`] bit: a fault-injecting backend failed the request in
/// progress.
#[cfg(feature = "std")]
const INJECTED: u8 = 2;

#[cfg(feature = "std")]
std::thread_local! {
    /// The current request's state: [`IN_REQUEST`] and [`INJECTED`] bits.
    static REQUEST: core::cell::Cell<u8> = const { core::cell::Cell::new(0) };
}

impl InRequest {
    #[inline(always)]
    pub(crate) fn enter() -> InRequest {
        InRequest {
            // `try_with`: a request may run from a TLS destructor. A new
            // request starts without an injected mark.
            #[cfg(feature = "std")]
            previous: REQUEST.try_with(|state| state.replace(IN_REQUEST)).unwrap_or(0),
        }
    }
}

impl Drop for InRequest {
    #[inline(always)]
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        let _ = REQUEST.try_with(|state| state.set(self.previous));
    }
}

/// Whether the current thread is inside a token request (false during
/// thread teardown, when the flag is gone).
#[cfg(feature = "std")]
#[inline(always)]
pub(crate) fn in_request() -> bool {
    REQUEST.try_with(|state| state.get() & IN_REQUEST != 0).unwrap_or(false)
}

/// Makes the request in progress on this thread fail as a whole: no reclaim
/// and no retry, unless it is NOFAIL. This is how an injected fault behaves
/// in the kernel (`failslab` fails a `kmalloc()` before the page allocator's
/// retry loop), and it lets a sweep fail sleeping requests too. Called by a
/// backend from inside `allocate`/`reallocate`; a no-op outside a request.
/// The mark lasts until the request path reads it after the attempt, or
/// until the request ends (see [`InRequest`]).
#[cfg(feature = "std")]
pub(crate) fn inject_failure() {
    let _ = REQUEST.try_with(|state| {
        let current = state.get();
        if current & IN_REQUEST != 0 {
            state.set(current | INJECTED);
        }
    });
}

/// Takes the injected-failure mark of the current request.
#[inline]
fn take_injected() -> bool {
    #[cfg(feature = "std")]
    return REQUEST
        .try_with(|state| {
            let current = state.get();
            state.set(current & !INJECTED);
            current & INJECTED != 0
        })
        .unwrap_or(false);
    #[cfg(not(feature = "std"))]
    false
}

/// A request that may sleep, made where the thread must not (through a
/// sleep token captured into a token-less atomic section, a leaked
/// (`mem::forget`) lock guard, or an `unsafe`-assumed token), panics like
/// `might_sleep()`. On in release builds too, as the kernel's
/// `might_alloc()`: one thread-local read, on sleeping requests only (the
/// flags are constants, so the test folds away for the others).
#[inline(always)]
#[track_caller]
fn check_context(gfp: Gfp) {
    if gfp.may_sleep() {
        crate::state::might_sleep();
    }
}

#[cold]
#[inline(never)]
fn retry(
    request: &Request,
    location: &'static Location<'static>,
    mut attempt: impl FnMut() -> Option<NonNull<u8>>,
) -> Result<NonNull<u8>, AllocError> {
    let (layout, gfp) = (request.layout(), request.gfp());
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
            let freed = crate::reclaim::run_shrinkers(gfp, layout.size(), |_| {});
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
