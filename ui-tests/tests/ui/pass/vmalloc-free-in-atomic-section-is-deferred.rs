// Run-time rule (allocator families): freeing vmalloc- or kvmalloc-backed
// memory in an atomic section is not refused by type; the backend is told
// (`Free::must_defer`) so that kernel glue defers it as `vfree_atomic` does.
// A `KVVec` and a `VVec` replaced under a spinlock are freed with
// `must_defer()`; the same frees outside any section, and a `KVec`'s kfree
// under the lock, are not deferred.
use core::alloc::Layout;
use core::ptr::NonNull;
use std::sync::Mutex as StdMutex;

use alloc_ctx::BoundedVec;
use alloc_ctx::backend::{Backend, Free, Request, System};
use alloc_ctx::family::FamilyId;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, KvmallocMax, VmallocMax};
use alloc_ctx::sync::SpinLock;

static FREES: StdMutex<Vec<(FamilyId, bool)>> = StdMutex::new(Vec::new());

#[derive(Clone, Copy)]
struct Recorder;

// SAFETY: forwards every call to `System`, which upholds the contract.
unsafe impl Backend for Recorder {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        System.allocate(request)
    }
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller's contract.
        unsafe { System.free(ptr, layout) }
    }
    unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
        FREES.lock().unwrap().push((free.family(), free.must_defer()));
        // SAFETY: the caller's contract.
        unsafe { System.free(ptr, layout) }
    }
}

struct Tables {
    kv: BoundedVec<u64, KvmallocMax, Recorder>,
    v: BoundedVec<u64, VmallocMax, Recorder>,
    k: BoundedVec<u64, KmallocMax, Recorder>,
}

fn take() -> Vec<(FamilyId, bool)> {
    std::mem::take(&mut *FREES.lock().unwrap())
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let tables = SpinLock::new(Tables {
        kv: BoundedVec::with_capacity_in(16, Recorder, GFP_KERNEL, cx).unwrap(),
        v: BoundedVec::with_capacity_in(16, Recorder, GFP_KERNEL, cx).unwrap(),
        k: BoundedVec::with_capacity_in(16, Recorder, GFP_KERNEL, cx).unwrap(),
    });
    {
        let mut guard = tables.lock(cx);
        guard.kv = BoundedVec::new_in(Recorder);
        guard.v = BoundedVec::new_in(Recorder);
        guard.k = BoundedVec::new_in(Recorder);
    }
    assert_eq!(take(), [(FamilyId::KVmalloc, true), (FamilyId::Vmalloc, true), (FamilyId::Kmalloc, false)]);
    let again: BoundedVec<u64, VmallocMax, Recorder> =
        BoundedVec::with_capacity_in(16, Recorder, GFP_KERNEL, cx).unwrap();
    drop(again);
    assert_eq!(take(), [(FamilyId::Vmalloc, false)]);
}
