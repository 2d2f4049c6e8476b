//! Spinlocks, the irq-save variant, the sleeping mutex and atomic sections:
//! the run-time half of the context rules (depth, interrupt state, unwind).
//! The compile-time half is in the `compile_fail` doctests of `sync`.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use alloc_ctx::flags::*;
use alloc_ctx::irq::irqs_disabled;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::{Mutex, SpinLock, SpinLockIrq};
use alloc_ctx::{KBox, KVec, MaySleep, NoWait};
use alloc_ctx::{atomic_depth, in_atomic};
use common::{assert_not_impl, panic_message};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn guards_stay_on_their_thread_and_locks_are_shareable() {
    assert_not_impl!(alloc_ctx::sync::SpinLockGuard<'static, u32>: Send);
    assert_not_impl!(alloc_ctx::sync::SpinLockIrqGuard<'static, u32>: Send);
    // Also when taken with a sleep token (the guard holds it).
    assert_not_impl!(alloc_ctx::sync::SpinLockGuard<'static, u32, alloc_ctx::MaySleep>: Send);
    assert_not_impl!(alloc_ctx::sync::SpinLockGuard<'static, u32, alloc_ctx::MaySleep>: Sync);
    assert_send_sync::<alloc_ctx::sync::CondVar>();
    assert_not_impl!(alloc_ctx::sync::MutexGuard<'static, u32>: Send);
    assert_send_sync::<SpinLock<KVec<u8>>>();
    assert_send_sync::<SpinLockIrq<KVec<u8>>>();
    assert_send_sync::<Mutex<KVec<u8>>>();
    assert_not_impl!(SpinLock<std::rc::Rc<u8>>: Sync);
    // The lock adds one flag word to the data, like `spinlock_t`.
    // Debug builds with `std` add where the lock was first taken with
    // interrupts on and in a handler (the interrupt-safety check).
    let check = if cfg!(debug_assertions) { 2 * size_of::<usize>() } else { 0 };
    assert!(size_of::<SpinLock<u64>>() <= 2 * size_of::<u64>() + check);
}

#[alloc_ctx::test]
fn spinlock_guard_is_an_atomic_section() {
    let lock = SpinLock::new(0u32);
    {
        assert_eq!(atomic_depth(), 0);
        {
            let mut guard = lock.lock(cx);
            assert_eq!(atomic_depth(), 1);
            assert!(lock.is_locked());
            *guard += 1;
            // Requests through the guard's token are served as non-blocking.
            let nw = guard.token();
            let frame = KBox::new([0u8; 64], GFP_ATOMIC, nw).expect("atomic allocation");
            assert_eq!(frame.len(), 64);
        }
        assert_eq!(atomic_depth(), 0);
        assert!(!lock.is_locked());
        // Unlocked: the sleep token works again.
        let buffer = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(128).unwrap()).unwrap();
        assert_eq!(buffer.len(), 128);
    }
    assert_eq!(lock.into_inner(), 1);
}

#[alloc_ctx::test]
fn data_changes_through_the_guard_while_its_token_is_in_hand() {
    let ring = SpinLock::new(KVec::<u32>::new());
    {
        let mut ring = ring.lock(cx);
        let nw = ring.token();
        for value in 0..4 {
            ring.push(value, GFP_ATOMIC, nw).unwrap();
        }
        assert_eq!(ring.as_slice(), [0, 1, 2, 3]);
    }
}

#[alloc_ctx::test]
fn nested_spinlocks_from_nowait_raise_and_restore_the_depth() {
    let queue = SpinLock::new(KVec::new());
    let stats = SpinLock::new(0u64);
    let counters = SpinLockIrq::new(0u64);
    {
        let mut queue = queue.lock(cx);
        assert_eq!(atomic_depth(), 1);
        {
            let mut stats = stats.lock(queue.token());
            assert_eq!(atomic_depth(), 2);
            {
                let mut counters = counters.lock_irqsave(stats.token());
                assert_eq!(atomic_depth(), 3);
                assert!(irqs_disabled());
                *counters += 1;
            }
            assert!(!irqs_disabled());
            assert_eq!(atomic_depth(), 2);
            *stats += 1;
            let nw = queue.token();
            queue.push(*stats, GFP_ATOMIC, nw).unwrap();
        }
        assert_eq!(atomic_depth(), 1);
        assert_eq!(queue.as_slice(), [1]);
    }
    assert_eq!(atomic_depth(), 0);
    assert!(!stats.is_locked() && !queue.is_locked());
}

#[test]
fn try_lock_reports_a_held_lock_without_spinning() {
    let lock = SpinLock::new(0);
    NoWait::enter(|nw| {
        let held = lock.try_lock(nw).expect("the lock is free");
        assert_eq!(atomic_depth(), 2);
        assert!(lock.try_lock(held.token()).is_none());
        assert_eq!(atomic_depth(), 2, "a failed try_lock leaves no section behind");
    });
    assert_eq!(atomic_depth(), 0);
}

#[alloc_ctx::test]
fn irq_try_lock_fails_on_a_lock_held_elsewhere_and_restores_interrupts() {
    let lock = SpinLockIrq::new(0u32);
    let (held, release) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            NoWait::enter(|nw| {
                let _guard = lock.lock_irqsave(nw);
                held.wait();
                release.wait();
            });
        });
        held.wait();
        {
            assert!(lock.try_lock(cx).is_none(), "held by the other thread");
            assert!(!irqs_disabled(), "a failed try_lock restores the interrupt state");
            assert_eq!(atomic_depth(), 0, "and leaves no section behind");
        };
        release.wait();
    });
    {
        let mut guard = lock.try_lock(cx).expect("released");
        assert!(irqs_disabled() && atomic_depth() == 1);
        *guard += 1;
    };
    assert!(!irqs_disabled());
    assert_eq!(lock.into_inner(), 1);
}

