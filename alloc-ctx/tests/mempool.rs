//! Mempool: preallocated reserve, backend first, waiting sleeping requests,
//! failing non-sleeping ones, and where freed elements go.

mod common;

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx::flags::*;
use alloc_ctx::mempool::{Mempool, MempoolBox};
use alloc_ctx::sweep::{SweepBackend, sweep};
use alloc_ctx::{AllocError, AllocErrorKind, NoWait};
use common::quiet_reports;

type Element = [u64; 4];
const ELEMENT: usize = size_of::<Element>();

#[alloc_ctx::test]
fn creation_preallocates_min_nr_elements() {
    let budget = Budget::new(1024);
    {
        let pool = Mempool::<Element, _>::new_in(3, &budget, GFP_KERNEL, cx).unwrap();
        assert_eq!((pool.min_nr(), pool.available(), pool.waiters()), (3, 3, 0));
        assert_eq!(budget.live_bytes(), 3 * ELEMENT);
    }
    assert_eq!(budget.live_bytes(), 0, "dropping the pool frees its reserve");
}

#[alloc_ctx::test]
fn failed_creation_keeps_nothing() {
    quiet_reports();
    let budget = Budget::new(2 * ELEMENT);
    {
        let error = Mempool::<Element, _>::new_in(3, &budget, GFP_KERNEL | __GFP_NORETRY, cx).unwrap_err();
        assert!(matches!(error.kind(), AllocErrorKind::OutOfMemory { size: ELEMENT, .. }));
    }
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 2 * ELEMENT));
}

