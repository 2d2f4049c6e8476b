//! Allocator families at run time: every request carries its container's
//! family to the backend (`Request::family`), a free tells the backend
//! whether it must be deferred (`Free::must_defer`, what kernel glue turns
//! into `vfree_atomic`), and a non-blocking `KVVec` request is bounded by
//! `KMALLOC_MAX_SIZE`. The type-level rules are in the unit test of
//! `vocab/family/rules.rs` and in `ui-tests`.

use core::alloc::Layout;
use core::ptr::NonNull;
use std::sync::Mutex;

use alloc_ctx::backend::{Backend, Budget, Free, Request, System};
use alloc_ctx::family::FamilyId;
use alloc_ctx::flags::*;
use alloc_ctx::size::{KMALLOC_MAX_SIZE, KvmallocMax, Size};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KBox, KVBox, KVVec, KVec, VBox, VVec};

/// What the backend saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Request(FamilyId),
    Free(Free),
    /// A free through the plain `free` (no family).
    PlainFree,
}

/// Serves from `System` and records what each call was told.
#[derive(Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl Recorder {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    fn note(&self, seen: Seen) {
        self.0.lock().unwrap().push(seen);
    }
}

// SAFETY: every block comes from `System`, which upholds the contract.
unsafe impl Backend for Recorder {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        self.note(Seen::Request(request.family()));
        System.allocate(request)
    }
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        self.note(Seen::PlainFree);
        // SAFETY: forwarded.
        unsafe { System.free(ptr, layout) }
    }
    unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
        self.note(Seen::Free(free));
        // SAFETY: forwarded to `System` directly (not through `free`).
        unsafe { System.free(ptr, layout) }
    }
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        self.note(Seen::Request(request.family()));
        // SAFETY: forwarded.
        unsafe { System.reallocate(ptr, old, request) }
    }
}

fn frees(seen: &[Seen]) -> Vec<Free> {
    seen.iter()
        .filter_map(|seen| match seen {
            Seen::Free(free) => Some(*free),
            _ => None,
        })
        .collect()
}

#[alloc_ctx::test]
fn every_request_carries_its_containers_family() {
    let backend = Recorder::default();
    {
        let mut list = KVec::<u32, _>::new_in(&backend);
        list.push(1, GFP_KERNEL, cx).unwrap();
        list.reserve(100, GFP_KERNEL, cx).unwrap(); // a reallocation
        let mut table = KVVec::<u32, _>::new_in(&backend);
        table.push(1, GFP_KERNEL, cx).unwrap();
        cx.nowait_scope(|nw| table.reserve(100, GFP_ATOMIC, nw)).unwrap();
        let mut pages = VVec::<u32, _>::new_in(&backend);
        pages.push(1, GFP_KERNEL, cx).unwrap();
        let boxes = (
            KBox::new_in(1u8, &backend, GFP_KERNEL, cx).unwrap(),
            KVBox::new_in(2u8, &backend, GFP_KERNEL, cx).unwrap(),
            VBox::new_in(3u8, &backend, GFP_KERNEL, cx).unwrap(),
        );
        let requests: Vec<_> = backend.take().into_iter().filter(|seen| matches!(seen, Seen::Request(_))).collect();
        use FamilyId::*;
        let expected = [Kmalloc, Kmalloc, KVmalloc, KVmalloc, Vmalloc, Kmalloc, KVmalloc, Vmalloc].map(Seen::Request);
        assert_eq!(requests, expected);
        drop((list, table, pages, boxes));
    };
}

