//! The run-time backstop behind the types: what the borrow checker cannot
//! see (a lock guard forgotten with `mem::forget`, an `unsafe`-assumed
//! token, an `unsafe` entry point reached from an atomic section or a
//! `#[nowait]` function) panics with the kernel's
//! "sleeping function called from invalid context" instead of sleeping in
//! an atomic section. Sleeping requests are checked in debug builds and in
//! release builds with `--cfg alloc_ctx_checks` (the CI runs this file so);
//! entry points always; the `#[nowait]`-function mark in debug builds.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{KVec, MaySleep, NoWait, nowait};
use alloc_ctx::{atomic_depth, in_atomic};
use common::panic_message;

const INVALID_CONTEXT: &str = "BUG: sleeping function called from invalid context at";

fn size() -> Size<KmallocMax> {
    Size::new(64).unwrap()
}

/// Asserts that `message` is the atomic-context report, naming a line of
/// this file and the depth.
#[track_caller]
fn assert_invalid_context(message: &str, depth: u32) {
    assert!(message.starts_with(INVALID_CONTEXT), "{message}");
    assert!(message.contains("tests/backstop.rs"), "names the call site: {message}");
    assert!(message.contains(&format!("atomic depth: {depth}")), "{message}");
}

#[test]
#[cfg(any(debug_assertions, alloc_ctx_checks))]
fn an_assumed_sleep_token_inside_nowait_enter_cannot_sleep() {
    let result = catch_unwind(|| {
        NoWait::enter(|_nw| {
            // SAFETY: deliberately wrong, to show the run-time check: the
            // thread is inside an atomic section. The request panics before
            // it reaches the backend.
            let lying = unsafe { MaySleep::assume() };
            lying.alloc(GFP_KERNEL, size()).map(drop)
        })
    });
    assert_invalid_context(&panic_message(result.unwrap_err()), 1);
    assert_eq!(atomic_depth(), 0);
}

#[alloc_ctx::test]
#[cfg(any(debug_assertions, alloc_ctx_checks))]
fn a_sleeping_request_after_forgetting_a_spinlock_guard_panics() {
    // The forgotten guard leaves its section open for the rest of the
    // thread: a thread of its own takes that state with it.
    let outcome = alloc_ctx::thread::spawn(cx, |cx| {
        let lock = alloc_ctx::sync::SpinLock::new(0u32);
        // The borrow of `cx` ends here; the atomic section does not.
        core::mem::forget(lock.lock(cx));
        assert!(lock.is_locked());
        assert_eq!(atomic_depth(), 1);
        // Non-sleeping requests are fine in an atomic section.
        assert!(cx.alloc(GFP_ATOMIC, size()).is_ok());
        cx.alloc(GFP_KERNEL, size()).map(drop)
    })
    .join(cx);
    assert_invalid_context(&panic_message(outcome.unwrap_err()), 1);
    assert_eq!(atomic_depth(), 0, "this thread's state was never touched");
}

#[test]
#[cfg(not(any(debug_assertions, alloc_ctx_checks)))]
fn release_builds_without_checks_do_not_check_sleeping_requests() {
    // The request-path check is compiled out: the request reaches the
    // backend. (Entry points still check: `MaySleep::enter` here would
    // panic.)
    let served = NoWait::enter(|_nw| {
        // SAFETY: deliberately wrong, to show that nothing checks it in
        // this build: the thread is inside an atomic section, but the
        // system backend does not sleep.
        let lying = unsafe { MaySleep::assume() };
        lying.alloc(GFP_KERNEL, size()).is_ok()
    });
    assert!(served);
}

/// A `#[nowait]` function that reaches a sleeping entry point anyway (the
/// types cannot see it: `MaySleep::enter` takes no token).
#[nowait]
fn sneaks_a_sleep() -> bool {
    // SAFETY: the contract is broken on purpose (a sleep token minted in a
    // `#[nowait]` function), to test the run-time check that catches it.
    unsafe { MaySleep::enter(|cx| KVec::<u8>::with_capacity(16, GFP_KERNEL, cx).is_ok()) }
}

