//! The edges of the runtime under faults: zero-sized flexible arrays, panic
//! payloads that panic when dropped, a flush racing a steady producer, a
//! panic while a work item is allocated, an interrupt left pending by a
//! leaked irq-save section, bad `Workqueue::new` arguments, and a shrinking
//! reallocation while a budget's reserve is in use. Each test would hang
//! rather than fail without its fix, so each waits under a watchdog.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use alloc_ctx::backend::Budget;
use alloc_ctx::error::{Error, code};
use alloc_ctx::flags::*;
use alloc_ctx::irq::Line;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sweep::{SweepBackend, SweepProblem, try_sweep};
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::workqueue::{QueueError, Workqueue};
use alloc_ctx::{AllocError, FlexArray, KBox, KVec, MaySleep};

/// Runs `f` on its own thread and fails the test if it has not returned
/// within `limit` (the thread is left behind: a hang must fail the test,
/// not block the suite). A panic in `f` is re-raised here.
fn within<R: Send + 'static>(limit: Duration, what: &str, f: impl FnOnce(&mut MaySleep) -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        // SAFETY: the start of a fresh thread, where no token exists (what
        // `alloc_ctx::thread::spawn` does; a watchdog must not wait for the
        // thread, which `alloc_ctx::thread`'s handles only do with a token).
        let _ = tx.send(catch_unwind(AssertUnwindSafe(|| unsafe { MaySleep::enter(f) })));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => {
            let _ = handle.join();
            value
        }
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("{what}: still running after {limit:?}"),
    }
}

/// Generous under Miri, which runs the same code thousands of times slower.
fn limit() -> Duration {
    if cfg!(miri) { Duration::from_secs(600) } else { Duration::from_secs(30) }
}

// ---- zero-sized blocks are aligned ------------------------------------------

#[repr(align(64))]
#[derive(Debug, PartialEq)]
struct Aligned64;

#[alloc_ctx::test]
fn an_empty_flex_array_of_u64_with_a_zero_sized_header_is_aligned() {
    let empty = KBox::<FlexArray<(), u64>>::new_flex((), 0, |_| 0, GFP_KERNEL, cx).unwrap();
    let address = (&raw const *empty).cast::<u8>() as usize;
    assert_eq!(address % align_of::<u64>(), 0, "the box's address {address:#x} is not aligned for u64");
    assert_eq!(empty.elems.as_ptr() as usize % align_of::<u64>(), 0);
    assert!(empty.elems.is_empty());
}

#[alloc_ctx::test]
fn a_zero_sized_over_aligned_flex_array_is_aligned() {
    let empty = KBox::<FlexArray<Aligned64, ()>>::new_flex(Aligned64, 3, |_| (), GFP_KERNEL, cx).unwrap();
    assert_eq!((&raw const empty.header) as usize % 64, 0);
    assert_eq!((&empty.header, empty.elems.len()), (&Aligned64, 3));
    let none = KBox::<FlexArray<Aligned64, u8>>::new_flex(Aligned64, 0, |_| 0, GFP_KERNEL, cx).unwrap();
    assert_eq!((&raw const none.header) as usize % 64, 0);
}

#[alloc_ctx::test]
fn zero_sized_boxes_and_slices_are_aligned() {
    let unit = KBox::new(Aligned64, GFP_KERNEL, cx).unwrap();
    assert_eq!((&raw const *unit) as usize % 64, 0);
    let empty = KBox::<[u64]>::from_slice(&[], GFP_KERNEL, cx).unwrap();
    assert_eq!(empty.as_ptr() as usize % align_of::<u64>(), 0);
    let mut vec = KVec::<Aligned64>::new();
    vec.push(Aligned64, GFP_KERNEL, cx).unwrap();
    assert_eq!(vec.as_ptr() as usize % 64, 0);
}

// ---- panic payloads that panic when dropped ---------------------------------

/// A panic payload whose `Drop` panics.
struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        panic!("the payload's own drop panics");
    }
}

