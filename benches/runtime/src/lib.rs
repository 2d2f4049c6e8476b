//! The item-1 allocation paths compiled into a `cdylib`.
//!
//! In a shared object the thread-locals of alloc-ctx (the atomic depth the
//! `GFP_KERNEL` check reads, the in-request mark a `GFP_ATOMIC` request
//! sets) cannot use the executable's local-exec model (`%fs:offset`): the
//! linker keeps them general-dynamic, a call to `__tls_get_addr` per
//! access (or per function, when the compiler can share one). The baseline
//! is `std::alloc::alloc`/`dealloc` from the same shared object, so both
//! sides pay the same PLT call to `malloc`/`free`.
//!
//! `runtime-bench` loads this library with `dlopen` and calls these
//! functions `n` times; `scripts/bench.sh runtime` counts instructions.

use std::alloc::Layout;
use std::hint::black_box;

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{Kmalloc, Size};
use alloc_ctx::{MaySleep, NoWait};

/// Bytes of one allocation (as in `alloc-ctx/benches/overhead.rs`).
const BYTES: usize = 64;

#[cold]
#[inline(never)]
fn fail(error: impl core::fmt::Debug) -> ! {
    panic!("benchmark allocation failed: {error:?}")
}

/// Baseline: `Layout::array::<u8>(64)` + `std::alloc::alloc` + `dealloc`.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_alloc_raw(iterations: u64) {
    for _ in 0..iterations {
        let layout = Layout::array::<u8>(black_box(BYTES)).unwrap_or_else(|e| fail(e));
        if layout.size() == 0 {
            continue;
        }
        // SAFETY: the size is not zero.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        black_box(ptr.cast_const());
        // SAFETY: allocated just above with `layout`.
        unsafe { std::alloc::dealloc(ptr, layout) };
    }
}

/// `Size::<Kmalloc>::new(64)` + `cx.alloc(GFP_KERNEL, size)` + drop.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_alloc_kernel(iterations: u64) {
    MaySleep::enter(|cx| {
        for _ in 0..iterations {
            let size = Size::<Kmalloc>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
            let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
            black_box(buffer.as_ptr());
        }
    });
}

/// `Size::<Kmalloc>::new(64)` + `nw.alloc(GFP_ATOMIC, size)` + drop.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_alloc_atomic(iterations: u64) {
    NoWait::enter(|nw| {
        for _ in 0..iterations {
            let size = Size::<Kmalloc>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
            let buffer = nw.alloc(GFP_ATOMIC, size).unwrap_or_else(|e| fail(e));
            black_box(buffer.as_ptr());
        }
    });
}
