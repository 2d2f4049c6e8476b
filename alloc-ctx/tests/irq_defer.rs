//! Deferred interrupts in the std simulation: an `irq::Line` raised while
//! local interrupts are disabled on the thread is kept pending and taken
//! exactly when the last interrupt-disabling section ends, as the interrupt
//! controller does at `local_irq_restore()`: not before, not lost, once.
//!
//! Each test has its own statics: tests run on their own threads, and the
//! pending lines are per thread, but a line's handler and its data are
//! statics shared by every thread.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use alloc_ctx::flags::*;
use alloc_ctx::in_atomic;
use alloc_ctx::irq::{Line, Raised, irqs_disabled};
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::{KVec, NoWait};

#[alloc_ctx::test]
fn interrupt_raised_under_spinlock_irq_runs_exactly_at_unlock() {
    // What the interrupted code and the handler did, in order. The handler
    // takes the same lock, so delivered early it would spin forever.
    static LOG: SpinLockIrq<KVec<&'static str>> = SpinLockIrq::new(KVec::new());
    fn rx_interrupt(cx: &mut NoWait) {
        assert!(in_atomic() && irqs_disabled(), "a handler runs atomically, interrupts off");
        let mut log = LOG.lock_irqsave(cx);
        let nw = log.token();
        log.push("irq: rx handler", GFP_ATOMIC, nw).expect("GFP_ATOMIC in the handler");
    }
    static RX: Line = Line::new(rx_interrupt);

    {
        let mut log = LOG.lock_irqsave(cx);
        let nw = log.token();
        log.push("main: locked", GFP_ATOMIC, nw).unwrap();
        assert_eq!(RX.raise(), Raised::Pending, "masked while the irq-save lock is held");
        assert!(RX.is_pending());
        log.push("main: still holding the lock", GFP_ATOMIC, nw).unwrap();
        assert_eq!(log.len(), 2, "the handler has not run before the unlock");
        drop(log); // spin_unlock_irqrestore(): the pending interrupt is taken here
        assert!(!RX.is_pending(), "delivered, not left pending");
        let log = LOG.lock_irqsave(cx);
        assert_eq!(log.as_slice(), ["main: locked", "main: still holding the lock", "irq: rx handler"]);
    }
    assert!(!irqs_disabled() && !in_atomic());
}

#[alloc_ctx::test]
fn a_line_raised_several_times_while_masked_is_delivered_once() {
    static HITS: AtomicU32 = AtomicU32::new(0);
    static TIMER: Line = Line::new(|_| {
        HITS.fetch_add(1, Ordering::Relaxed);
    });
    static LOCK: SpinLockIrq<()> = SpinLockIrq::new(());

    {
        let guard = LOCK.lock_irqsave(cx);
        for _ in 0..5 {
            assert_eq!(TIMER.raise(), Raised::Pending);
        }
        assert_eq!(HITS.load(Ordering::Relaxed), 0);
        drop(guard);
        assert_eq!(HITS.load(Ordering::Relaxed), 1, "one pending bit, one delivery");
        assert_eq!(TIMER.raise(), Raised::Delivered, "unmasked: delivered at once");
        assert_eq!(HITS.load(Ordering::Relaxed), 2);
    }
}

#[test]
fn nested_sections_dropped_out_of_order_deliver_when_the_last_ends() {
    static HITS: AtomicU32 = AtomicU32::new(0);
    static DMA: Line = Line::new(|_| {
        HITS.fetch_add(1, Ordering::Relaxed);
    });
    static A: SpinLockIrq<u8> = SpinLockIrq::new(0);
    static B: SpinLockIrq<u8> = SpinLockIrq::new(0);

    NoWait::enter(|cx| {
        let a = A.lock_irqsave(cx);
        let b = B.lock_irqsave(a.token());
        assert_eq!(DMA.raise(), Raised::Pending);
        drop(a); // the first section taken ends first: interrupts stay off
        assert!(irqs_disabled());
        assert_eq!(HITS.load(Ordering::Relaxed), 0, "not before the last section ends");
        drop(b);
        assert!(!irqs_disabled());
        assert_eq!(HITS.load(Ordering::Relaxed), 1);
    });
}

