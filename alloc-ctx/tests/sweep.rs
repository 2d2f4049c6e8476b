//! The failure sweep: counts points, fails each once, and catches panics
//! and leaks on the error paths.

mod common;

use alloc_ctx::backend::Backend;
use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sweep::{SweepBackend, SweepProblem, sweep, try_sweep};
use alloc_ctx::{AllocError, KBox, KVec, MaySleep, NoWait};
use common::quiet_reports;

/// A small driver: a config box, a ring grown element by element, a
/// receive buffer allocated in an atomic section.
struct Device<A: Backend> {
    config: KBox<[u32; 8], A>,
    ring: KVec<u64, A>,
    rx: KBox<u64, A>,
}

fn probe<A: Backend + Copy>(backend: A, cx: &mut MaySleep, entries: u64) -> Result<Device<A>, AllocError> {
    let config = KBox::new_in([0; 8], backend, GFP_KERNEL, cx)?;
    let mut ring = KVec::new_in(backend);
    for entry in 0..entries {
        ring.push(entry, GFP_KERNEL, cx)?;
    }
    let rx = cx.nowait_scope(|nw| KBox::new_in(0u64, backend, GFP_ATOMIC, nw))?;
    Ok(Device { config, ring, rx })
}

#[alloc_ctx::test]
fn sweeping_kvec_and_kbox_code_fails_every_point_once() {
    quiet_reports();
    let report = sweep(|backend: &SweepBackend| {
        let device = probe(backend, cx, 20)?;
        assert_eq!(device.ring.len(), 20);
        assert_eq!((device.config.len(), *device.rx), (8, 0));
        Ok::<_, AllocError>(())
    });
    // Count the points by hand: the config box, the ring's growths, rx.
    let counting = SweepBackend::counting();
    drop(probe(&counting, cx, 20).unwrap());
    assert!(counting.calls() >= 4, "box + at least two growths + rx");
    assert_eq!(report.points, counting.calls());
    assert_eq!(report.runs, report.points + 1);
    assert_eq!(report.failures_handled, report.points);
    // An injected failure fails the whole request, GFP_KERNEL included
    // (no retry absorbs it), so every point surfaces as an error.
    assert_eq!(report.errors_returned, report.points);
    assert_eq!(report.not_reached, 0);
    assert!(report.passed());
}

#[alloc_ctx::test]
fn an_injected_failure_of_a_sleeping_request_is_not_retried() {
    quiet_reports();
    let backend = SweepBackend::failing_at(1);
    {
        let error = cx.alloc_in(&backend, GFP_KERNEL | __GFP_RETRY_MAYFAIL, Size::<KmallocMax>::new(64).unwrap());
        assert!(error.is_err());
    }
    assert_eq!(backend.calls(), 1, "no reclaim pass and no retry after the injected failure");
}

#[alloc_ctx::test]
fn nofail_points_are_counted_but_absorbed() {
    let report = sweep(|backend: &SweepBackend| {
        let table = KBox::new_in([7u8; 128], backend, GFP_KERNEL | __GFP_NOFAIL, cx);
        assert_eq!(table[127], 7);
    });
    assert_eq!((report.points, report.failures_handled, report.errors_returned), (1, 1, 0));
}

#[test]
fn a_panicking_error_path_is_caught_and_named() {
    quiet_reports();
    let error = try_sweep(|backend: &SweepBackend| {
        NoWait::enter(|nw| {
            let header = KBox::new_in(1u32, backend, GFP_ATOMIC, nw)?;
            // The bug: the second allocation's failure is not handled.
            let body = KBox::new_in(2u32, backend, GFP_ATOMIC, nw).expect("body allocation");
            Ok::<_, AllocError>(*header + *body)
        })
    })
    .unwrap_err();
    let report = &error.report;
    assert_eq!((report.points, report.runs), (2, 3));
    assert_eq!(report.failures_handled, 1, "point 1 returns an error cleanly");
    assert_eq!(report.problems.len(), 1);
    match &report.problems[0] {
        SweepProblem::Panicked { point: Some(2), site: Some(site), message } => {
            assert!(message.contains("body allocation"), "{message}");
            // The site is the failing request's line in this file, not a
            // line inside alloc-ctx.
            assert!(site.file().ends_with("sweep.rs") && site.file().contains("tests"), "{site}");
        }
        other => panic!("expected a panic at point 2, got {other:?}"),
    }
    assert!(error.to_string().contains("panicked with point 2 (the request at "), "{error}");
    assert!(error.to_string().contains("failing: body allocation"), "{error}");
}

