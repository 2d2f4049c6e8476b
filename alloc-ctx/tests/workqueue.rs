//! The workqueue: work runs later with a sleep token, queueing never blocks,
//! shutdown drains and waits, dropping detaches (the worker still drains), and the "optimistic NOWAIT, heavier fallback" helper
//! really performs the deferred allocation.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use alloc_ctx::backend::FailInject;
use alloc_ctx::flags::*;
use alloc_ctx::in_atomic;
use alloc_ctx::irq;
use alloc_ctx::sync::Mutex;
use alloc_ctx::workqueue::{NowOrLater, QueueError, Workqueue};
use alloc_ctx::{AllocError, AllocErrorKind, KBox, KVec, MaySleep, NoWait};

/// Queues an item that blocks the worker until the returned sender is
/// dropped, and waits until the worker is inside it: later items stay
/// queued until then.
fn block_worker(wq: &Workqueue, cx: &mut MaySleep) -> Sender<()> {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let started = Arc::new(Barrier::new(2));
    let worker_started = Arc::clone(&started);
    wq.try_spawn(GFP_KERNEL, cx, move |_cx| {
        worker_started.wait();
        let _ = release_rx.recv(); // returns when the sender is dropped
    })
    .unwrap();
    started.wait();
    release_tx
}

fn collect<T>(rx: &Receiver<T>) -> Vec<T> {
    rx.try_iter().collect()
}

#[alloc_ctx::test]
fn work_runs_on_the_worker_with_a_sleep_token() {
    let (tx, rx) = mpsc::channel();
    let config = Arc::new(Mutex::new(0u32));
    {
        let wq = Workqueue::new("probe", 4, cx).unwrap();
        let worker_config = Arc::clone(&config);
        cx.nowait_scope(|nw| {
            wq.try_spawn(GFP_ATOMIC, nw, move |cx| {
                // Process context: sleeping requests and mutexes are fine.
                let table = KVec::<u64>::with_capacity(1024, GFP_KERNEL, cx).unwrap();
                *worker_config.lock(cx) = 1;
                let name = std::thread::current().name().map(str::to_owned);
                tx.send((name, in_atomic(), table.capacity())).unwrap();
            })
            .unwrap();
        });
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.panicked), (1, 0));
    }
    let (name, atomic, capacity) = rx.recv().unwrap();
    assert_eq!(name.as_deref(), Some("kworker/probe"));
    assert!(!atomic);
    assert!(capacity >= 1024);
    let config = Arc::into_inner(config).expect("the work item released its clone");
    assert_eq!(config.into_inner(), 1);
}

#[alloc_ctx::test]
fn fallback_performs_the_deferred_allocation_with_sleeping_flags() {
    // Call 1 (the GFP_NOWAIT attempt) fails; calls 2 (the work item) and 3
    // (on the worker) do not.
    static BACKEND: FailInject = FailInject::new().fail_nth(1);
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        let result = cx.nowait_scope(|nw| {
            wq.alloc_or_defer(
                nw,
                || [7u8; 1536],
                &BACKEND,
                GFP_KERNEL,
                move |_cx, outcome| {
                    let outcome: Result<KBox<[u8; 1536], &FailInject>, AllocError> = outcome;
                    tx.send((
                        outcome.map(|buffer| buffer[1535]),
                        in_atomic(),
                        std::thread::current().name().map(str::to_owned),
                    ))
                    .unwrap();
                },
            )
        });
        assert!(matches!(result, Ok(NowOrLater::Later)), "the NOWAIT attempt failed, so the work is deferred");
        wq.flush(cx);
        assert_eq!(wq.completed(), 1);
    }
    let (value, atomic, thread) = rx.recv().unwrap();
    assert_eq!(value, Ok(7), "the deferred allocation ran and was initialised");
    assert!(!atomic, "the completion runs in process context");
    assert_eq!(thread.as_deref(), Some("kworker/refill"));
    // The failed NOWAIT attempt, the work item (from the same backend, so
    // that sweeps reach it), the deferred allocation.
    assert_eq!((BACKEND.calls(), BACKEND.failures()), (3, 1));
}

#[alloc_ctx::test]
fn fallback_is_not_used_when_the_nowait_attempt_succeeds() {
    static BACKEND: FailInject = FailInject::new();
    let (tx, rx) = mpsc::channel::<()>();
    {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        let now = cx.nowait_scope(|nw| {
            wq.alloc_or_defer(nw, || 0x5eed_u64, &BACKEND, GFP_KERNEL, move |_cx, _outcome| tx.send(()).unwrap())
        });
        let boxed = now.unwrap().now().expect("allocated at once");
        assert_eq!(*boxed, 0x5eed);
        assert_eq!(wq.shutdown(cx).completed, 0, "nothing was queued");
    }
    assert!(rx.recv().is_err(), "the completion was dropped without running");
    assert_eq!(BACKEND.calls(), 1);
}

