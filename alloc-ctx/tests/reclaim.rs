//! Shrinkers run by sleeping requests, filtered by the effective flags.
//! (Its own test binary: the shrinker registry is process-wide.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::backend::FailInject;
use alloc_ctx::flags::*;
use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker, shrink_reporting};
use alloc_ctx::size::{KmallocMax, NofailMax, Size};
use alloc_ctx::{MaySleep, NoWait, reclaim::DEFAULT_RECLAIM_PASSES, reclaim::MAX_RECLAIM_RETRIES};
use common::TestBackend;

/// The registry is shared by the whole process: one test at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[alloc_ctx::test]
fn noio_scopes_skip_shrinkers_that_need_io() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let clean = Arc::new(AtomicUsize::new(0));
    let writeback = Arc::new(AtomicUsize::new(0));
    let _clean = register_shrinker(cx, "clean-cache", ShrinkerNeeds::Nothing, {
        let clean = clean.clone();
        move |_| {
            clean.fetch_add(1, Ordering::SeqCst);
            0
        }
    });
    let _writeback = register_shrinker(cx, "dirty-writeback", ShrinkerNeeds::Io, {
        let writeback = writeback.clone();
        move |_| {
            writeback.fetch_add(1, Ordering::SeqCst);
            0
        }
    });
    {
        let mut skipped = Vec::new();
        let gfp = cx.effective(GFP_KERNEL);
        shrink_reporting(cx, gfp, 4096, |name| skipped.push(name));
        assert!(skipped.is_empty());
        assert_eq!((clean.load(Ordering::SeqCst), writeback.load(Ordering::SeqCst)), (1, 1));

        cx.noio(|cx| {
            // Even GFP_KERNEL is served as GFP_NOIO in here, and the raw
            // GFP_KERNEL bits are masked again by the thread's scope state.
            for gfp in [cx.effective(GFP_KERNEL), GFP_KERNEL.gfp()] {
                let mut skipped = Vec::new();
                shrink_reporting(cx, gfp, 4096, |name| skipped.push(name));
                assert_eq!(skipped, ["dirty-writeback"]);
            }
        });
        assert_eq!((clean.load(Ordering::SeqCst), writeback.load(Ordering::SeqCst)), (3, 1));
    }
}

#[alloc_ctx::test]
fn a_failing_sleeping_request_runs_reclaim_and_uses_what_it_frees() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let backend = TestBackend::new();
    let freed = Arc::new(AtomicUsize::new(0));
    // A stand-in cache: the "memory" it frees is modelled by letting the
    // backend succeed again.
    static RELEASE: AtomicUsize = AtomicUsize::new(0);
    let _cache = register_shrinker(cx, "test-cache", ShrinkerNeeds::Nothing, {
        let freed = freed.clone();
        move |target| {
            freed.fetch_add(target, Ordering::SeqCst);
            RELEASE.store(1, Ordering::SeqCst);
            target
        }
    });
    backend.fail_next.set(1);
    {
        let buffer = cx.alloc_in(&backend, GFP_KERNEL, Size::<KmallocMax>::new(512).unwrap()).unwrap();
        assert_eq!(buffer.len(), 512);
    }
    assert_eq!(backend.calls.get(), 2, "one failure, reclaim, one success");
    assert!(freed.load(Ordering::SeqCst) >= 512);
    assert_eq!(RELEASE.load(Ordering::SeqCst), 1);
}

/// Runs `request` against a backend that always fails, with a shrinker that
/// counts the reclaim passes (and claims progress, so the request path does
/// not back off between passes); returns (passes, backend calls).
#[alloc_ctx::may_sleep]
fn passes_and_calls(request: impl FnOnce(&FailInject, &mut MaySleep)) -> (usize, usize) {
    common::quiet_reports();
    static PASSES: AtomicUsize = AtomicUsize::new(0);
    PASSES.store(0, Ordering::SeqCst);
    let _counter = register_shrinker(cx, "pass-counter", ShrinkerNeeds::Nothing, |target| {
        PASSES.fetch_add(1, Ordering::SeqCst);
        target
    });
    let backend = FailInject::new().fail_at_least(0);
    request(&backend, cx);
    assert_eq!(backend.failures(), backend.calls(), "every call failed");
    (PASSES.load(Ordering::SeqCst), backend.calls())
}

