//! [`Heap`]: any `GlobalAlloc` heap as a backend, in one line.

use core::alloc::{GlobalAlloc, Layout};
use core::ops::Deref;
use core::ptr::NonNull;

use super::{Backend, Request};

/// A [`GlobalAlloc`] heap (embedded-alloc, talc, linked_list_allocator, a
/// kernel's or an RTOS's) as a [`Backend`]: `Heap::wrap(&HEAP)`.
///
/// `H` is a handle to the heap: usually `&'static` a heap in a `static`,
/// which need not be the `#[global_allocator]` (firmware that does not
/// link the `alloc` crate has none; then only token requests, whose flags
/// and sizes the compiler checked, reach the heap). `Heap<&H>` is `Copy`,
/// so one static wrapper serves every container. `__GFP_ZERO` is honoured
/// with `alloc_zeroed` (and by zeroing the grown tail after `realloc`);
/// the other flags are for the request layer.
///
/// The heap must not block, as every backend
/// ([`Backend`](super::Backend#safety)): requests reach it from interrupt
/// handlers and under spinlocks. Heaps for bare metal take a critical
/// section or a spinlock around each call (embedded-alloc, talc with
/// `spin`, linked_list_allocator's `LockedHeap`), which is fine.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use core::alloc::{GlobalAlloc, Layout};
/// use alloc_ctx::backend::Heap;
/// use alloc_ctx::{KVec, MaySleep, NoWait, flags::*};
///
/// /// Stands for embedded-alloc's `LlffHeap` or talc's `Talck`: any heap.
/// struct FirmwareHeap;
/// // SAFETY: forwards to the system allocator.
/// unsafe impl GlobalAlloc for FirmwareHeap {
///     unsafe fn alloc(&self, layout: Layout) -> *mut u8 { unsafe { std::alloc::System.alloc(layout) } }
///     unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) { unsafe { std::alloc::System.dealloc(ptr, layout) } }
/// }
///
/// static HEAP: FirmwareHeap = FirmwareHeap;
/// static BACKEND: Heap<&FirmwareHeap> = Heap::wrap(&HEAP); // the one line
///
/// let mut ring = KVec::<u32, _>::new_in(BACKEND);
/// ring.reserve(16, GFP_KERNEL, cx).unwrap();
/// NoWait::enter(|nw| ring.push(7, GFP_ATOMIC, nw)).unwrap();
/// assert_eq!(ring, [7]);
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heap<H> {
    heap: H,
}

impl<H> Heap<H> {
    /// The heap behind `heap` (a `&'static` reference, usually) as a
    /// backend; usable in a `static`.
    #[inline]
    pub const fn wrap(heap: H) -> Heap<H> {
        Heap { heap }
    }

    /// The handle to the heap (for its own statistics, e.g.
    /// embedded-alloc's `used()`).
    #[inline]
    pub const fn get(&self) -> &H {
        &self.heap
    }
}

// SAFETY: `GlobalAlloc`'s contract (an `unsafe` trait) is the backend's:
// `alloc`/`alloc_zeroed` return null or a block of the layout's size and
// alignment, unaliased and valid until `dealloc`/`realloc`; `realloc` keeps
// the old block on failure and copies `min(old, new)` bytes; the grown tail
// is zeroed below for `__GFP_ZERO`. Every `Request` has a non-zero size, as
// `GlobalAlloc` requires. Not blocking is the heap's part, documented on
// `Heap`.
unsafe impl<H: Deref<Target: GlobalAlloc>> Backend for Heap<H> {
    #[inline]
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        let layout = request.layout();
        // SAFETY: a `Request`'s layout has a non-zero size.
        let block =
            unsafe { if request.gfp().zeroed() { self.heap.alloc_zeroed(layout) } else { self.heap.alloc(layout) } };
        NonNull::new(block)
    }

    #[inline]
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: `ptr` came from this heap with `layout` (the caller's
        // contract).
        unsafe { self.heap.dealloc(ptr.as_ptr(), layout) }
    }

    #[inline]
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        let new = request.layout();
        // SAFETY: `ptr` came from this heap with `old` (the caller's
        // contract); `new.size()` is non-zero (a `Request`'s) and, the size
        // of a valid layout of `old`'s alignment (the caller's contract),
        // does not overflow `isize` when rounded up to it.
        let fresh = NonNull::new(unsafe { self.heap.realloc(ptr.as_ptr(), old, new.size()) })?;
        if request.gfp().zeroed() && new.size() > old.size() {
            // SAFETY: the block is valid for `new.size()` bytes; the tail
            // past `old.size()` is inside it.
            unsafe { fresh.as_ptr().add(old.size()).write_bytes(0, new.size() - old.size()) };
        }
        Some(fresh)
    }
}
