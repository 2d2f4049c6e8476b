//! Budget (limit, reserve, live and peak bytes) and FailInject (each mode),
//! through the Backend trait and through token requests.

mod common;

use std::alloc::Layout;

use alloc_ctx::backend::{Backend, Budget, FailInject};
use alloc_ctx::flags::*;
use alloc_ctx::size::{Kmalloc, Size};
use alloc_ctx::{KVec, MaySleep, NoWait};
use common::quiet_reports;

fn bytes(n: usize) -> Size<Kmalloc> {
    Size::new(n).unwrap()
}

/// One raw attempt of `size` bytes with `gfp`, freed at once.
fn attempt(backend: &impl Backend, size: usize, gfp: alloc_ctx::flags::Gfp) -> bool {
    let layout = Layout::from_size_align(size, 8).unwrap();
    match backend.allocate(layout, gfp) {
        Some(ptr) => {
            // SAFETY: just allocated by `backend` with `layout`.
            unsafe { backend.free(ptr, layout) };
            true
        }
        None => false,
    }
}

#[test]
fn only_high_priority_requests_may_use_the_budget_reserve() {
    quiet_reports();
    let budget = Budget::with_reserve(1024, 512);
    MaySleep::enter(|cx| {
        // Up to `limit - reserve` everyone may allocate.
        drop(cx.alloc_in(&budget, GFP_KERNEL, bytes(512)).unwrap());
        drop(cx.nowait().alloc_in(&budget, GFP_NOWAIT, bytes(512)).unwrap());
        // Past it, only __GFP_HIGH (GFP_ATOMIC) requests.
        assert!(cx.alloc_in(&budget, GFP_KERNEL, bytes(513)).is_err(), "GFP_KERNEL must not touch the reserve");
        assert!(cx.nowait().alloc_in(&budget, GFP_NOWAIT, bytes(513)).is_err(), "GFP_NOWAIT must not either");
        cx.nowait_scope(|nw| {
            let atomic = nw.alloc_in(&budget, GFP_ATOMIC, bytes(700)).expect("GFP_ATOMIC may use the reserve");
            assert_eq!(budget.live_bytes(), 700);
            drop(atomic);
            let high = nw.alloc_in(&budget, __GFP_HIGH, bytes(1024)).expect("__GFP_HIGH alone may use it too");
            assert!(nw.alloc_in(&budget, GFP_ATOMIC, bytes(1)).is_err(), "but not past the limit");
            drop(high);
        });
        // A sleeping request with __GFP_HIGH may as well.
        drop(cx.alloc_in(&budget, GFP_KERNEL | __GFP_HIGH, bytes(1024)).unwrap());
    });
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 1024));
}

#[test]
fn the_reserve_is_shared_with_ordinary_use() {
    // Ordinary requests fill `limit - reserve`; a GFP_ATOMIC one then still
    // finds the reserve; the next ordinary one finds nothing.
    let budget = Budget::with_reserve(1000, 200);
    NoWait::enter(|nw| {
        let ordinary = nw.alloc_in(&budget, GFP_NOWAIT, bytes(800)).unwrap();
        let atomic = nw.alloc_in(&budget, GFP_ATOMIC, bytes(200)).unwrap();
        assert_eq!(budget.live_bytes(), 1000);
        assert!(nw.alloc_in(&budget, GFP_NOWAIT | __GFP_NOWARN, bytes(1)).is_err());
        drop((ordinary, atomic));
    });
    assert_eq!(budget.live_bytes(), 0);
}

#[test]
fn budget_tracks_live_and_peak_bytes_across_alloc_realloc_and_free() {
    let budget = Budget::new(10_000);
    let gfp = GFP_KERNEL.gfp();
    let small = Layout::from_size_align(100, 8).unwrap();
    let large = Layout::from_size_align(3000, 8).unwrap();
    let a = budget.allocate(small, gfp).unwrap();
    let b = budget.allocate(large, gfp).unwrap();
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (3100, 3100));
    // SAFETY: `a` was allocated by `budget` with `small`; same alignment.
    let a = unsafe { budget.reallocate(a, small, large, gfp) }.unwrap();
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (6000, 6000), "growth is charged");
    // SAFETY: as above, now with `large`.
    let a = unsafe { budget.reallocate(a, large, small, gfp) }.unwrap();
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (3100, 6000), "shrinking gives bytes back");
    let huge = Layout::from_size_align(9000, 8).unwrap();
    // SAFETY: `a` is live with `small`; on failure it stays so.
    let refused = unsafe { budget.reallocate(a, small, huge, gfp) };
    assert!(refused.is_none(), "over the limit");
    assert_eq!(budget.live_bytes(), 3100, "a refused growth charges nothing");
    // SAFETY: both blocks are live with these layouts and not used again.
    unsafe {
        budget.free(a, small);
        budget.free(b, large);
    }
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 6000));
}

#[test]
fn budget_uncharges_when_the_inner_backend_fails() {
    let budget = Budget::wrap(FailInject::system().fail_nth(2), 1000);
    let gfp = GFP_ATOMIC.gfp();
    assert!(attempt(&budget, 300, gfp));
    assert!(!attempt(&budget, 300, gfp), "the inner backend fails call 2");
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 300));
    assert_eq!(budget.inner().calls(), 2);
}

#[test]
fn containers_are_accounted_through_their_growth() {
    let budget = Budget::new(1 << 16);
    MaySleep::enter(|cx| {
        let mut v = KVec::new_in(&budget);
        for i in 0..1000u32 {
            v.push(i, GFP_KERNEL, cx).unwrap();
            assert_eq!(budget.live_bytes(), v.capacity() * 4);
        }
    });
    assert_eq!(budget.live_bytes(), 0);
    assert!(budget.peak_bytes() >= 4000);
}