#[alloc_ctx::test]
fn requests_without_direct_reclaim_try_once_and_never_reclaim() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let size = Size::<KmallocMax>::new(64).unwrap();
    let atomic = passes_and_calls(cx, |b, _| NoWait::enter(|nw| assert!(nw.alloc_in(b, GFP_ATOMIC, size).is_err())));
    assert_eq!(atomic, (0, 1));
    // Through a sleep token too: the flags decide, not the token.
    let nowait = passes_and_calls(cx, |b, cx| assert!(cx.alloc_in(b, GFP_NOWAIT, size).is_err()));
    assert_eq!(nowait, (0, 1));
}

#[alloc_ctx::test]
fn noretry_runs_exactly_one_reclaim_pass() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let size = Size::<KmallocMax>::new(64).unwrap();
    let counts = passes_and_calls(cx, |b, cx| assert!(cx.alloc_in(b, GFP_KERNEL | __GFP_NORETRY, size).is_err()));
    assert_eq!(counts, (1, 2));
}

#[alloc_ctx::test]
fn plain_sleeping_requests_run_the_default_reclaim_passes() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let size = Size::<KmallocMax>::new(64).unwrap();
    let counts = passes_and_calls(cx, |b, cx| assert!(cx.alloc_in(b, GFP_NOIO, size).is_err()));
    let passes = DEFAULT_RECLAIM_PASSES as usize;
    assert_eq!(counts, (passes, 1 + passes));
}

#[alloc_ctx::test]
fn retry_mayfail_runs_max_reclaim_retries_passes() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let size = Size::<KmallocMax>::new(64).unwrap();
    let counts = passes_and_calls(cx, |b, cx| assert!(cx.alloc_in(b, GFP_KERNEL | __GFP_RETRY_MAYFAIL, size).is_err()));
    let passes = MAX_RECLAIM_RETRIES as usize;
    assert_eq!(counts, (passes, 1 + passes));
}

#[alloc_ctx::test]
fn nofail_reclaims_before_every_retry_until_it_succeeds() {
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let passes = Arc::new(AtomicUsize::new(0));
    let _counter = register_shrinker(cx, "nofail-pass-counter", ShrinkerNeeds::Nothing, {
        let passes = passes.clone();
        move |target| {
            passes.fetch_add(1, Ordering::SeqCst);
            target
        }
    });
    let backend = TestBackend::new();
    backend.fail_next.set(40); // past MAX_RECLAIM_RETRIES: only NOFAIL keeps going
    {
        let block = cx.alloc_in(&backend, GFP_KERNEL | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
        assert_eq!(block.len(), 64);
    }
    assert_eq!((passes.load(Ordering::SeqCst), backend.calls.get()), (40, 41));
}

/// Dropping a shrinker's handle inside an atomic section (an interrupt
/// handler) neither blocks nor panics: the shrinker is dead at once (no
/// reclaim pass calls it) and leaves the registry at its next use from a
/// sleeping context, as `vfree_atomic()` defers a free. (Registering, and
/// `unregister`, take a sleep token: under a spinlock they do not compile.)
#[alloc_ctx::test]
fn a_shrinker_handle_dropped_in_an_atomic_section_is_removed_later() {
    use alloc_ctx::reclaim::{registered_shrinkers, shrink};
    let _serial = SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let calls = Arc::new(AtomicUsize::new(0));
    let handle = register_shrinker(cx, "dropped-in-irq", ShrinkerNeeds::Nothing, {
        let calls = Arc::clone(&calls);
        move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            0
        }
    });
    let before = registered_shrinkers();
    NoWait::enter(move |_| drop(handle));
    assert_eq!(registered_shrinkers(), before, "the removal waits for a context that may sleep");
    shrink(cx, GFP_KERNEL.gfp(), 4096);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a dead shrinker is never called");
    assert_eq!(registered_shrinkers(), before - 1, "the reclaim pass forgot it");

    // Outside an atomic section, dropping removes it at once; so does
    // `unregister`.
    let dropped = register_shrinker(cx, "dropped", ShrinkerNeeds::Nothing, |_| 0);
    drop(dropped);
    assert_eq!(registered_shrinkers(), before - 1);
    let unregistered = register_shrinker(cx, "unregistered", ShrinkerNeeds::Nothing, |_| 0);
    unregistered.unregister(cx);
    assert_eq!(registered_shrinkers(), before - 1);
}
