//! Budget (limit, reserve, live and peak bytes) and FailInject (each mode),
//! through token requests: a backend is reached only through a `Request`,
//! which only the crate's request path makes.

mod common;

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;

use alloc_ctx::backend::{Backend, Budget, FailInject, Request};
use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{KVec, NoWait};
use common::quiet_reports;

fn bytes(n: usize) -> Size<KmallocMax> {
    Size::new(n).unwrap()
}

/// One attempt of `size` bytes: a `GFP_ATOMIC` request (no reclaim, no
/// retry: exactly one backend call), freed at once.
fn attempt(nw: &mut NoWait, backend: &impl Backend, size: usize) -> bool {
    quiet_reports();
    nw.alloc_in(backend, GFP_ATOMIC, bytes(size)).is_ok()
}

/// A backend that keeps the last block freed into it and serves the next
/// allocation by reallocating that block (a one-slot cache, as a
/// slab-recycling wrapper would): the way a request path that only grows
/// blocks still makes the wrapped backend shrink one.
struct Recycler<B: Backend> {
    inner: B,
    spare: Cell<Option<(NonNull<u8>, Layout)>>,
}

impl<B: Backend> Recycler<B> {
    fn new(inner: B) -> Self {
        Recycler { inner, spare: Cell::new(None) }
    }
}

// SAFETY: every block comes from `inner` (a recycled one is handed to
// `inner.reallocate` with the layout it was allocated with, which has the
// request's alignment as checked below), and is held by the cache only
// while no one else owns it.
unsafe impl<B: Backend> Backend for Recycler<B> {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        match self.spare.take() {
            Some((block, layout)) if layout.align() == request.layout().align() => {
                // SAFETY: `block` came from `inner` with `layout`, and the
                // alignments match; on failure it stays ours.
                let fresh = unsafe { self.inner.reallocate(block, layout, request) };
                if fresh.is_none() {
                    self.spare.set(Some((block, layout)));
                }
                fresh
            }
            other => {
                self.spare.set(other);
                self.inner.allocate(request)
            }
        }
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        if let Some((block, old)) = self.spare.replace(Some((ptr, layout))) {
            // SAFETY: the cached block came from `inner` with `old` and
            // nobody else holds it.
            unsafe { self.inner.free(block, old) };
        }
    }

    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.reallocate(ptr, old, request) }
    }
}

impl<B: Backend> Drop for Recycler<B> {
    fn drop(&mut self) {
        if let Some((block, layout)) = self.spare.take() {
            // SAFETY: the cached block came from `inner` with `layout`.
            unsafe { self.inner.free(block, layout) };
        }
    }
}

#[alloc_ctx::test]
fn only_high_priority_requests_may_use_the_budget_reserve() {
    quiet_reports();
    let budget = Budget::with_reserve(1024, 512);
    {
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
    }
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

#[alloc_ctx::test]
fn budget_tracks_live_and_peak_bytes_across_alloc_realloc_and_free() {
    quiet_reports();
    let budget = Budget::new(10_000);
    // Allocation and growth through token requests (a vector grows by
    // `Backend::reallocate`); shrinking through a wrapping backend that
    // recycles a freed block for a smaller request.
    let recycler = Recycler::new(&budget);
    {
        let mut a: KVec<u8, _> = KVec::with_capacity_in(100, &recycler, GFP_KERNEL, cx).unwrap();
        let b = cx.alloc_in(&budget, GFP_KERNEL, bytes(3000)).unwrap();
        assert_eq!((budget.live_bytes(), budget.peak_bytes()), (3100, 3100));
        a.grow_to(bytes(3000), GFP_KERNEL, cx).unwrap();
        assert_eq!(a.capacity(), 3000);
        assert_eq!((budget.live_bytes(), budget.peak_bytes()), (6000, 6000), "growth is charged");
        drop(a); // kept by the recycler: still charged
        assert_eq!(budget.live_bytes(), 6000);
        let mut a: KVec<u8, _> = KVec::with_capacity_in(100, &recycler, GFP_KERNEL, cx).unwrap();
        assert_eq!(a.capacity(), 100);
        assert_eq!((budget.live_bytes(), budget.peak_bytes()), (3100, 6000), "shrinking gives bytes back");
        a.extend_from_slice(&[7; 100], GFP_KERNEL, cx).unwrap();
        let refused = a.grow_to(bytes(9000), GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, cx);
        assert!(
            matches!(refused.map_err(|e| e.kind()), Err(alloc_ctx::AllocErrorKind::OutOfMemory { size: 9000, .. })),
            "over the limit"
        );
        assert_eq!(budget.live_bytes(), 3100, "a refused growth charges nothing");
        assert_eq!((a.capacity(), a.as_slice()), (100, &[7; 100][..]), "and leaves the block as it was");
        drop((a, b));
    }
    drop(recycler);
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 6000));
}

#[alloc_ctx::test]
fn budget_uncharges_when_the_inner_backend_fails() {
    let budget = Budget::wrap(FailInject::new().fail_nth(2), 1000);
    {
        assert!(attempt(cx, &budget, 300));
        assert!(!attempt(cx, &budget, 300), "the inner backend fails call 2");
    }
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 300));
    assert_eq!(budget.inner().calls(), 2);
}