fn throw_grenade() -> ! {
    std::panic::panic_any(Grenade)
}

#[alloc_ctx::test]
fn a_payload_that_panics_on_drop_does_not_kill_the_worker() {
    within(limit(), "the workqueue after a grenade payload", |cx| {
        {
            let wq = Workqueue::new("grenade", 4, cx).unwrap();
            wq.try_spawn(GFP_KERNEL, cx, |_| throw_grenade()).unwrap();
            wq.flush(cx);
            let ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&ran);
            wq.try_spawn(GFP_KERNEL, cx, move |_| flag.store(true, Ordering::Release)).unwrap();
            wq.flush(cx);
            assert!(ran.load(Ordering::Acquire), "the item after the grenade did not run");
            let stats = wq.shutdown(cx);
            assert_eq!((stats.completed, stats.panicked), (1, 1));
        };
    });
}

#[alloc_ctx::test]
fn a_sweep_reports_a_payload_that_panics_on_drop() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        try_sweep(|backend: &SweepBackend| -> Result<(), AllocError> {
            let _block = KBox::new_in(1u64, backend, GFP_KERNEL, cx)?;
            throw_grenade()
        })
    }));
    let Ok(Err(error)) = result else { panic!("the sweep itself panicked, or passed") };
    assert!(
        error.report.problems.iter().any(|problem| matches!(problem, SweepProblem::Panicked { .. })),
        "{:?}",
        error.report.problems
    );
}

// ---- flush waits for what was queued before it, not for an idle queue -------