#[alloc_ctx::test]
fn mutex_try_lock_fails_while_held_and_ignores_poisoning() {
    let config = Mutex::new(0u32);
    {
        let held = config.lock(cx);
        alloc_ctx::thread::scope(cx, |scope, cx| {
            scope.spawn(cx, |cx| assert!(config.try_lock(cx).is_none(), "held by the main thread")).join(cx).unwrap();
        });
        drop(held);
    };
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let mut guard = config.lock(cx);
        *guard = 7;
        panic!("holder panics");
    }));
    (assert_eq!(config.try_lock(cx).map(|guard| *guard), Some(7), "poisoning ignored"));
}

#[alloc_ctx::test]
fn atomic_section_raises_the_depth_and_hands_out_a_nowait_token() {
    let len = cx.nowait_scope(|nw| {
        assert!(in_atomic());
        KBox::new([1u16; 8], GFP_ATOMIC, nw).map(|boxed| boxed.len())
    });
    assert_eq!(len, Ok(8));
    assert!(!in_atomic());
}

#[alloc_ctx::test]
fn depth_is_balanced_after_a_panic_in_an_atomic_section() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        cx.nowait_scope(|_nw| {
            NoWait::enter(|_nw| {
                assert_eq!(atomic_depth(), 2);
                panic!("oops in a nested atomic section");
            })
        })
    }));
    assert_eq!(panic_message(result.unwrap_err()), "oops in a nested atomic section");
    assert_eq!(atomic_depth(), 0);
    alloc_ctx::might_sleep(); // may sleep again
}

#[alloc_ctx::test]
fn depth_and_lock_are_restored_after_a_panic_under_a_spinlock() {
    let lock = SpinLock::new(0);
    {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut guard = lock.lock(cx);
            *guard += 1;
            panic!("oops under a spinlock");
        }));
        assert!(result.is_err());
        assert_eq!(atomic_depth(), 0);
        assert!(!lock.is_locked(), "unwinding released the lock");
        assert_eq!(*lock.lock(cx), 1);
    }
}

#[alloc_ctx::test]
fn depth_and_locks_are_restored_after_a_panic_under_nested_spinlocks() {
    let outer = SpinLock::new(());
    let inner = SpinLock::new(());
    let irq_shared = SpinLockIrq::new(());
    {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let outer = outer.lock(cx);
            let inner = inner.lock(outer.token());
            let _irq = irq_shared.lock_irqsave(inner.token());
            assert_eq!((atomic_depth(), irqs_disabled()), (3, true));
            panic!("oops under three locks");
        }));
        assert!(result.is_err());
        assert_eq!(atomic_depth(), 0);
        assert!(!irqs_disabled(), "interrupts restored on unwind");
        assert!(!outer.is_locked() && !inner.is_locked() && !irq_shared.is_locked());
    }
}