#[alloc_ctx::test]
fn deferred_allocation_failure_reaches_the_completion() {
    // Every request for the value fails: the atomic attempt and all reclaim
    // retries. The work item (a few dozen bytes, from the same backend)
    // does not, so the deferral is queued.
    static BACKEND: FailInject = FailInject::new().fail_at_least(256);
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        let result = NoWait::enter(|nw| {
            wq.alloc_or_defer(
                nw,
                || [0u32; 64],
                &BACKEND,
                GFP_KERNEL | __GFP_NOWARN,
                move |_cx, outcome| {
                    tx.send(outcome.map(drop)).unwrap();
                },
            )
        });
        assert!(matches!(result, Ok(NowOrLater::Later)));
        wq.shutdown(cx);
    }
    assert!(matches!(rx.recv().unwrap().map_err(|e| e.kind()), Err(AllocErrorKind::OutOfMemory { size: 256, .. })));
    assert!(BACKEND.failures() >= 2, "the worker retried with reclaim before giving up");
}

#[alloc_ctx::test]
fn nofail_fallback_hands_the_box_itself_to_the_completion() {
    static BACKEND: FailInject = FailInject::new().fail_nth(1);
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        let result = NoWait::enter(|nw| {
            wq.alloc_or_defer(
                nw,
                || [3u8; 512],
                &BACKEND,
                GFP_KERNEL | __GFP_NOFAIL,
                move |_cx, buffer| {
                    // NOFAIL: no Result to handle.
                    let buffer: KBox<[u8; 512], &FailInject> = buffer;
                    tx.send(buffer[0]).unwrap();
                },
            )
        });
        assert!(matches!(result, Ok(NowOrLater::Later)));
        wq.shutdown(cx);
    }
    assert_eq!(rx.recv().unwrap(), 3);
}

#[alloc_ctx::test]
fn queue_full_is_an_error_not_a_block() {
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("tx", 2, cx).unwrap();
        let release = block_worker(&wq, cx);
        let full = cx.nowait_scope(|nw| {
            for item in 0..2 {
                let tx = tx.clone();
                wq.try_spawn(GFP_ATOMIC, nw, move |_| tx.send(item).unwrap()).unwrap();
            }
            assert_eq!(wq.pending(), 2);
            // Third item: refused at once, and handed back.
            let tx = tx.clone();
            wq.try_spawn(GFP_ATOMIC, nw, move |_| tx.send(2).unwrap())
        });
        let error = full.unwrap_err();
        assert!(matches!(error, QueueError::Full(_)));
        assert_eq!(error.to_string(), "workqueue full: work not queued");
        // As an errno (`wq.try_spawn(..)?` in a driver): EBUSY.
        let full_again = QueueError::Full(());
        assert_eq!(alloc_ctx::error::Error::from(full_again), alloc_ctx::error::code::EBUSY);
        assert_eq!(wq.pending(), 2);
        // The refused work is whole: run it here, in process context.
        (error.into_inner())(cx);
        drop(release);
        wq.flush(cx);
        // Room again once the worker caught up.
        wq.try_spawn(GFP_KERNEL, cx, move |_| tx.send(3).unwrap()).unwrap();
        assert_eq!(wq.shutdown(cx).completed, 4);
    }
    assert_eq!(collect(&rx), [2, 0, 1, 3]);
}

#[alloc_ctx::test]
fn alloc_or_defer_reports_a_full_queue_and_returns_the_initialiser() {
    static BACKEND: FailInject = FailInject::new().fail_every(1);
    {
        let wq = Workqueue::new("refill", 1, cx).unwrap();
        let release = block_worker(&wq, cx);
        wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap(); // fills the queue
        let result = cx.nowait_scope(|nw| {
            wq.alloc_or_defer(nw, || 99u16, &BACKEND, GFP_KERNEL, |_cx, _outcome| unreachable!("never queued"))
        });
        let init = result.unwrap_err().into_inner();
        assert_eq!(init(), 99);
        assert_eq!(BACKEND.calls(), 1, "a full queue costs no allocation beyond the NOWAIT attempt");
        drop(release);
    }
}

#[alloc_ctx::test]
fn shutdown_drains_pending_items() {
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("drain", 8, cx).unwrap();
        let release = block_worker(&wq, cx);
        for item in 0..5 {
            let tx = tx.clone();
            wq.try_spawn(GFP_KERNEL, cx, move |_| tx.send(item).unwrap()).unwrap();
        }
        assert_eq!(wq.pending(), 5, "nothing ran yet");
        drop(release);
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.panicked), (6, 0));
    }
    assert_eq!(collect(&rx), [0, 1, 2, 3, 4], "every pending item ran, in order");
}

