//! Regression tests for faults of the debugging tools themselves: each
//! names the fault it guards against. (The checking allocator's hang on a
//! panic inside an atomic section is in `checking_alloc.rs`, which installs
//! it as the global allocator; out-of-order irq-save guards are also in
//! `irq_defer.rs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use alloc_ctx::backend::FailInject;
use alloc_ctx::flags::*;
use alloc_ctx::irq::irqs_disabled;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::size::{Kmalloc, Size};
use alloc_ctx::state::atomic_depth;
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{AllocError, MaySleep, NoWait, SizeError};

/// Two irq-save guards dropped in the order they were taken (not LIFO):
/// interrupts stay disabled while either is held and come back only after
/// both. With a flag saved per guard, dropping the first restored
/// "enabled" while the second lock was still held.
#[test]
fn irq_save_guards_dropped_out_of_order_keep_interrupts_disabled_until_the_last() {
    let (a, b) = (SpinLockIrq::new(1), SpinLockIrq::new(2));
    NoWait::enter(|cx| {
        let first = a.lock_irqsave(cx);
        let second = b.lock_irqsave(first.token());
        drop(first);
        assert!(irqs_disabled(), "the second lock is still held");
        assert_eq!(*second, 2);
        drop(second);
        assert!(!irqs_disabled());
    });
    assert!(!irqs_disabled());
}

/// A work item that leaks an atomic section (`mem::forget` of a lock
/// guard) is reported and the worker's state restored: the next items run
/// (they used to be dropped unrun, each panicking at `MaySleep::enter`).
#[test]
fn a_work_item_that_leaks_a_section_does_not_break_the_queue() {
    static LOCK: SpinLock<u32> = SpinLock::new(0);
    let ran = Arc::new(AtomicUsize::new(0));
    MaySleep::enter(|cx| {
        let wq = Workqueue::new("leaky", 4, cx).unwrap();
        wq.try_spawn(GFP_KERNEL, cx, |cx| core::mem::forget(LOCK.lock(cx))).unwrap();
        for _ in 0..2 {
            let ran = Arc::clone(&ran);
            wq.try_spawn(GFP_KERNEL, cx, move |cx| {
                // A sleeping request: it would panic in a leaked section.
                let buffer = cx.alloc(GFP_KERNEL, Size::<Kmalloc>::new(64).unwrap());
                assert!(buffer.is_ok());
                assert_eq!(atomic_depth(), 0);
                ran.fetch_add(1, Ordering::AcqRel);
            })
            .unwrap();
        }
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.panicked, stats.leaked), (3, 0, 1));
    });
    assert_eq!(ran.load(Ordering::Acquire), 2);
}

/// Dropping the last `Arc<Workqueue>` inside one of its own work items:
/// dropping no longer joins the worker (which would be the thread doing the
/// dropping), so it neither panics nor hangs.
#[test]
fn the_last_workqueue_handle_dropped_by_its_own_work_item() {
    let (done_tx, done_rx) = mpsc::channel();
    MaySleep::enter(|cx| {
        let wq = Arc::new(Workqueue::new("self-drop", 2, cx).unwrap());
        let handle = Arc::clone(&wq);
        wq.try_spawn(GFP_KERNEL, cx, move |_| {
            drop(handle); // the last handle, once the caller's is gone
            done_tx.send(()).unwrap();
        })
        .unwrap();
        drop(wq);
    });
    done_rx.recv_timeout(Duration::from_secs(30)).expect("the item ran to its end");
}

/// `fail_randomly(1.0)` fails every call (it used to succeed once in 2^32),
/// and `0.0` none.
#[test]
fn fail_randomly_one_fails_every_call_and_zero_none() {
    let always = FailInject::system().fail_randomly(1.0, 7);
    let never = FailInject::system().fail_randomly(0.0, 7);
    NoWait::enter(|cx| {
        for _ in 0..10_000 {
            assert!(cx.alloc_in(&always, GFP_ATOMIC | __GFP_NOWARN, Size::<Kmalloc>::new(8).unwrap()).is_err());
            assert!(cx.alloc_in(&never, GFP_ATOMIC, Size::<Kmalloc>::new(8).unwrap()).is_ok());
        }
    });
    assert_eq!((always.failures(), never.failures()), (10_000, 0));
}

/// A NaN or out-of-range probability used to disable the injection
/// silently; now it is refused with a message.
#[test]
#[should_panic(expected = "fail_randomly: the probability NaN is not in 0.0..=1.0")]
fn fail_randomly_refuses_nan() {
    let _ = FailInject::system().fail_randomly(f64::NAN, 1);
}

#[test]
#[should_panic(expected = "fail_randomly: the probability -0.5 is not in 0.0..=1.0")]
fn fail_randomly_refuses_a_negative_probability() {
    let _ = FailInject::system().fail_randomly(-0.5, 1);
}

/// `Mempool::new(usize::MAX, ..)`: the reserve's list cannot be sized, which
/// is a size error naming the bound (it used to be reported as an
/// out-of-memory of 8 bytes).
#[test]
fn an_absurd_mempool_size_is_a_size_error() {
    MaySleep::enter(|cx| {
        let error = Mempool::<u64>::new(usize::MAX, GFP_KERNEL, cx).unwrap_err();
        let AllocError::Size(size_error) = error else { panic!("expected a size error, got {error:?}") };
        assert!(matches!(size_error, SizeError::Overflow { .. }), "{size_error:?}");
        assert_eq!(size_error.bound(), "KMALLOC_MAX_SIZE");
        let error = Mempool::<u64>::new(1 << 20, GFP_KERNEL, cx).unwrap_err();
        assert!(matches!(error, AllocError::Size(SizeError::TooLarge { .. })), "{error:?}");
    });
}

/// Registering a shrinker allocates and takes the registry's lock, and so
/// does dropping its handle: both may sleep, and panic inside an atomic
/// section (they used to run there unchecked).
#[test]
fn shrinker_registration_and_removal_inside_an_atomic_section_panic() {
    use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker};
    let lock = SpinLock::new(());
    let registered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        MaySleep::enter(|cx| {
            let _guard = lock.lock(cx);
            let _handle = register_shrinker("in-atomic", ShrinkerNeeds::Nothing, |_| 0);
        });
    }));
    let message = *registered.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("BUG: sleeping function called from invalid context"), "{message}");
    let handle = MaySleep::enter(|_| register_shrinker("dropped-in-irq", ShrinkerNeeds::Nothing, |_| 0));
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        NoWait::enter(move |_| drop(handle));
    }));
    let message = *dropped.unwrap_err().downcast::<String>().unwrap();
    assert!(message.contains("BUG: sleeping function called from invalid context"), "{message}");
}