#[alloc_ctx::test]
fn irqsave_restores_the_previous_interrupt_state() {
    let a = SpinLockIrq::new(());
    let b = SpinLockIrq::new(());
    {
        assert!(!irqs_disabled());
        let a_guard = a.lock_irqsave(cx);
        assert!(irqs_disabled());
        let b_guard = b.lock_irqsave(a_guard.token());
        drop(b_guard);
        assert!(irqs_disabled(), "the inner restore keeps the outer section's state");
        drop(a_guard);
        assert!(!irqs_disabled());
        assert_eq!(atomic_depth(), 0);
    }
}

#[test]
fn entry_points_panic_under_a_spinlock() {
    let lock = SpinLock::new(());
    let result = catch_unwind(AssertUnwindSafe(|| {
        NoWait::enter(|nw| {
            let _guard = lock.lock(nw);
            // SAFETY: the contract is broken on purpose (a sleep token
            // minted under a spinlock), to test the run-time check.
            unsafe { MaySleep::enter(|_cx| ()) };
        });
    }));
    let message = panic_message(result.unwrap_err());
    assert!(message.starts_with("BUG: sleeping function called from invalid context"), "{message}");
    assert!(message.contains("atomic depth: 2"), "{message}");
    assert_eq!(atomic_depth(), 0);
    assert!(!lock.is_locked());
}

#[alloc_ctx::test]
fn mutex_guard_does_not_freeze_the_sleep_token() {
    let table = Mutex::new(KVec::<u64>::new());
    let name = Mutex::new("eth0");
    {
        let mut table = table.lock(cx);
        // Still in a context that may sleep: GFP_KERNEL and a second mutex.
        table.reserve(512, GFP_KERNEL, cx).unwrap();
        table.push(1, GFP_KERNEL | __GFP_ZERO, cx).unwrap();
        let name = name.lock(cx);
        assert_eq!(*name, "eth0");
        assert!(!in_atomic());
        // And a spinlock inside a mutex is fine (the reverse does not compile).
        let spin = SpinLock::new(());
        drop(spin.lock(cx));
        assert!(table.capacity() >= 512);
    }
}

#[alloc_ctx::test]
fn mutex_lock_with_an_assumed_token_panics_inside_an_atomic_section() {
    let config = Mutex::new(0);
    let lock = SpinLock::new(());
    let result = catch_unwind(AssertUnwindSafe(|| {
        {
            let _guard = lock.lock(cx);
            // SAFETY: deliberately wrong, to show the run-time check: the
            // thread holds a spinlock. `Mutex::lock` panics before blocking.
            let lying = unsafe { MaySleep::assume() };
            let _ = config.lock(lying);
        }
    }));
    let message = panic_message(result.unwrap_err());
    assert!(message.starts_with("BUG: sleeping function called from invalid context"), "{message}");
    assert!(message.contains("tests/sync.rs"), "names the caller of Mutex::lock: {message}");
    assert_eq!(atomic_depth(), 0);
    assert!(!lock.is_locked());
}

#[alloc_ctx::test]
fn mutex_ignores_poisoning() {
    let counter = Mutex::new(0);
    {
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut value = counter.lock(cx);
            *value = 41;
            panic!("holder dies");
        }));
        assert!(result.is_err());
        let mut value = counter.lock(cx);
        assert_eq!(*value, 41, "the data as the panicking holder left it");
        *value += 1;
    }
    assert_eq!(counter.into_inner(), 42);
}

#[test]
fn spinlock_excludes_other_threads() {
    const ROUNDS: u32 = if cfg!(miri) { 20 } else { 2_000 };
    let counter = SpinLock::new(0u32);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..ROUNDS {
                    NoWait::enter(|nw| {
                        let mut value = counter.lock(nw);
                        // A non-atomic read-modify-write: lost updates would
                        // show if two threads were inside at once.
                        let seen = *value;
                        std::hint::spin_loop();
                        *value = seen + 1;
                    });
                }
                assert_eq!(atomic_depth(), 0);
            });
        }
    });
    assert_eq!(counter.into_inner(), 2 * ROUNDS);
}
