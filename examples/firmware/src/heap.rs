//! The firmware's heap as an alloc-ctx [`Backend`].
//!
//! The memory is embedded-alloc's linked-list first-fit heap, called
//! through its `GlobalAlloc` methods but never installed as the global
//! allocator: the firmware does not link the `alloc` crate, so nothing but
//! alloc-ctx requests (made through a token, with flags checked against
//! the context) can reach it. The heap takes a critical section around each
//! call, so a handler may allocate from it while the code it interrupted
//! was not.

use core::alloc::{GlobalAlloc, Layout};
use core::mem::MaybeUninit;
use core::ops::Range;
use core::ptr::NonNull;

use alloc_ctx::backend::{Backend, Request};
use embedded_alloc::LlffHeap;

/// A heap in a `'static` buffer, handed out only as a backend.
pub struct Heap {
    inner: LlffHeap,
}

impl Heap {
    /// A heap without memory yet (usable in a `static`).
    pub const fn empty() -> Heap {
        Heap { inner: LlffHeap::empty() }
    }

    /// Gives the heap its memory, for the rest of the program.
    ///
    /// # Panics
    ///
    /// If called twice, or with an empty buffer.
    pub fn init(&self, memory: &'static mut [MaybeUninit<u8>]) {
        // SAFETY: the buffer is valid for reads and writes of its length
        // and exclusively the heap's from now on (a `&'static mut` handed
        // over); embedded-alloc panics on a second `init`.
        unsafe { self.inner.init(memory.as_mut_ptr() as usize, memory.len()) }
    }

    /// Bytes in use, as the heap counts them.
    pub fn used(&self) -> usize {
        self.inner.used()
    }
}

/// The address range of a buffer given to [`Heap::init`], for checks.
pub fn span(memory: &[MaybeUninit<u8>]) -> Range<usize> {
    let start = memory.as_ptr() as usize;
    start..start + memory.len()
}

// SAFETY: every block comes from embedded-alloc's heap, which returns null
// or a block of the layout's size and alignment not in use elsewhere, and
// keeps it until `dealloc`; `__GFP_ZERO` is honoured with `alloc_zeroed`.
// The default `reallocate` (allocate, copy, free) keeps the old block on
// failure.
unsafe impl Backend for Heap {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        let layout: Layout = request.layout();
        // SAFETY: a `Request`'s layout has a non-zero size.
        let block = unsafe {
            if request.gfp().zeroed() {
                GlobalAlloc::alloc_zeroed(&self.inner, layout)
            } else {
                GlobalAlloc::alloc(&self.inner, layout)
            }
        };
        NonNull::new(block)
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller guarantees that `ptr` came from `allocate` (so
        // from this heap) with `layout`.
        unsafe { GlobalAlloc::dealloc(&self.inner, ptr.as_ptr(), layout) }
    }
}