#[alloc_ctx::test]
#[cfg(debug_assertions)]
fn debug_builds_catch_a_sleeping_entry_point_inside_a_nowait_function() {
    // Not in an atomic section: only the `#[nowait]` mark catches it.
    assert!(!in_atomic());
    let result = catch_unwind(AssertUnwindSafe(|| sneaks_a_sleep(cx)));
    let message = panic_message(result.unwrap_err());
    assert!(message.starts_with("BUG: sleeping function called from a #[nowait] function at"), "{message}");
    assert!(message.contains("tests/backstop.rs"), "names the call site: {message}");
    assert!(message.contains("#[nowait] functions on the stack: 1"), "{message}");
    // The mark ended on unwind: the caller may sleep again.
    alloc_ctx::might_sleep();
    assert!(cx.alloc(GFP_KERNEL, size()).is_ok());
}

#[alloc_ctx::test]
#[cfg(not(debug_assertions))]
fn release_builds_do_not_mark_nowait_functions() {
    // The mark is debug-only, with `--cfg alloc_ctx_checks` too (a
    // `#[nowait]` function compiles to the same code as an unmarked one);
    // outside an atomic section nothing fires.
    assert!(sneaks_a_sleep(cx));
}

/// Glue that mints its own sleep token (`MaySleep::enter` takes no token
/// and checks the context at run time).
///
/// # Safety
///
/// As `MaySleep::enter`: no token of the calling thread may be live.
unsafe fn load_firmware() -> usize {
    // SAFETY: the caller's contract.
    unsafe { MaySleep::enter(|cx| KVec::<u8>::with_capacity(4096, GFP_KERNEL, cx).map_or(0, |image| image.capacity())) }
}

#[test]
fn an_unsafe_entry_helper_called_inside_a_nowait_scope_panics() {
    let inside = |cx: &mut MaySleep| {
        // SAFETY: the contract is broken on purpose (called inside a nowait
        // scope, with a token live), to test the run-time check.
        catch_unwind(AssertUnwindSafe(|| cx.nowait_scope(|_nw| unsafe { load_firmware() })))
    };
    // SAFETY: the start of a test: no token of this thread is live.
    let result = unsafe { MaySleep::enter(inside) };
    assert_invalid_context(&panic_message(result.unwrap_err()), 1);
    assert_eq!(atomic_depth(), 0, "the scope ended on unwind");
    // SAFETY: no token of this thread is live any more.
    assert!(unsafe { load_firmware() } >= 4096, "outside the scope it runs");
}

#[alloc_ctx::test]
fn dropping_a_workqueue_inside_an_atomic_section_neither_blocks_nor_panics() {
    let (tx, rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let started = Arc::new(Barrier::new(2));
    let wq = {
        let wq = Workqueue::new("atomic-drop", 4, cx).unwrap();
        let worker_started = Arc::clone(&started);
        wq.try_spawn(GFP_KERNEL, cx, move |_cx| {
            worker_started.wait();
            // Holds the worker: a drop that waited for the queue would wait
            // here for the whole timeout.
            let _ = release_rx.recv_timeout(Duration::from_secs(10));
        })
        .unwrap();
        started.wait();
        for item in 0..3 {
            let tx = tx.clone();
            wq.try_spawn(GFP_KERNEL, cx, move |cx| {
                // Each item runs in process context, with a sleep token.
                let buffer = KVec::<u8>::with_capacity(256, GFP_KERNEL, cx);
                tx.send((item, in_atomic(), buffer.is_ok())).unwrap();
            })
            .unwrap();
        }
        assert_eq!(wq.pending(), 3);
        wq
    };
    NoWait::enter(move |_nw| {
        assert_eq!(atomic_depth(), 1);
        drop(wq); // no `might_sleep()`, no join
    });
    assert_eq!(atomic_depth(), 0);
    assert!(rx.try_recv().is_err(), "the drop returned while the items were still queued");
    drop(release_tx);
    let ran: Vec<_> = (0..3).map(|_| rx.recv_timeout(Duration::from_secs(30)).expect("the worker drained")).collect();
    assert_eq!(ran, [(0, false, true), (1, false, true), (2, false, true)]);
}
