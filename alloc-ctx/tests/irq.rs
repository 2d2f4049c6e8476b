//! The interrupt simulation: handlers run atomically on the interrupted
//! thread (as a CPU takes an interrupt on the stack of the code it
//! interrupts), delivery is refused while local interrupts are disabled,
//! and the interrupted code's state is restored when the handler returns.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use alloc_ctx::flags::*;
use alloc_ctx::irq::{self, irqs_disabled};
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::{KBox, KVec, MaySleep};
use alloc_ctx::{atomic_depth, in_atomic};
use common::panic_message;

#[test]
fn handler_runs_atomically_on_the_interrupted_thread() {
    let raiser = std::thread::current().id();
    let (thread, depth, disabled) =
        irq::raise(|_nw| (std::thread::current().id(), atomic_depth(), irqs_disabled())).unwrap();
    assert_eq!(thread, raiser, "no thread is spawned per interrupt");
    assert_eq!((depth, disabled), (1, true));
    assert_eq!((atomic_depth(), irqs_disabled()), (0, false), "the interrupted code's state is restored");
}

#[test]
fn handler_allocates_through_its_nowait_token() {
    let frame = irq::raise(|nw| KBox::new([0xabu8; 256], GFP_ATOMIC, nw)).unwrap();
    let frame = frame.expect("GFP_ATOMIC allocation in the handler");
    assert!(frame.iter().all(|&byte| byte == 0xab));
}

#[alloc_ctx::test]
fn interrupt_is_masked_while_an_irqsave_lock_is_held() {
    let shared = SpinLockIrq::new(0u32);
    {
        let mut guard = shared.lock_irqsave(cx);
        // Delivering now would spin on the lock this thread holds: refused.
        let masked = irq::raise(|nw| *shared.lock_irqsave(nw) += 1).unwrap_err();
        assert!(masked.to_string().contains("local interrupts are disabled"));
        *guard += 10;
        drop(guard);
        // After `spin_unlock_irqrestore()` the interrupt is delivered.
        irq::raise(masked.into_handler()).unwrap();
        assert_eq!(*shared.lock_irqsave(cx), 11);
    }
}

#[alloc_ctx::test]
fn a_plain_spinlock_does_not_mask_interrupts() {
    let unrelated = SpinLock::new(());
    {
        let _guard = unrelated.lock(cx);
        assert!(!irqs_disabled());
        // Preemption is off, interrupts are not: the handler runs.
        assert_eq!(irq::raise(|_nw| 5).unwrap(), 5);
        assert_eq!(atomic_depth(), 1);
    }
}

#[test]
fn handlers_cannot_be_interrupted() {
    let nested = irq::raise(|_nw| irq::raise(|_nw| ()).is_err()).unwrap();
    assert!(nested, "a handler runs with local interrupts disabled");
}

#[test]
fn sleeping_entry_point_in_a_handler_panics_and_the_panic_reaches_the_raiser() {
    // SAFETY: the contract is broken on purpose (a sleep token minted in an
    // interrupt handler), to test the run-time check that catches it.
    let result = catch_unwind(|| irq::raise(|_nw| unsafe { MaySleep::enter(|_cx| ()) }));
    let message = panic_message(result.unwrap_err());
    assert!(message.starts_with("BUG: sleeping function called from invalid context"), "{message}");
    assert!(message.contains("tests/irq.rs"), "{message}");
    assert!(!in_atomic() && !irqs_disabled());
}

#[alloc_ctx::test]
fn handler_panic_leaves_the_interrupted_sections_intact() {
    let lock = SpinLock::new(());
    {
        let guard = lock.lock(cx);
        let result = catch_unwind(AssertUnwindSafe(|| irq::raise(|_nw| panic!("oops in a handler"))));
        assert_eq!(panic_message(result.unwrap_err()), "oops in a handler");
        assert_eq!(atomic_depth(), 1, "the interrupted spinlock section is still there");
        drop(guard);
        assert_eq!(atomic_depth(), 0);
    }
}

#[alloc_ctx::test]
fn handler_and_process_context_share_data_through_an_irqsave_lock() {
    const FRAMES: u32 = if cfg!(miri) { 3 } else { 50 };
    let rx_queue = SpinLockIrq::new(KVec::new());
    {
        for frame in 0..FRAMES {
            irq::raise(|nw| {
                let mut queue = rx_queue.lock_irqsave(nw);
                let nw = queue.token();
                queue.push(frame, GFP_ATOMIC, nw).is_ok()
            })
            .unwrap();
        }
        let drained = std::mem::replace(&mut *rx_queue.lock_irqsave(cx), KVec::new());
        assert_eq!(drained.as_slice(), (0..FRAMES).collect::<Vec<_>>());
    }
}