#[alloc_ctx::test]
fn a_vmalloc_backed_free_in_an_atomic_section_is_marked_for_deferral() {
    let backend = Recorder::default();
    {
        // Outside any atomic section: freed at once, whatever the family.
        let table = KVVec::<u8, _>::with_capacity_in(64, &backend, GFP_KERNEL, cx).unwrap();
        drop(table);
        let freed = frees(&backend.take());
        assert_eq!(freed.len(), 1);
        assert_eq!((freed[0].family(), freed[0].atomic(), freed[0].must_defer()), (FamilyId::KVmalloc, false, false));

        // Inside a nowait scope: a kvmalloc or vmalloc free must be deferred.
        let table = KVVec::<u8, _>::with_capacity_in(64, &backend, GFP_KERNEL, cx).unwrap();
        let pages = VBox::new_in([0u8; 256], &backend, GFP_KERNEL, cx).unwrap();
        let list = KVec::<u8, _>::with_capacity_in(64, &backend, GFP_KERNEL, cx).unwrap();
        cx.nowait_scope(|_| drop((table, pages, list)));
        let freed = frees(&backend.take());
        let summary: Vec<_> = freed.iter().map(|free| (free.family(), free.must_defer())).collect();
        // A `kfree` never sleeps: nothing to defer.
        assert_eq!(summary, [(FamilyId::KVmalloc, true), (FamilyId::Vmalloc, true), (FamilyId::Kmalloc, false)]);
    };
}

#[alloc_ctx::test]
fn an_8_mib_kvvec_replaced_under_a_spinlock_is_marked_for_deferral() {
    let backend = Recorder::default();
    {
        let big = KVVec::<u64, _>::with_capacity_in(1 << 20, &backend, GFP_KERNEL, cx).unwrap(); // 8 MiB
        let lock = SpinLock::new(big);
        let _ = backend.take();
        {
            let mut guard = lock.lock(cx);
            *guard = KVVec::new_in(&backend); // the old 8 MiB buffer is freed here
        }
        let freed = frees(&backend.take());
        assert_eq!(freed.len(), 1);
        assert!(freed[0].atomic() && freed[0].must_defer(), "{freed:?}");
        // Shrinking to nothing in an atomic section frees too.
        let mut table = KVVec::<u64, _>::with_capacity_in(16, &backend, GFP_KERNEL, cx).unwrap();
        cx.nowait_scope(|nw| table.shrink_to(0, GFP_ATOMIC, nw)).unwrap();
        let freed = frees(&backend.take());
        assert_eq!(freed.iter().map(Free::must_defer).collect::<Vec<_>>(), [true]);
    };
}

#[alloc_ctx::test]
fn wrappers_forward_what_a_free_is_told() {
    let recorder = Recorder::default();
    let budget = Budget::wrap(&recorder, 1 << 20);
    {
        let pages = VVec::<u8, _>::with_capacity_in(64, &budget, GFP_KERNEL, cx).unwrap();
        cx.nowait_scope(|_| drop(pages));
    };
    let seen = recorder.take();
    assert!(!seen.contains(&Seen::PlainFree), "the family was lost on the way: {seen:?}");
    assert_eq!(
        frees(&seen).iter().map(|free| (free.family(), free.must_defer())).collect::<Vec<_>>(),
        [(FamilyId::Vmalloc, true)]
    );
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn a_non_blocking_kvvec_request_is_bounded_by_kmalloc_max_size() {
    let mut table = KVVec::<u8>::new();
    // Sleeping: kvmalloc may fall back to vmalloc, so 5 MiB is fine.
    table.reserve_exact(5 << 20, GFP_KERNEL, cx).unwrap();
    let mut other = KVVec::<u8>::new();
    // Non-blocking: kmalloc alone serves it, so 5 MiB is over the bound,
    // refused before any request, and the vector is unchanged.
    let error = cx.nowait_scope(|nw| other.reserve_exact(5 << 20, GFP_ATOMIC, nw)).unwrap_err();
    let size_error = error.size_error().expect("a size error");
    assert_eq!((size_error.bound(), size_error.max()), ("KMALLOC_MAX_SIZE", KMALLOC_MAX_SIZE));
    assert_eq!(other.capacity(), 0);
    // Exactly KMALLOC_MAX_SIZE is served.
    cx.nowait_scope(|nw| other.reserve_exact(KMALLOC_MAX_SIZE, GFP_ATOMIC, nw)).unwrap();
    // A checked size: a `Size<KvmallocMax>` with sleeping flags.
    let mut grown = KVVec::<u8>::new();
    grown.grow_to(Size::<KvmallocMax>::new(6 << 20).unwrap(), GFP_KERNEL, cx).unwrap();
    assert!(grown.capacity() >= 6 << 20);
}