#[test]
fn fail_inject_fails_the_nth_call_only() {
    let backend = FailInject::system().fail_nth(3);
    let results: Vec<bool> = (0..5).map(|_| attempt(&backend, 16, GFP_ATOMIC.gfp())).collect();
    assert_eq!(results, [true, true, false, true, true]);
    assert_eq!((backend.calls(), backend.failures()), (5, 1));
}

#[test]
fn fail_inject_fails_every_nth_call() {
    let backend = FailInject::system().fail_every(3);
    let results: Vec<bool> = (0..7).map(|_| attempt(&backend, 16, GFP_ATOMIC.gfp())).collect();
    assert_eq!(results, [true, true, false, true, true, false, true]);
    assert_eq!(backend.failures(), 2);
}

#[test]
fn fail_inject_fails_requests_of_at_least_a_size() {
    let backend = FailInject::system().fail_at_least(100);
    assert!(attempt(&backend, 99, GFP_ATOMIC.gfp()));
    assert!(!attempt(&backend, 100, GFP_ATOMIC.gfp()));
    assert!(!attempt(&backend, 4096, GFP_ATOMIC.gfp()));
    assert_eq!(backend.failures(), 2);
}

#[test]
fn fail_inject_fails_requests_by_flags() {
    quiet_reports();
    let backend = FailInject::system().fail_flags(GFP_ATOMIC);
    MaySleep::enter(|cx| {
        cx.nowait_scope(|nw| {
            assert!(nw.alloc_in(&backend, GFP_ATOMIC, bytes(64)).is_err());
            assert!(nw.alloc_in(&backend, GFP_ATOMIC | __GFP_ZERO, bytes(64)).is_err(), "a superset of the bits");
            assert!(nw.alloc_in(&backend, GFP_NOWAIT, bytes(64)).is_ok(), "lacks __GFP_HIGH");
        });
        assert!(cx.alloc_in(&backend, GFP_KERNEL, bytes(64)).is_ok());
    });
    assert_eq!((backend.calls(), backend.failures()), (4, 2));
}

#[test]
fn fail_inject_sees_the_effective_flags() {
    quiet_reports();
    // Fail requests that may call into the filesystem: a NOFS scope turns
    // GFP_KERNEL into GFP_NOFS, which then succeeds.
    let backend = FailInject::system().fail_flags(__GFP_FS);
    MaySleep::enter(|cx| {
        assert!(cx.alloc_in(&backend, GFP_KERNEL | __GFP_NORETRY, bytes(64)).is_err());
        cx.nofs(|cx| assert!(cx.alloc_in(&backend, GFP_KERNEL, bytes(64)).is_ok()));
    });
}

#[test]
fn fail_inject_random_failures_follow_the_seed() {
    let pattern = |p: f64, seed: u64| -> Vec<bool> {
        let backend = FailInject::system().fail_randomly(p, seed);
        (0..1000).map(|_| attempt(&backend, 8, GFP_ATOMIC.gfp())).collect()
    };
    let first = pattern(0.25, 42);
    assert_eq!(first, pattern(0.25, 42), "the same seed fails the same calls");
    assert_ne!(first, pattern(0.25, 43), "another seed fails others");
    let failed = first.iter().filter(|ok| !**ok).count();
    assert!((150..=350).contains(&failed), "about a quarter fail: {failed}");
    assert!(pattern(0.0, 7).iter().all(|ok| *ok));
    assert!(pattern(1.0, 7).iter().all(|ok| !*ok));
}

#[test]
fn fail_inject_counts_reallocations() {
    quiet_reports();
    let backend = FailInject::system().fail_nth(2);
    NoWait::enter(|nw| {
        let mut v = KVec::new_in(&backend);
        v.extend_from_slice(&[1u8; 8], GFP_ATOMIC, nw).unwrap(); // call 1: allocate
        let error = v.extend_from_slice(&[2u8; 64], GFP_ATOMIC, nw).unwrap_err(); // call 2: reallocate
        assert!(matches!(error, alloc_ctx::AllocError::OutOfMemory { .. }));
        assert_eq!(v.as_slice(), &[1u8; 8], "the failed growth left the vector as it was");
        v.extend_from_slice(&[2u8; 64], GFP_ATOMIC, nw).unwrap(); // call 3
    });
    assert_eq!((backend.calls(), backend.failures()), (3, 1));
}

#[test]
fn fail_inject_composes_over_a_budget() {
    let backend = FailInject::new(Budget::new(100)).fail_every(2);
    let gfp = GFP_ATOMIC.gfp();
    assert!(attempt(&backend, 60, gfp)); // call 1
    assert!(!attempt(&backend, 60, gfp)); // call 2: injected
    let layout = Layout::from_size_align(60, 8).unwrap();
    let held = backend.allocate(layout, gfp).unwrap(); // call 3
    assert!(!attempt(&backend, 60, gfp)); // call 4: injected
    assert!(!attempt(&backend, 60, gfp)); // call 5: over the budget
    assert_eq!((backend.calls(), backend.failures()), (5, 2));
    assert_eq!(backend.inner().live_bytes(), 60);
    // SAFETY: allocated by `backend` with `layout` and not used again.
    unsafe { backend.free(held, layout) };
    assert_eq!((backend.inner().live_bytes(), backend.inner().peak_bytes()), (0, 60));
}
