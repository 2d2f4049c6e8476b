//! The interrupt-safety rule of the kernel's lockdep, at run time (debug
//! builds): a plain `SpinLock` taken in an interrupt handler and elsewhere
//! with interrupts enabled is reported, whichever comes first, naming both
//! places; a lock shared with a handler through `SpinLockIrq`, or taken
//! only with interrupts disabled, is not.
#![cfg(debug_assertions)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::{NoWait, irq};

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast::<&str>().map(|s| (*s).to_owned()).unwrap_or_default(),
    }
}

#[test]
fn a_spinlock_taken_in_a_handler_then_with_interrupts_on_is_reported() {
    static STATS: SpinLock<u32> = SpinLock::new(0);
    irq::raise(|cx| *STATS.lock(cx) += 1).expect("interrupts are on");
    let line = line!() + 1;
    let report = catch_unwind(|| NoWait::enter(|cx| *STATS.lock(cx) += 1)).expect_err("reported");
    let message = panic_message(report);
    assert!(message.contains("BUG: inconsistent lock state"), "{message}");
    assert!(message.contains(&format!("with interrupts enabled (at {}:{line}:", file!())), "{message}");
    assert!(message.contains("in a hard interrupt handler (at "), "{message}");
    assert!(message.contains("`SpinLockIrq`"), "names the fix: {message}");
}

#[test]
fn a_spinlock_taken_with_interrupts_on_then_in_a_handler_is_reported() {
    static STATS: SpinLock<u32> = SpinLock::new(0);
    NoWait::enter(|cx| *STATS.lock(cx) += 1);
    let line = line!() + 1;
    let report = catch_unwind(AssertUnwindSafe(|| irq::raise(|cx| *STATS.lock(cx) += 1))).expect_err("reported");
    let message = panic_message(report);
    assert!(message.contains(&format!("in a hard interrupt handler (at {}:{line}:", file!())), "{message}");
    // The interrupted thread's state is restored by the unwind.
    assert!(!alloc_ctx::in_atomic() && !irq::irqs_disabled());
}

#[test]
fn try_lock_counts_as_taking_the_lock() {
    static STATS: SpinLock<u32> = SpinLock::new(0);
    irq::raise(|cx| STATS.try_lock(cx).map(|mut held| *held += 1)).expect("interrupts are on");
    let report = catch_unwind(|| NoWait::enter(|cx| STATS.try_lock(cx).map(drop))).expect_err("reported");
    assert!(panic_message(report).contains("inconsistent lock state"));
}

#[test]
fn a_lock_shared_with_a_handler_through_spinlock_irq_is_fine() {
    static STATS: SpinLockIrq<u32> = SpinLockIrq::new(0);
    irq::raise(|cx| *STATS.lock_irqsave(cx) += 1).expect("interrupts are on");
    NoWait::enter(|cx| *STATS.lock_irqsave(cx) += 1);
    irq::raise(|cx| *STATS.lock_irqsave(cx) += 1).expect("interrupts are on");
    assert_eq!(NoWait::enter(|cx| *STATS.lock_irqsave(cx)), 3);
}

#[test]
fn a_spinlock_taken_only_with_interrupts_disabled_outside_handlers_is_fine() {
    static OUTER: SpinLockIrq<()> = SpinLockIrq::new(());
    static STATS: SpinLock<u32> = SpinLock::new(0);
    irq::raise(|cx| *STATS.lock(cx) += 1).expect("interrupts are on");
    NoWait::enter(|cx| {
        let outer = OUTER.lock_irqsave(cx);
        *STATS.lock(outer.token()) += 1;
    });
    irq::raise(|cx| *STATS.lock(cx) += 1).expect("interrupts are on");
    assert_eq!(
        NoWait::enter(|cx| {
            let outer = OUTER.lock_irqsave(cx);
            *STATS.lock(outer.token())
        }),
        3
    );
}
