//! Regression tests for faults of the debugging tools themselves: each
//! names the fault it guards against. (The checking allocator's hang on a
//! panic inside an atomic section is in `checking_alloc.rs`, which installs
//! it as the global allocator; out-of-order irq-save guards are also in
//! `irq_defer.rs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use alloc_ctx::NoWait;
use alloc_ctx::atomic_depth;
use alloc_ctx::backend::FailInject;
use alloc_ctx::flags::*;
use alloc_ctx::irq::irqs_disabled;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::workqueue::Workqueue;

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
#[alloc_ctx::test]
fn a_work_item_that_leaks_a_section_does_not_break_the_queue() {
    static LOCK: SpinLock<u32> = SpinLock::new(0);
    let ran = Arc::new(AtomicUsize::new(0));
    {
        let wq = Workqueue::new("leaky", 4, cx).unwrap();
        wq.try_spawn(GFP_KERNEL, cx, |cx| core::mem::forget(LOCK.lock(cx))).unwrap();
        for _ in 0..2 {
            let ran = Arc::clone(&ran);
            wq.try_spawn(GFP_KERNEL, cx, move |cx| {
                // A sleeping request: it would panic in a leaked section.
                let buffer = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap());
                assert!(buffer.is_ok());
                assert_eq!(atomic_depth(), 0);
                ran.fetch_add(1, Ordering::AcqRel);
            })
            .unwrap();
        }
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.panicked, stats.leaked), (3, 0, 1));
    }
    assert_eq!(ran.load(Ordering::Acquire), 2);
}

/// Dropping the last `Arc<Workqueue>` inside one of its own work items:
/// dropping no longer joins the worker (which would be the thread doing the
/// dropping), so it neither panics nor hangs.
#[alloc_ctx::test]
fn the_last_workqueue_handle_dropped_by_its_own_work_item() {
    let (done_tx, done_rx) = mpsc::channel();
    {
        let wq = Arc::new(Workqueue::new("self-drop", 2, cx).unwrap());
        let handle = Arc::clone(&wq);
        wq.try_spawn(GFP_KERNEL, cx, move |_| {
            drop(handle); // the last handle, once the caller's is gone
            done_tx.send(()).unwrap();
        })
        .unwrap();
        drop(wq);
    }
    done_rx.recv_timeout(Duration::from_secs(30)).expect("the item ran to its end");
}

/// `fail_randomly(1.0)` fails every call (it used to succeed once in 2^32),
/// and `0.0` none.
#[test]
fn fail_randomly_one_fails_every_call_and_zero_none() {
    let always = FailInject::new().fail_randomly(1.0, 7);
    let never = FailInject::new().fail_randomly(0.0, 7);
    NoWait::enter(|cx| {
        for _ in 0..10_000 {
            assert!(cx.alloc_in(&always, GFP_ATOMIC | __GFP_NOWARN, Size::<KmallocMax>::new(8).unwrap()).is_err());
            assert!(cx.alloc_in(&never, GFP_ATOMIC, Size::<KmallocMax>::new(8).unwrap()).is_ok());
        }
    });
    assert_eq!((always.failures(), never.failures()), (10_000, 0));
}

/// A NaN or out-of-range probability used to disable the injection
/// silently; now it is refused with a message.
#[test]
#[should_panic(expected = "fail_randomly: the probability NaN is not in 0.0..=1.0")]
fn fail_randomly_refuses_nan() {
    let _ = FailInject::new().fail_randomly(f64::NAN, 1);
}

#[test]
#[should_panic(expected = "fail_randomly: the probability -0.5 is not in 0.0..=1.0")]
fn fail_randomly_refuses_a_negative_probability() {
    let _ = FailInject::new().fail_randomly(-0.5, 1);
}

/// `Mempool::new(usize::MAX, ..)`: the reserve's list cannot be sized, which
/// is a size error naming the bound (it used to be reported as an
/// out-of-memory of 8 bytes).
#[alloc_ctx::test]
fn an_absurd_mempool_size_is_a_size_error() {
    let error = Mempool::<u64>::new(usize::MAX, GFP_KERNEL, cx).unwrap_err();
    let Some(size_error) = error.size_error() else { panic!("expected a size error, got {error:?}") };
    assert!(size_error.is_overflow(), "{size_error:?}");
    assert_eq!(size_error.bound(), "KMALLOC_MAX_SIZE");
    let error = Mempool::<u64>::new(1 << 20, GFP_KERNEL, cx).unwrap_err();
    assert!(error.size_error().is_some_and(|e| !e.is_overflow()), "{error:?}");
}

/// A failure sweep reaches the work item of an interrupt handler's
/// deferral: `try_spawn_in` takes the item's memory from the caller's
/// backend, so the "no memory" path is one of the swept points (it used to
/// come from `System`, out of the sweep's reach).
#[alloc_ctx::test]
fn a_sweep_reaches_the_work_item_of_a_deferral() {
    use alloc_ctx::sweep::{SweepBackend, sweep_shared};
    use alloc_ctx::workqueue::QueueError;
    let dropped = Arc::new(AtomicUsize::new(0));
    let report = sweep_shared(|backend: &Arc<SweepBackend>| {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        let queued = NoWait::enter(|nw| wq.try_spawn_in(Arc::clone(backend), GFP_ATOMIC | __GFP_NOWARN, nw, |_| ()));
        if let Err(QueueError::NoMemory(..)) = queued {
            dropped.fetch_add(1, Ordering::AcqRel);
        }
        wq.shutdown(cx);
    });
    assert_eq!((report.points, report.failures_handled), (1, 1));
    assert_eq!(dropped.load(Ordering::Acquire), 1, "the failing point was the work item");
}

/// A NOFAIL request on a backend that has nothing left retries until
/// memory is freed; it is no longer silent: the stall is reported (first
/// after 16 retries, then every 256) with the size, flags and retry count,
/// like the kernel's allocation-stall warning.
#[alloc_ctx::test]
fn a_stalled_nofail_request_is_reported() {
    use alloc_ctx::KBox;
    use alloc_ctx::backend::Budget;
    use alloc_ctx::report::{AllocStall, set_stall_hook};
    use std::sync::atomic::AtomicU32;

    static RETRIES: AtomicU32 = AtomicU32::new(0);
    static SIZE: AtomicUsize = AtomicUsize::new(0);
    fn record(stall: &AllocStall) {
        SIZE.store(stall.size, Ordering::Release);
        RETRIES.store(stall.retries, Ordering::Release);
        assert!(stall.gfp.nofail());
    }
    let previous = set_stall_hook(record);

    let budget = Arc::new(Budget::new(64));
    let held = KBox::new_in([1u8; 64], Arc::clone(&budget), GFP_KERNEL, cx).unwrap();
    let stalled = {
        let budget = Arc::clone(&budget);
        alloc_ctx::thread::spawn(cx, move |cx| *KBox::new_in([2u8; 64], budget, GFP_KERNEL | __GFP_NOFAIL, cx))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while RETRIES.load(Ordering::Acquire) == 0 {
        assert!(std::time::Instant::now() < deadline, "no stall report after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!((RETRIES.load(Ordering::Acquire), SIZE.load(Ordering::Acquire)), (16, 64));
    drop(held); // memory comes back: the NOFAIL request succeeds
    assert_eq!(stalled.join(cx).unwrap(), [2u8; 64]);
    set_stall_hook(previous);
}
