//! The item-1 allocation paths compiled into a `cdylib`.
//!
//! In a shared object a Rust `thread_local!` cannot use the executable's
//! local-exec model (`%fs:offset`): it stays general-dynamic, a call to
//! `__tls_get_addr` per function that touches it. alloc-ctx's per-thread
//! state (the atomic depth the `GFP_KERNEL` check reads, the in-request
//! count a `GFP_ATOMIC` request raises) is therefore initial-exec TLS
//! written by hand on x86-64 Linux with glibc (`context/state.rs`): an
//! offset from the GOT, then `%fs:`; these rows measure it. The baseline
//! is `std::alloc::alloc`/`dealloc` from the same shared object, so both
//! sides pay the same PLT call to `malloc`/`free`.
//!
//! `runtime-bench` loads this library with `dlopen` and calls these
//! functions `n` times; `scripts/bench.sh runtime` counts instructions.

use std::alloc::Layout;
use std::hint::black_box;

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, Size};
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

/// `Size::<KmallocMax>::new(64)` + `cx.alloc(GFP_KERNEL, size)` + drop.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_alloc_kernel(iterations: u64) {
    // SAFETY: an exported entry of this cdylib, called only by
    // `runtime-bench` on its main thread, outside any section: no token of
    // the thread is live (no token crosses the C ABI).
    unsafe {
        MaySleep::enter(|cx| {
            for _ in 0..iterations {
                let size = Size::<KmallocMax>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
                let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
                black_box(buffer.as_ptr());
            }
        });
    }
}

/// `Size::<KmallocMax>::new(64)` + `nw.alloc(GFP_ATOMIC, size)` + drop.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_alloc_atomic(iterations: u64) {
    NoWait::enter(|nw| {
        for _ in 0..iterations {
            let size = Size::<KmallocMax>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
            let buffer = nw.alloc(GFP_ATOMIC, size).unwrap_or_else(|e| fail(e));
            black_box(buffer.as_ptr());
        }
    });
}

// The same requests, each in a function of its own that is not inlined
// (a driver helper that allocates once per call): the thread-local's
// address (with `thread_local!`, a `__tls_get_addr` call; here, the GOT
// load of its offset) cannot be hoisted out of the caller's loop, so every
// request pays it. The baseline is the same shape.

/// One raw allocation + free, not inlined.
#[inline(never)]
fn one_raw(bytes: usize) {
    let layout = Layout::array::<u8>(bytes).unwrap_or_else(|e| fail(e));
    if layout.size() == 0 {
        return;
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

/// One `GFP_KERNEL` request + free, not inlined.
#[inline(never)]
fn one_kernel(cx: &mut MaySleep, bytes: usize) {
    let size = Size::<KmallocMax>::new(bytes).unwrap_or_else(|e| fail(e));
    let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
    black_box(buffer.as_ptr());
}

/// One `GFP_ATOMIC` request + free, not inlined.
#[inline(never)]
fn one_atomic(cx: &mut NoWait, bytes: usize) {
    let size = Size::<KmallocMax>::new(bytes).unwrap_or_else(|e| fail(e));
    let buffer = cx.alloc(GFP_ATOMIC, size).unwrap_or_else(|e| fail(e));
    black_box(buffer.as_ptr());
}

/// Baseline, per call: `one_raw` `iterations` times.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_call_raw(iterations: u64) {
    for _ in 0..iterations {
        one_raw(black_box(BYTES));
    }
}

/// `one_kernel` `iterations` times.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_call_kernel(iterations: u64) {
    // SAFETY: an exported entry of this cdylib, called only by
    // `runtime-bench` on its main thread, outside any section: no token of
    // the thread is live (no token crosses the C ABI).
    unsafe {
        MaySleep::enter(|cx| {
            for _ in 0..iterations {
                one_kernel(cx, black_box(BYTES));
            }
        });
    }
}

/// `one_atomic` `iterations` times.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_call_atomic(iterations: u64) {
    NoWait::enter(|nw| {
        for _ in 0..iterations {
            one_atomic(nw, black_box(BYTES));
        }
    });
}

// For `runtime-bench`'s smoke run (not measured): the context state of
// the calling thread, seen from inside this library, where alloc-ctx keeps
// it in initial-exec TLS on x86-64 Linux with glibc (a library loaded with
// `dlopen` gets that from glibc's static TLS surplus).

/// The atomic depth of the calling thread.
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_atomic_depth() -> u32 {
    alloc_ctx::atomic_depth()
}

/// Calls `callback(data)` inside an atomic section (`NoWait::enter`) after
/// a `GFP_ATOMIC` request from it (which, with checks on, raises and
/// lowers the in-request mark in the same state).
#[unsafe(no_mangle)]
pub extern "C" fn cdylib_in_section(callback: extern "C" fn(usize), data: usize) {
    NoWait::enter(|nw| {
        let size = Size::<KmallocMax>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
        drop(nw.alloc(GFP_ATOMIC, size).unwrap_or_else(|e| fail(e)));
        callback(data);
    });
}
