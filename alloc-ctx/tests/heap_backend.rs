//! `backend::Heap`: a `GlobalAlloc` heap as a backend. Each entry point of
//! the heap is reached as the flags ask (`alloc_zeroed` for `__GFP_ZERO`,
//! `realloc` for growth, with the grown tail zeroed), a heap out of memory
//! is an `AllocError` that leaves the container as it was, and every block
//! goes back to the heap. Runs under Miri.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use alloc_ctx::backend::Heap;
use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{KVec, NoWait};

/// A heap over the system allocator that counts its calls and can run dry.
#[derive(Default)]
struct CountingHeap {
    alloc: AtomicUsize,
    alloc_zeroed: AtomicUsize,
    realloc: AtomicUsize,
    dealloc: AtomicUsize,
    live: AtomicUsize,
    dry: AtomicBool,
}

// SAFETY: forwards to the system allocator, or returns null.
unsafe impl GlobalAlloc for CountingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.alloc.fetch_add(1, Ordering::Relaxed);
        if self.dry.load(Ordering::Relaxed) {
            return std::ptr::null_mut();
        }
        self.live.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.alloc_zeroed.fetch_add(1, Ordering::Relaxed);
        self.live.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.realloc.fetch_add(1, Ordering::Relaxed);
        if self.dry.load(Ordering::Relaxed) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.dealloc.fetch_add(1, Ordering::Relaxed);
        self.live.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::Relaxed)
}

#[alloc_ctx::test]
fn zeroed_requests_use_alloc_zeroed_and_blocks_go_back_to_the_heap() {
    let heap = CountingHeap::default();
    {
        let size = Size::<KmallocMax>::new(64).unwrap();
        let zeroed = cx.alloc_in(Heap::wrap(&heap), GFP_KERNEL | __GFP_ZERO, size).unwrap();
        assert!(zeroed.iter().all(|&byte| byte == 0));
        let plain = cx.alloc_in(Heap::wrap(&heap), GFP_KERNEL, size).unwrap();
        assert_eq!((count(&heap.alloc_zeroed), count(&heap.alloc)), (1, 1));
        drop((zeroed, plain));
    };
    assert_eq!((count(&heap.dealloc), count(&heap.live)), (2, 0));
}

#[alloc_ctx::test]
fn growth_uses_realloc_and_zeroes_the_grown_tail() {
    let heap = CountingHeap::default();
    {
        let mut v = KVec::<u8, _>::new_in(Heap::wrap(&heap));
        v.push(1, GFP_KERNEL, cx).unwrap();
        let old_capacity = v.capacity();
        v.reserve(4096, GFP_KERNEL | __GFP_ZERO, cx).unwrap();
        assert_eq!(count(&heap.realloc), 1, "growth goes through the heap's realloc");
        // Bytes of the old block past the length were never zeroed; the grown tail is.
        let grown = &v.spare_capacity_mut()[old_capacity - 1..];
        assert!(grown.len() >= 4096 - old_capacity);
        // SAFETY: `__GFP_ZERO` growth zeroes the grown tail, so it is initialised.
        assert!(grown.iter().all(|byte| unsafe { byte.assume_init() } == 0));
        assert_eq!(v, [1]);
    };
    assert_eq!(count(&heap.live), 0);
}

#[alloc_ctx::test]
fn a_dry_heap_is_an_alloc_error_and_the_container_is_unchanged() {
    let heap = CountingHeap::default();
    let mut v = KVec::<u32, _>::new_in(Heap::wrap(&heap));
    v.push(1, GFP_KERNEL, cx).unwrap();
    let (ptr, capacity) = (v.as_ptr(), v.capacity());
    heap.dry.store(true, Ordering::Relaxed);
    NoWait::enter(|nw| {
        let error = v.reserve(1000, GFP_ATOMIC, nw).unwrap_err();
        assert_eq!(
            error.kind(),
            alloc_ctx::AllocErrorKind::OutOfMemory { size: 1001 * 4, align: 4, gfp: GFP_ATOMIC.gfp() }
        );
    });
    assert_eq!((v.as_ptr(), v.capacity(), v.as_slice()), (ptr, capacity, &[1][..]));
    drop(v);
    assert_eq!(count(&heap.live), 0);
}