/// Dropping no longer joins the worker (it used to, like `shutdown`): it
/// closes the queue and detaches, and the worker drains what was queued on
/// its own. `shutdown(cx)` is the way to wait.
#[alloc_ctx::test]
fn dropping_the_workqueue_detaches_and_the_worker_still_drains() {
    let (tx, rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let started = Arc::new(Barrier::new(2));
    {
        let wq = Workqueue::new("drop", 4, cx).unwrap();
        let worker_started = Arc::clone(&started);
        wq.try_spawn(GFP_KERNEL, cx, move |_| {
            worker_started.wait();
            // Blocks the worker until released; a drop that waited for the
            // queue would wait here for the whole timeout.
            let _ = release_rx.recv_timeout(Duration::from_secs(10));
        })
        .unwrap();
        started.wait();
        for item in 0..3 {
            let tx = tx.clone();
            wq.try_spawn(GFP_KERNEL, cx, move |_| tx.send(item).unwrap()).unwrap();
        }
        drop(wq);
    }
    assert!(collect(&rx).is_empty(), "the drop returned without running the queued items");
    drop(release_tx);
    let drained: Vec<i32> = (0..3).map(|_| rx.recv_timeout(Duration::from_secs(30)).expect("drained")).collect();
    assert_eq!(drained, [0, 1, 2], "the detached worker ran every queued item, in order");
}

#[alloc_ctx::test]
fn a_panicking_item_is_counted_and_the_worker_goes_on() {
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("oops", 4, cx).unwrap();
        wq.try_spawn(GFP_KERNEL, cx, |_| panic!("oops in a work item")).unwrap();
        wq.try_spawn(GFP_KERNEL, cx, move |_| tx.send("next item ran").unwrap()).unwrap();
        let stats = wq.shutdown(cx);
        assert_eq!((stats.completed, stats.panicked), (1, 1));
    }
    assert_eq!(rx.recv().unwrap(), "next item ran");
}

#[alloc_ctx::test]
fn flush_from_its_own_work_item_panics_instead_of_deadlocking() {
    let wq = Arc::new(Workqueue::new("self", 2, cx).unwrap());
    let inner = Arc::clone(&wq);
    wq.try_spawn(GFP_KERNEL, cx, move |cx| inner.flush(cx)).unwrap();
    // The item's own `Arc` is dropped on the worker; wait for it.
    while Arc::strong_count(&wq) > 1 {
        std::thread::yield_now();
    }
    let wq = Arc::into_inner(wq).unwrap();
    assert_eq!(wq.shutdown(cx).panicked, 1);
}

#[alloc_ctx::test]
fn shutdown_from_its_own_work_item_panics_instead_of_deadlocking() {
    let slot: Arc<std::sync::Mutex<Option<Workqueue>>> = Arc::default();
    let wq = Workqueue::new("self-shutdown", 2, cx).unwrap();
    let (tx, rx) = mpsc::channel();
    let inner = Arc::clone(&slot);
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    wq.try_spawn(GFP_KERNEL, cx, move |cx| {
        ready_rx.recv().unwrap();
        let wq = inner.lock().unwrap().take().unwrap();
        let shutdown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wq.shutdown(cx)));
        let message = shutdown.err().and_then(|payload| payload.downcast::<String>().ok()).map(|text| *text);
        tx.send(message).unwrap();
    })
    .unwrap();
    *slot.lock().unwrap() = Some(wq);
    ready_tx.send(()).unwrap();
    // Before the fix this waited forever: a bounded wait turns a hang into
    // a failure.
    let message = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("the work item finished");
    assert_eq!(
        message.as_deref(),
        Some("shutdown of a workqueue from one of its own work items would wait for itself forever")
    );
}

#[alloc_ctx::test]
fn interrupt_handler_defers_sleeping_work() {
    let (tx, rx) = mpsc::channel();
    {
        let wq = Workqueue::new("rx", 4, cx).unwrap();
        let queued = irq::raise(|nw| {
            let tx = tx.clone();
            wq.try_spawn(GFP_ATOMIC, nw, move |cx| {
                let ring = KVec::<u8>::with_capacity(4096, GFP_KERNEL, cx);
                tx.send(ring.map(|ring| ring.capacity() >= 4096)).unwrap();
            })
            .is_ok()
        })
        .unwrap();
        assert!(queued);
        wq.shutdown(cx);
    }
    assert_eq!(rx.recv().unwrap(), Ok(true));
}