#[alloc_ctx::test]
fn lines_run_in_the_order_raised_and_a_handler_defers_what_it_raises() {
    static ORDER: SpinLockIrq<KVec<u8>> = SpinLockIrq::new(KVec::new());
    fn record(cx: &mut NoWait, id: u8) {
        let mut order = ORDER.lock_irqsave(cx);
        let nw = order.token();
        order.push(id, GFP_ATOMIC, nw).unwrap();
    }
    static FIRST: Line = Line::new(|cx| {
        // Raised from a handler: interrupts are off, so it waits until this
        // handler returns, behind SECOND (raised earlier).
        assert_eq!(CHAINED.raise(), Raised::Pending);
        record(cx, 1);
    });
    static SECOND: Line = Line::new(|cx| record(cx, 2));
    static CHAINED: Line = Line::new(|cx| record(cx, 3));
    static LOCK: SpinLockIrq<()> = SpinLockIrq::new(());

    {
        let guard = LOCK.lock_irqsave(cx);
        assert_eq!(FIRST.raise(), Raised::Pending);
        assert_eq!(SECOND.raise(), Raised::Pending);
        drop(guard);
        assert_eq!(ORDER.lock_irqsave(cx).as_slice(), [1, 2, 3]);
        assert!(!FIRST.is_pending() && !SECOND.is_pending() && !CHAINED.is_pending());
    }
}

#[test]
fn a_pending_line_survives_a_section_that_unwinds() {
    static HITS: AtomicU32 = AtomicU32::new(0);
    static UART: Line = Line::new(|_| {
        HITS.fetch_add(1, Ordering::Relaxed);
    });
    static LOCK: SpinLockIrq<()> = SpinLockIrq::new(());
    static OTHER: SpinLockIrq<()> = SpinLockIrq::new(());

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let unwound = catch_unwind(AssertUnwindSafe(|| {
        NoWait::enter(|cx| {
            let _guard = LOCK.lock_irqsave(cx);
            assert_eq!(UART.raise(), Raised::Pending);
            panic!("driver bug under the lock");
        })
    }));
    std::panic::set_hook(previous);
    assert!(unwound.is_err());
    assert!(!irqs_disabled(), "the unwind restored the interrupt state");
    assert_eq!(HITS.load(Ordering::Relaxed), 0, "not run while unwinding");
    assert!(UART.is_pending(), "not lost either");
    // Delivered at the next end of a section.
    NoWait::enter(|cx| drop(OTHER.lock_irqsave(cx)));
    assert_eq!(HITS.load(Ordering::Relaxed), 1);
    assert!(!UART.is_pending());
}

#[cfg(feature = "critical-section")]
#[test]
fn with_critical_section_is_an_interrupt_disabling_section() {
    use core::cell::Cell;
    static TICKS: critical_section::Mutex<Cell<u32>> = critical_section::Mutex::new(Cell::new(0));
    static TICK: Line = Line::new(|_| critical_section::with(|cs| TICKS.borrow(cs).set(TICKS.borrow(cs).get() + 1)));

    let boxed = NoWait::with_critical_section(|cs, cx| {
        assert!(in_atomic() && irqs_disabled());
        assert_eq!(TICK.raise(), Raised::Pending);
        assert_eq!(TICKS.borrow(cs).get(), 0);
        alloc_ctx::KBox::new(7u32, GFP_ATOMIC, cx).map(|boxed| *boxed)
    });
    assert_eq!(boxed, Ok(7));
    assert!(!in_atomic() && !irqs_disabled());
    assert_eq!(critical_section::with(|cs| TICKS.borrow(cs).get()), 1, "delivered when the section ended");
}
