//! Shrinkers run by sleeping requests, filtered by the effective flags.
//! (Its own test binary: the shrinker registry is process-wide.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::MaySleep;
use alloc_ctx::flags::*;
use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker, shrink_reporting};
use alloc_ctx::size::{Kmalloc, Size};
use common::TestBackend;

/// The registry is shared by the whole process: one test at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn noio_scopes_skip_shrinkers_that_need_io() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let clean = Arc::new(AtomicUsize::new(0));
    let writeback = Arc::new(AtomicUsize::new(0));
    let _clean = register_shrinker("clean-cache", ShrinkerNeeds::Nothing, {
        let clean = clean.clone();
        move |_| {
            clean.fetch_add(1, Ordering::SeqCst);
            0
        }
    });
    let _writeback = register_shrinker("dirty-writeback", ShrinkerNeeds::Io, {
        let writeback = writeback.clone();
        move |_| {
            writeback.fetch_add(1, Ordering::SeqCst);
            0
        }
    });
    MaySleep::enter(|mut cx| {
        let mut skipped = Vec::new();
        shrink_reporting(cx.effective(GFP_KERNEL), 4096, |name| skipped.push(name));
        assert!(skipped.is_empty());
        assert_eq!((clean.load(Ordering::SeqCst), writeback.load(Ordering::SeqCst)), (1, 1));

        cx.noio(|cx| {
            // Even GFP_KERNEL is served as GFP_NOIO in here, and the raw
            // GFP_KERNEL bits are masked again by the thread's scope state.
            for gfp in [cx.effective(GFP_KERNEL), GFP_KERNEL.gfp()] {
                let mut skipped = Vec::new();
                shrink_reporting(gfp, 4096, |name| skipped.push(name));
                assert_eq!(skipped, ["dirty-writeback"]);
            }
        });
        assert_eq!((clean.load(Ordering::SeqCst), writeback.load(Ordering::SeqCst)), (3, 1));
    });
}

#[test]
fn a_failing_sleeping_request_runs_reclaim_and_uses_what_it_frees() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let backend = Arc::new(TestBackend::new());
    let freed = Arc::new(AtomicUsize::new(0));
    // A stand-in cache: the "memory" it frees is modelled by letting the
    // backend succeed again.
    static RELEASE: AtomicUsize = AtomicUsize::new(0);
    let _cache = register_shrinker("test-cache", ShrinkerNeeds::Nothing, {
        let freed = freed.clone();
        move |target| {
            freed.fetch_add(target, Ordering::SeqCst);
            RELEASE.store(1, Ordering::SeqCst);
            target
        }
    });
    backend.fail_next.set(1);
    MaySleep::enter(|cx| {
        let buffer = cx.alloc_in(&*backend, GFP_KERNEL, Size::<Kmalloc>::new(512).unwrap()).unwrap();
        assert_eq!(buffer.len(), 512);
    });
    assert_eq!(backend.calls.get(), 2, "one failure, reclaim, one success");
    assert!(freed.load(Ordering::SeqCst) >= 512);
    assert_eq!(RELEASE.load(Ordering::SeqCst), 1);
}
