//! Idle workers are reused by the next workqueue of the same name (a
//! failure sweep creates one per point), without changing what a workqueue
//! guarantees: its worker's name, a clean context state for every item, and
//! a `shutdown` that returns after every item ran and was dropped. One test
//! binary of its own: the pool is process-wide.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::ThreadId;

use alloc_ctx::flags::*;
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{MaySleep, in_atomic, irq::irqs_disabled};

/// Where and how an item ran.
#[derive(Debug, PartialEq)]
struct Seen {
    thread: ThreadId,
    name: Option<String>,
    atomic: bool,
    irqs_off: bool,
}

fn seen() -> Seen {
    let current = std::thread::current();
    Seen {
        thread: current.id(),
        name: current.name().map(str::to_owned),
        atomic: in_atomic(),
        irqs_off: irqs_disabled(),
    }
}

/// Runs one item on a fresh workqueue named `name`, leaking an irq-save
/// section if `leak`; returns what it saw.
fn one_item(name: &str, leak: bool, cx: &mut MaySleep) -> Seen {
    let (tx, rx) = mpsc::channel();
    let wq = Workqueue::new(name, 2, cx).unwrap();
    wq.try_spawn(GFP_KERNEL, cx, move |cx| {
        tx.send(seen()).unwrap();
        if leak {
            let lock = SpinLockIrq::new(());
            std::mem::forget(lock.lock_irqsave(cx));
        }
    })
    .unwrap();
    let stats = wq.shutdown(cx);
    assert_eq!((stats.completed, stats.leaked), (1, usize::from(leak)));
    rx.recv().unwrap()
}

#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "no idle workers under Miri, which would report them running at exit")]
fn a_workqueue_of_the_same_name_reuses_the_idle_worker_with_a_clean_state() {
    let first = one_item("pooled", true, cx);
    let second = one_item("pooled", false, cx);
    assert_eq!(second.thread, first.thread, "the idle worker was not reused");
    assert_eq!(second.name.as_deref(), Some("kworker/pooled"));
    // The first item's leaked section did not reach the second.
    assert!(!second.atomic && !second.irqs_off);
    // Another name: another thread, with its own name.
    let other = one_item("other", false, cx);
    assert_ne!(other.thread, first.thread);
    assert_eq!(other.name.as_deref(), Some("kworker/other"));
}

#[alloc_ctx::test]
fn shutdown_returns_after_every_item_was_dropped_also_on_a_reused_worker() {
    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            std::thread::yield_now();
            self.0.store(true, Ordering::Release);
        }
    }
    {
        for _ in 0..3 {
            let dropped = Arc::new(AtomicBool::new(false));
            let wq = Workqueue::new("drops", 2, cx).unwrap();
            let guard = SetOnDrop(Arc::clone(&dropped));
            wq.try_spawn(GFP_KERNEL, cx, move |_| drop(guard)).unwrap();
            let guard = SetOnDrop(Arc::clone(&dropped));
            // Dropped with the item's closure after it runs.
            wq.try_spawn(GFP_KERNEL, cx, move |_| {
                let _keep = &guard;
            })
            .unwrap();
            wq.shutdown(cx);
            assert!(dropped.load(Ordering::Acquire));
        }
    };
}
