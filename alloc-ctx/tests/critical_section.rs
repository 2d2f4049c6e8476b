//! The critical-section entries: `NoWait::with_critical_section` (no token
//! to freeze, so its closure is `Send`) and `cx.critical_section` on either
//! token (the token frozen instead, so the closure may capture a local
//! `&Cell`). Both are interrupt-disabling atomic sections, restored at the
//! end. Run with `--features critical-section` (critical-section's `std`
//! implementation is a dev-dependency).
#![cfg(feature = "critical-section")]

use std::cell::Cell;

use alloc_ctx::flags::*;
use alloc_ctx::irq::irqs_disabled;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KBox, MaySleep, NoWait, atomic_depth, in_atomic};

#[alloc_ctx::test]
fn a_sleep_token_section_takes_a_non_send_closure_and_restores_the_state() {
    let ticks = Cell::new(0u32); // captured by reference: `&Cell` is not `Send`
    {
        let boxed = cx.critical_section(|cs, nw| {
            let _: critical_section::CriticalSection<'_> = cs;
            ticks.set(ticks.get() + 1);
            assert!(in_atomic() && irqs_disabled());
            assert_eq!(atomic_depth(), 1);
            KBox::new(3u8, GFP_ATOMIC, nw)
        });
        assert_eq!(*boxed.unwrap(), 3);
        assert!(!in_atomic() && !irqs_disabled());
        cx.critical_section(|_, _| ticks.set(ticks.get() + 1));
    };
    assert_eq!(ticks.get(), 2);
}

#[alloc_ctx::test]
fn a_nowait_token_section_nests_under_a_spinlock() {
    let lock = SpinLock::new(0u32);
    let seen = Cell::new(false);
    {
        let mut guard = lock.lock(cx);
        let (count, nw) = guard.split();
        nw.critical_section(|_, _| {
            *count += 1;
            seen.set(irqs_disabled() && atomic_depth() == 2);
        });
        assert!(!irqs_disabled() && atomic_depth() == 1);
    };
    assert!(seen.get());
    assert_eq!(lock.into_inner(), 1);
}

#[test]
fn the_tokenless_entry_still_takes_a_send_closure() {
    let mut local = Cell::new(0u32);
    let local_ref = &mut local; // `&mut Cell<u32>` is `Send`: moved in
    NoWait::with_critical_section(move |_, nw| {
        local_ref.set(1);
        assert!(KBox::new(1u64, GFP_ATOMIC, nw).is_ok());
    });
    assert_eq!(local.get(), 1);
}