#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "measures wall-clock time")]
fn flush_returns_while_another_thread_keeps_queueing() {
    let wq = Arc::new(Workqueue::new("busy", 4, cx).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (wq, stop) = (Arc::clone(&wq), Arc::clone(&stop));
        alloc_ctx::thread::spawn(cx, move |cx| {
            while !stop.load(Ordering::Acquire) {
                let queued = wq.try_spawn(GFP_KERNEL, cx, |_| std::thread::sleep(Duration::from_millis(5)));
                if queued.is_err() {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        })
    };
    // Let the producer fill the queue.
    std::thread::sleep(Duration::from_millis(50));
    let elapsed = {
        let wq = Arc::clone(&wq);
        within(Duration::from_secs(60), "flush under a steady producer", move |cx| {
            let start = Instant::now();
            wq.flush(cx);
            start.elapsed()
        })
    };
    stop.store(true, Ordering::Release);
    producer.join(cx).unwrap();
    // At most the running item and the four queued before the flush, 5 ms
    // each: far below a second, however long the producer goes on.
    assert!(elapsed < Duration::from_secs(1), "flush took {elapsed:?}");
}

#[alloc_ctx::test]
fn flush_waits_for_every_item_queued_before_it() {
    within(limit(), "flush", |cx| {
        {
            let wq = Workqueue::new("ordered", 8, cx).unwrap();
            let done = Arc::new(AtomicUsize::new(0));
            for _ in 0..8 {
                let done = Arc::clone(&done);
                wq.try_spawn(GFP_KERNEL, cx, move |_| {
                    std::thread::yield_now();
                    done.fetch_add(1, Ordering::AcqRel);
                })
                .unwrap();
            }
            wq.flush(cx);
            assert_eq!(done.load(Ordering::Acquire), 8);
            assert_eq!(wq.pending(), 0);
        };
    });
}

// ---- a panic while the work item is allocated gives its slot back -----------

#[alloc_ctx::test]
fn a_panic_while_allocating_a_work_item_gives_its_slot_back() {
    within(limit(), "try_spawn after panics", |cx| {
        {
            let wq = Arc::new(Workqueue::new("slots", 2, cx).unwrap());
            for _ in 0..4 {
                // A sleeping request for the work item from inside an atomic
                // section (a leaked lock guard): the crate's own
                // sleeping-in-atomic panic, raised while the item's memory is
                // requested. On its own thread, whose state it leaves raised.
                let shared = Arc::clone(&wq);
                let outcome = alloc_ctx::thread::spawn(cx, move |cx| {
                    let lock = SpinLock::new(());
                    std::mem::forget(lock.lock(cx));
                    catch_unwind(AssertUnwindSafe(|| shared.try_spawn(GFP_KERNEL, cx, |_| ()).is_ok()))
                })
                .join(cx)
                .unwrap();
                assert!(outcome.is_err(), "the sleeping request inside the section did not panic");
                assert_eq!(wq.pending(), 0, "the panic kept the item's queue slot");
            }
            assert_eq!(wq.pending(), 0);
            let ran = Arc::new(AtomicUsize::new(0));
            for _ in 0..2 {
                let ran = Arc::clone(&ran);
                wq.try_spawn(GFP_KERNEL, cx, move |_| {
                    ran.fetch_add(1, Ordering::AcqRel);
                })
                .map_err(|error| format!("{error:?}"))
                .unwrap();
            }
            wq.flush(cx);
            assert_eq!(ran.load(Ordering::Acquire), 2);
        };
    });
}

// ---- the worker delivers interrupts a leaked irq-save section left pending --

static LEFT_PENDING: AtomicU32 = AtomicU32::new(0);
static LEFT_PENDING_LINE: Line = Line::new(|_| {
    LEFT_PENDING.fetch_add(1, Ordering::AcqRel);
});

#[alloc_ctx::test]
fn the_worker_delivers_a_line_left_pending_by_a_leaked_irqsave_section() {
    within(limit(), "the leaked irq-save item", |cx| {
        {
            let wq = Workqueue::new("irqleak", 2, cx).unwrap();
            wq.try_spawn(GFP_KERNEL, cx, |cx| {
                let lock = SpinLockIrq::new(());
                let guard = lock.lock_irqsave(cx);
                // Masked: pending until interrupts are enabled again.
                LEFT_PENDING_LINE.raise();
                std::mem::forget(guard);
            })
            .unwrap();
            wq.flush(cx);
            assert_eq!(LEFT_PENDING.load(Ordering::Acquire), 1, "the pending line was never delivered");
            let stats = wq.shutdown(cx);
            assert_eq!((stats.completed, stats.leaked), (1, 1));
        };
    });
}

// ---- bad arguments to Workqueue::new are errors -----------------------------

#[alloc_ctx::test]
fn workqueue_new_rejects_a_huge_capacity_without_allocating_it() {
    for capacity in [usize::MAX, usize::MAX / 64, Workqueue::MAX_CAPACITY + 1] {
        let error = Workqueue::new("huge", capacity, cx).unwrap_err();
        assert_eq!(error, code::EINVAL, "capacity {capacity}");
    }
    let largest = Workqueue::new("largest", Workqueue::MAX_CAPACITY, cx).unwrap();
    assert_eq!(largest.capacity(), Workqueue::MAX_CAPACITY);
}

#[alloc_ctx::test]
fn workqueue_new_rejects_a_zero_capacity_and_a_nul_in_the_name() {
    assert_eq!(Workqueue::new("none", 0, cx).unwrap_err(), code::EINVAL);
    assert_eq!(Workqueue::new("bad\0name", 4, cx).unwrap_err(), code::EINVAL);
}

#[alloc_ctx::test]
fn workqueue_new_works_with_the_question_mark_in_driver_code() {
    fn probe(cx: &mut MaySleep) -> alloc_ctx::error::Result<usize> {
        let wq = Workqueue::new("probe", 4, cx)?;
        wq.try_spawn(GFP_KERNEL, cx, |_| ())?;
        Ok(wq.shutdown(cx).completed)
    }
    fn bad_probe(cx: &mut MaySleep) -> Result<(), Error> {
        let _wq = Workqueue::new("probe\0", 4, cx)?;
        Ok(())
    }
    {
        assert_eq!(probe(cx), Ok(1));
        assert_eq!(bad_probe(cx), Err(code::EINVAL));
    };
}

// ---- shrinking never needs the budget's headroom -----------------------------

/// A budget whose ordinary ceiling (3/4 of it) is already passed: the
/// reserve is in use by a `GFP_ATOMIC` block.
fn budget_past_its_ceiling() -> Budget {
    Budget::with_reserve(4096, 1024)
}

#[alloc_ctx::test]
fn a_vector_shrinks_while_the_budgets_reserve_is_in_use() {
    common::quiet_reports();
    within(limit(), "shrink_to_fit", |cx| {
        let budget = budget_past_its_ceiling();
        {
            let mut vec = KVec::<u8, _>::with_capacity_in(3000, &budget, GFP_KERNEL, cx).unwrap();
            vec.extend_from_slice(&[7; 16], GFP_KERNEL, cx).unwrap();
            let reserve = cx.alloc_in(&budget, GFP_ATOMIC, Size::<KmallocMax>::new(1000).unwrap()).unwrap();
            assert!(budget.live_bytes() > 3072, "the reserve is in use");
            vec.shrink_to_fit(GFP_KERNEL | __GFP_NOWARN, cx).expect("a shrink needs no headroom");
            assert_eq!(vec.capacity(), 16);
            assert_eq!(budget.live_bytes(), 1016);
            drop(reserve);
        };
    });
}

#[alloc_ctx::test]
fn into_iter_collect_shrinks_while_the_budgets_reserve_is_in_use() {
    common::quiet_reports();
    within(limit(), "IntoIter::collect", |cx| {
        let budget = budget_past_its_ceiling();
        {
            let mut vec = KVec::<u8, _>::with_capacity_in(3000, &budget, GFP_KERNEL, cx).unwrap();
            vec.extend_from_slice(&[7; 3000], GFP_KERNEL, cx).unwrap();
            let reserve = cx.alloc_in(&budget, GFP_ATOMIC, Size::<KmallocMax>::new(1000).unwrap()).unwrap();
            let mut rest = vec.into_iter();
            assert_eq!(rest.nth(2989), Some(7));
            let vec = rest.collect(GFP_KERNEL | __GFP_NOWARN, cx);
            assert_eq!((vec.len(), vec.capacity()), (10, 10));
            assert_eq!(budget.live_bytes(), 1010);
            drop(reserve);
        };
    });
}

#[alloc_ctx::test]
fn growing_past_the_ceiling_is_still_refused() {
    common::quiet_reports();
    let budget = budget_past_its_ceiling();
    {
        let mut vec = KVec::<u8, _>::with_capacity_in(3000, &budget, GFP_KERNEL, cx).unwrap();
        vec.extend_from_slice(&[1; 3000], GFP_KERNEL, cx).unwrap();
        let error = vec.reserve(100, GFP_NOWAIT | __GFP_NOWARN, cx).unwrap_err();
        assert!(error.is_out_of_memory());
        assert_eq!((vec.capacity(), budget.live_bytes()), (3000, 3000));
    };
}

// ---- the slot bookkeeping -----------------------------------------------------

#[alloc_ctx::test]
fn queue_error_keeps_the_work_after_a_full_queue() {
    // The slot bookkeeping after all the above: a full queue is still Full.
    within(limit(), "full queue", |cx| {
        {
            let wq = Workqueue::new("full", 1, cx).unwrap();
            let (gate_tx, gate_rx) = mpsc::channel::<()>();
            let (started_tx, started_rx) = mpsc::channel();
            wq.try_spawn(GFP_KERNEL, cx, move |_| {
                started_tx.send(()).unwrap();
                let _ = gate_rx.recv();
            })
            .unwrap();
            started_rx.recv().unwrap();
            wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap();
            let error = wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap_err();
            assert!(matches!(error, QueueError::Full(_)));
            assert_eq!(wq.pending(), 1);
            drop(gate_tx);
            assert_eq!(wq.shutdown(cx).completed, 2);
        };
    });
}