#[alloc_ctx::test]
fn requests_try_the_backend_before_the_reserve() {
    let budget = Budget::new(4 * ELEMENT);
    {
        let pool = Mempool::<Element, _>::new_in(2, &budget, GFP_KERNEL, cx).unwrap();
        let a = pool.alloc([1; 4], GFP_KERNEL, cx);
        let b = pool.alloc([2; 4], GFP_ATOMIC, cx.nowait()).unwrap();
        assert_eq!(pool.available(), 2, "the backend had room for both");
        assert_eq!(budget.live_bytes(), 4 * ELEMENT);
        let c = pool.alloc([3; 4], GFP_ATOMIC, cx.nowait()).unwrap();
        assert_eq!(pool.available(), 1, "the backend is full: the reserve served it");
        assert_eq!((a[0], b[0], c[0]), (1, 2, 3));
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn non_sleeping_requests_fail_when_backend_and_reserve_are_empty() {
    let budget = Budget::new(2 * ELEMENT);
    {
        let pool = Mempool::<Element, _>::new_in(2, &budget, GFP_KERNEL, cx).unwrap();
        let held: Vec<_> = (0..2).map(|i| pool.alloc([i; 4], GFP_KERNEL, cx)).collect();
        cx.nowait_scope(|nw| {
            let error = pool.alloc([9; 4], GFP_ATOMIC, nw).unwrap_err();
            assert_eq!(error.kind(), AllocErrorKind::OutOfMemory { size: ELEMENT, align: 8, gfp: GFP_ATOMIC.gfp() });
            assert!(pool.alloc([9; 4], GFP_NOWAIT, nw).is_err());
        });
        drop(held);
        assert_eq!(pool.available(), 2);
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn a_non_sleeping_pool_request_tries_the_backend_exactly_once() {
    let backend = FailInject::new().fail_at_least(0);
    // No reserve at all: one backend try, then the error.
    let pool = Mempool::<u64, _>::new_in(0, &backend, GFP_KERNEL, cx).unwrap();
    NoWait::enter(|nw| assert!(pool.alloc(1, GFP_ATOMIC, nw).is_err()));
    assert_eq!(backend.calls(), 1);
}

#[alloc_ctx::test]
fn freed_elements_refill_the_reserve_first_then_go_to_the_backend() {
    let budget = Budget::new(4 * ELEMENT);
    {
        let pool = Mempool::<Element, _>::new_in(2, &budget, GFP_KERNEL, cx).unwrap();
        let held: Vec<_> = (0..4).map(|i| pool.alloc([i; 4], GFP_KERNEL, cx)).collect();
        assert_eq!((pool.available(), budget.live_bytes()), (0, 4 * ELEMENT));
        let mut held = held.into_iter();
        drop(held.next());
        assert_eq!((pool.available(), budget.live_bytes()), (1, 4 * ELEMENT), "back into the reserve");
        drop(held.next());
        assert_eq!((pool.available(), budget.live_bytes()), (2, 4 * ELEMENT), "the reserve is full again");
        drop(held.next());
        assert_eq!((pool.available(), budget.live_bytes()), (2, 3 * ELEMENT), "freed to the backend");
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn values_are_dropped_exactly_once() {
    struct Counted(Rc<Cell<usize>>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    let drops = Rc::new(Cell::new(0));
    {
        let pool = Mempool::<Counted>::new(1, GFP_KERNEL, cx).unwrap();
        let first = pool.alloc(Counted(drops.clone()), GFP_KERNEL, cx);
        let second = pool.alloc(Counted(drops.clone()), GFP_KERNEL, cx);
        drop(first);
        assert_eq!(drops.get(), 1);
        let value = MempoolBox::into_inner(second);
        assert_eq!(drops.get(), 1, "into_inner moves the value out");
        drop(value);
        assert_eq!((drops.get(), pool.available()), (2, 1));
    }
}

#[alloc_ctx::test]
fn zero_sized_elements_never_allocate() {
    let budget = Budget::new(0);
    {
        let pool = Mempool::<(), _>::new_in(4, &budget, GFP_KERNEL, cx).unwrap();
        let units: Vec<_> = (0..8).map(|_| pool.alloc((), GFP_KERNEL, cx)).collect();
        assert_eq!(units.len(), 8);
        assert_eq!(budget.peak_bytes(), 0);
    }
}

#[alloc_ctx::test]
fn a_sleeping_request_waits_until_an_element_is_freed() {
    // The budget only holds the reserve, so once both elements are taken
    // the backend cannot help: the third request must wait for a free.
    let budget = Budget::new(2 * ELEMENT);
    let pool = Mempool::<Element, _>::new_in(2, &budget, GFP_KERNEL, cx).unwrap();
    let barrier = Barrier::new(2);
    alloc_ctx::thread::scope(cx, |scope, cx| {
        let holder = scope.spawn(cx, |cx| {
            let held: Vec<_> = (0..2).map(|i| pool.alloc([i; 4], GFP_KERNEL, cx)).collect();
            barrier.wait();
            let deadline = Instant::now() + Duration::from_secs(30);
            while pool.waiters() == 0 {
                assert!(Instant::now() < deadline, "the request never started waiting");
                std::thread::yield_now();
            }
            drop(held);
        });
        barrier.wait();
        let element = pool.alloc([7; 4], GFP_NOIO, cx);
        assert_eq!(element[0], 7);
        holder.join(cx).unwrap();
        drop(element);
    });
    assert_eq!((pool.available(), pool.waiters()), (2, 0));
    drop(pool);
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn pool_users_sweep_clean() {
    let report = sweep(|backend: &SweepBackend| {
        let pool = Mempool::<Element, _>::new_in(2, backend, GFP_KERNEL, cx)?;
        let first = pool.alloc([1; 4], GFP_KERNEL, cx);
        let second = cx.nowait_scope(|nw| pool.alloc([2; 4], GFP_ATOMIC, nw))?;
        Ok::<_, AllocError>(first[0] + second[0])
    });
    // Two reserve elements, then one backend try per request.
    assert_eq!((report.points, report.failures_handled, report.not_reached), (4, 4, 0));
    // Only a failed creation returns an error: the requests fall back on
    // the reserve.
    assert_eq!(report.errors_returned, 2);
}
