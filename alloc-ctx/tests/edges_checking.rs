//! The edges of the runtime with the checking global allocator installed:
//! the workqueue's report of a leaked section is not itself a violation,
//! and a `std::backtrace::Backtrace` formatted inside an atomic section
//! (which holds std's backtrace lock while it allocates) is recorded, not
//! a deadlock. Under Miri only the first runs (a violation captures a
//! backtrace, which Miri's isolation does not support).

use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use alloc_ctx::NoWait;
use alloc_ctx::checking::{CheckingAlloc, Policy, take_violations, violation_count};
use alloc_ctx::flags::*;
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::workqueue::Workqueue;

#[global_allocator]
static ALLOCATOR: CheckingAlloc = CheckingAlloc::with_policy(Policy::Record);

/// Violations are process-wide: one test at a time, each starting clean.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    ALLOCATOR.set_policy(Policy::Record);
    take_violations();
    guard
}

#[alloc_ctx::test]
fn the_report_of_a_leaked_section_is_not_recorded_as_a_violation() {
    let _serial = serial();
    {
        let wq = Workqueue::new("leaky", 2, cx).unwrap();
        // A leaked spinlock guard, then a leaked irq-save guard: the worker
        // reports each, after restoring its state.
        wq.try_spawn(GFP_KERNEL, cx, |cx| {
            let lock = SpinLock::new(());
            std::mem::forget(lock.lock(cx));
        })
        .unwrap();
        wq.try_spawn(GFP_KERNEL, cx, |cx| {
            let lock = SpinLockIrq::new(());
            std::mem::forget(lock.lock_irqsave(cx));
        })
        .unwrap();
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.leaked), (2, 2));
    };
    let recorded = take_violations();
    assert_eq!(recorded.len(), 0, "the worker's own report was recorded: {recorded:?}");
}

#[test]
#[cfg_attr(miri, ignore = "captures backtraces, which need `getcwd`: not under Miri's isolation")]
fn formatting_a_std_backtrace_in_an_atomic_section_does_not_deadlock() {
    let _serial = serial();
    let (done_tx, done_rx) = mpsc::channel();
    // Left behind if it hangs: the test fails on the timeout instead.
    std::thread::spawn(move || {
        let backtrace = std::backtrace::Backtrace::force_capture();
        NoWait::enter(|nw| {
            let lock = SpinLock::new(());
            let _guard = lock.lock(nw);
            // Symbolising under std's backtrace lock allocates: violations,
            // each recorded with a trace of its own.
            let text = format!("{backtrace}");
            done_tx.send(text.len()).unwrap();
        });
    });
    let printed = done_rx.recv_timeout(Duration::from_secs(120));
    assert!(printed.is_ok_and(|len| len > 0), "formatting the backtrace hung");
    assert!(violation_count() >= 1, "the allocations inside the section are recorded");
    let recorded = take_violations();
    assert!(recorded.iter().all(|violation| violation.backtrace.frame_count() > 0));
    // Printing a violation resolves its frames: the recorder's own, and
    // (where the test's closure is not inlined away: debug builds) down to
    // this test.
    let text = recorded[0].to_string();
    assert!(text.contains("checking::record"), "{text}");
    if cfg!(debug_assertions) {
        assert!(text.contains("edges_checking"), "{text}");
    }
}