#[alloc_ctx::test]
fn containers_are_accounted_through_their_growth() {
    let budget = Budget::new(1 << 16);
    {
        let mut v = KVec::new_in(&budget);
        for i in 0..1000u32 {
            v.push(i, GFP_KERNEL, cx).unwrap();
            assert_eq!(budget.live_bytes(), v.capacity() * 4);
        }
    }
    assert_eq!(budget.live_bytes(), 0);
    assert!(budget.peak_bytes() >= 4000);
}

#[alloc_ctx::test]
fn fail_inject_fails_the_nth_call_only() {
    let backend = FailInject::new().fail_nth(3);
    let results: Vec<bool> = (0..5).map(|_| attempt(cx, &backend, 16)).collect();
    assert_eq!(results, [true, true, false, true, true]);
    assert_eq!((backend.calls(), backend.failures()), (5, 1));
}

#[alloc_ctx::test]
fn fail_inject_fails_every_nth_call() {
    let backend = FailInject::new().fail_every(3);
    let results: Vec<bool> = (0..7).map(|_| attempt(cx, &backend, 16)).collect();
    assert_eq!(results, [true, true, false, true, true, false, true]);
    assert_eq!(backend.failures(), 2);
}

#[alloc_ctx::test]
fn fail_inject_fails_requests_of_at_least_a_size() {
    let backend = FailInject::new().fail_at_least(100);
    {
        assert!(attempt(cx, &backend, 99));
        assert!(!attempt(cx, &backend, 100));
        assert!(!attempt(cx, &backend, 4096));
    }
    assert_eq!(backend.failures(), 2);
}

#[alloc_ctx::test]
fn fail_inject_fails_requests_by_flags() {
    quiet_reports();
    let backend = FailInject::new().fail_flags(GFP_ATOMIC);
    {
        cx.nowait_scope(|nw| {
            assert!(nw.alloc_in(&backend, GFP_ATOMIC, bytes(64)).is_err());
            assert!(nw.alloc_in(&backend, GFP_ATOMIC | __GFP_ZERO, bytes(64)).is_err(), "a superset of the bits");
            assert!(nw.alloc_in(&backend, GFP_NOWAIT, bytes(64)).is_ok(), "lacks __GFP_HIGH");
        });
        assert!(cx.alloc_in(&backend, GFP_KERNEL, bytes(64)).is_ok());
    }
    assert_eq!((backend.calls(), backend.failures()), (4, 2));
}

#[alloc_ctx::test]
fn fail_inject_sees_the_effective_flags() {
    quiet_reports();
    // Fail requests that may call into the filesystem: a NOFS scope turns
    // GFP_KERNEL into GFP_NOFS, which then succeeds.
    let backend = FailInject::new().fail_flags(__GFP_FS);
    {
        assert!(cx.alloc_in(&backend, GFP_KERNEL | __GFP_NORETRY, bytes(64)).is_err());
        cx.nofs(|cx| assert!(cx.alloc_in(&backend, GFP_KERNEL, bytes(64)).is_ok()));
    }
}

#[alloc_ctx::test]
fn fail_inject_random_failures_follow_the_seed() {
    let mut pattern = |p: f64, seed: u64| -> Vec<bool> {
        let backend = FailInject::new().fail_randomly(p, seed);
        (0..1000).map(|_| attempt(cx, &backend, 8)).collect()
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
    let backend = FailInject::new().fail_nth(2);
    NoWait::enter(|nw| {
        let mut v = KVec::new_in(&backend);
        v.extend_from_slice(&[1u8; 8], GFP_ATOMIC, nw).unwrap(); // call 1: allocate
        let error = v.extend_from_slice(&[2u8; 64], GFP_ATOMIC, nw).unwrap_err(); // call 2: reallocate
        assert!(error.is_out_of_memory());
        assert_eq!(v.as_slice(), &[1u8; 8], "the failed growth left the vector as it was");
        v.extend_from_slice(&[2u8; 64], GFP_ATOMIC, nw).unwrap(); // call 3
    });
    assert_eq!((backend.calls(), backend.failures()), (3, 1));
}

#[test]
fn fail_inject_composes_over_a_budget() {
    let backend = FailInject::wrap(Budget::new(100)).fail_every(2);
    NoWait::enter(|nw| {
        assert!(attempt(nw, &backend, 60)); // call 1
        assert!(!attempt(nw, &backend, 60)); // call 2: injected
        let held = nw.alloc_in(&backend, GFP_ATOMIC, bytes(60)).unwrap(); // call 3
        assert!(!attempt(nw, &backend, 60)); // call 4: injected
        assert!(!attempt(nw, &backend, 60)); // call 5: over the budget
        assert_eq!((backend.calls(), backend.failures()), (5, 2));
        assert_eq!(backend.inner().live_bytes(), 60);
        drop(held);
    });
    assert_eq!((backend.inner().live_bytes(), backend.inner().peak_bytes()), (0, 60));
}
