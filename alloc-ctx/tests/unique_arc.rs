//! `UniqueArc` and `ArcBorrow`: allocate before sharing (binder's way of
//! allocating before taking a lock), initialise without a request, share;
//! borrowed handles count only when kept. Runs under Miri.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::NoWait;
use alloc_ctx::arc::{Arc, ArcBorrow, UniqueArc};
use alloc_ctx::backend::Budget;
use alloc_ctx::flags::*;
use alloc_ctx::sync::SpinLock;

/// Counts its drops.
struct Tracked<'a>(&'a AtomicUsize, u32);
impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[alloc_ctx::test]
fn allocated_before_the_lock_initialised_and_shared_under_it_without_a_request() {
    let budget = Budget::new(1024);
    let drops = AtomicUsize::new(0);
    let published: SpinLock<Option<Arc<Tracked<'_>, &Budget>>> = SpinLock::new(None);
    {
        let node = UniqueArc::<Tracked<'_>, _>::new_uninit_in(&budget, GFP_KERNEL, cx).unwrap();
        let allocated = budget.live_bytes();
        assert!(allocated >= size_of::<Tracked<'_>>());
        let mut slot = published.lock(cx);
        let mut node = node.write(Tracked(&drops, 1));
        node.1 += 1;
        *slot = Some(node.into_arc());
        assert_eq!(budget.live_bytes(), allocated, "writing and sharing make no request");
        let shared = Arc::clone(slot.as_ref().unwrap());
        assert_eq!((shared.1, Arc::strong_count(&shared)), (2, 2));
    };
    assert_eq!(drops.load(Ordering::Relaxed), 0);
    drop(published);
    assert_eq!(drops.load(Ordering::Relaxed), 1, "the value is dropped once, with the last handle");
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn an_uninitialised_handle_frees_its_block_and_drops_nothing() {
    let budget = Budget::new(1024);
    {
        let slot = UniqueArc::<Tracked<'static>, _>::new_uninit_in(&budget, GFP_KERNEL, cx).unwrap();
        assert!(budget.live_bytes() > 0);
        drop(slot); // a `Tracked` here would be garbage: it must not be dropped
    };
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn a_failed_allocation_is_an_error_and_nofail_is_the_handle() {
    let empty = Budget::new(0);
    NoWait::enter(|nw| assert!(UniqueArc::<u64, _>::new_uninit_in(&empty, GFP_ATOMIC, nw).is_err()));
    {
        let unique: UniqueArc<u64> = UniqueArc::new(3, GFP_KERNEL | __GFP_NOFAIL, cx);
        let uninit = UniqueArc::<u64>::new_uninit(GFP_KERNEL | __GFP_NOFAIL, cx);
        assert_eq!(*unique + *uninit.write(4), 7);
    };
}

#[alloc_ctx::test]
fn exactly_one_of_the_last_handles_becomes_unique() {
    let drops = AtomicUsize::new(0);
    let arc = Arc::new(Tracked(&drops, 5), GFP_KERNEL, cx).unwrap();
    let handles: Vec<_> = (0..4).map(|_| Arc::clone(&arc)).collect();
    drop(arc);
    let winners = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for handle in handles {
            scope.spawn(|| {
                if let Some(mut unique) = Arc::into_unique_or_drop(handle) {
                    unique.as_mut().get_mut().1 += 1; // `Tracked` is `Unpin`
                    assert_eq!(unique.1, 6);
                    winners.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(winners.load(Ordering::Relaxed), 1);
    assert_eq!(drops.load(Ordering::Relaxed), 1);
}

#[alloc_ctx::test]
fn a_pinned_unique_handle_shares_as_a_pinned_arc() {
    let unique = UniqueArc::new(String::from("node"), GFP_KERNEL, cx).unwrap();
    let pinned: Pin<UniqueArc<String>> = unique.into();
    let shared: Pin<Arc<String>> = pinned.into();
    assert_eq!(shared.as_str(), "node");
}

#[alloc_ctx::test]
fn a_borrow_counts_only_when_kept() {
    fn callback(node: ArcBorrow<'_, u32>, keep: bool) -> Option<Arc<u32>> {
        assert_eq!(*node, 8);
        keep.then(|| node.into())
    }
    {
        let node = Arc::new(8u32, GFP_KERNEL, cx).unwrap();
        assert!(callback(node.as_arc_borrow(), false).is_none());
        assert_eq!(Arc::strong_count(&node), 1);
        let kept = callback(node.as_arc_borrow(), true).unwrap();
        assert_eq!(Arc::strong_count(&node), 2);
        drop(kept);

        let raw = Arc::into_raw(node);
        // SAFETY: from `into_raw`; the handle is taken back after the borrow.
        let borrowed = unsafe { ArcBorrow::<u32>::from_raw(raw) };
        let copy = borrowed;
        assert_eq!(*copy + *borrowed, 16);
        // SAFETY: from `into_raw`, taken back once.
        let node = unsafe { Arc::<u32>::from_raw(raw) };
        assert_eq!(Arc::strong_count(&node), 1);
    };
}