#[test]
#[should_panic(expected = "with point 2 (the request at alloc-ctx/tests/sweep.rs:110:25) failing")]
fn sweep_panics_when_a_run_panics() {
    quiet_reports();
    sweep(|backend: &SweepBackend| {
        NoWait::enter(|nw| {
            let _header = KBox::new_in(1u32, backend, GFP_ATOMIC, nw)?;
            let _body = KBox::new_in(2u32, backend, GFP_ATOMIC, nw).expect("body allocation");
            Ok::<_, AllocError>(())
        })
    });
}

#[test]
fn a_leaking_error_path_is_caught_with_the_leaked_blocks() {
    quiet_reports();
    let error = try_sweep(|backend: &SweepBackend| {
        NoWait::enter(|nw| {
            let header = KBox::new_in([0u64; 4], backend, GFP_ATOMIC, nw).map_err(|_| "no header")?;
            let mut queue = KVec::new_in(backend);
            queue.push(1u16, GFP_ATOMIC, nw).map_err(|_| "no queue")?;
            if KBox::new_in(0u8, backend, GFP_ATOMIC, nw).is_err() {
                // The bug: the error path forgets what it allocated.
                core::mem::forget(header);
                core::mem::forget(queue);
                return Err("no rx buffer");
            }
            Ok(())
        })
    })
    .unwrap_err();
    let report = &error.report;
    assert_eq!((report.points, report.failures_handled, report.errors_returned), (3, 2, 3));
    let [SweepProblem::Leaked { point: Some(3), site: Some(site), bytes: 40, blocks }] = &report.problems[..] else {
        panic!("expected one leak at point 3, got {:?}", report.problems);
    };
    let sizes: Vec<_> = blocks.iter().map(|block| (block.size, block.align, block.call)).collect();
    assert_eq!(sizes, [(32, 8, 1), (8, 2, 2)]);
    // Every site is a line of this test: the failed request's and each
    // leaked block's, each block at its own line.
    assert!(site.file().ends_with("sweep.rs") && site.file().contains("tests"), "{site}");
    assert!(blocks.iter().all(|block| block.site.file() == site.file()));
    assert_ne!(blocks[0].site.line(), blocks[1].site.line());
    assert!(error.to_string().contains("leaked 40 bytes with point 3 (the request at "), "{error}");
    assert!(error.to_string().contains("failing in 2 blocks"), "{error}");
}

#[test]
fn a_failing_counting_run_is_a_problem() {
    quiet_reports();
    let error = try_sweep(|_: &SweepBackend| Err::<(), _>("no device")).unwrap_err();
    assert_eq!(error.report.problems, [SweepProblem::CountingRunFailed]);
    assert_eq!(error.report.points, 0);
}

#[test]
fn the_report_displays_its_counts() {
    let report = sweep(|backend: &SweepBackend| {
        NoWait::enter(|nw| KBox::new_in(1u8, backend, GFP_ATOMIC | __GFP_NOWARN, nw).map(drop))
    });
    assert_eq!(
        report.to_string(),
        "failure sweep: 1 allocation points, 2 runs, 1 failures handled (1 returned an error), 0 points not reached"
    );
}

#[test]
fn scenarios_may_share_the_backend_with_threads() {
    quiet_reports();
    let report = sweep(|backend: &SweepBackend| {
        // Fixed order: each thread runs after the previous one joined.
        for value in 0..3u64 {
            std::thread::scope(|scope| {
                scope
                    .spawn(|| NoWait::enter(|nw| KBox::new_in(value, backend, GFP_ATOMIC, nw).map(drop)))
                    .join()
                    .unwrap()
            })?;
        }
        Ok::<_, AllocError>(())
    });
    assert_eq!((report.points, report.failures_handled, report.errors_returned), (3, 3, 3));
}
