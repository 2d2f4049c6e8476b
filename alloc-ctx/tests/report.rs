//! The failure report: once per call site, never with __GFP_NOWARN.
//! (Its own test binary: the hook is process-wide.)

mod common;

use std::sync::Mutex;

use alloc_ctx::NoWait;
use alloc_ctx::flags::*;
use alloc_ctx::report::{AllocFailure, set_failure_hook};
use alloc_ctx::size::{KmallocMax, Size};
use common::TestBackend;

static REPORTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(failure: &AllocFailure) {
    REPORTS.lock().unwrap().push(failure.to_string());
}

#[test]
fn failures_are_reported_once_per_site_unless_nowarn() {
    set_failure_hook(record);
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    let size = Size::<KmallocMax>::new(100).unwrap();
    NoWait::enter(|nw| {
        for _ in 0..3 {
            assert!(nw.alloc_in(&backend, GFP_ATOMIC, size).is_err()); // one site, three failures
        }
        assert!(nw.alloc_in(&backend, GFP_NOWAIT, size).is_err()); // GFP_NOWAIT has __GFP_NOWARN
        assert!(nw.alloc_in(&backend, GFP_ATOMIC | __GFP_NOWARN, size).is_err());
    });
    let reports = REPORTS.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].starts_with("alloc-ctx: allocation failure: 100 bytes (align 1), mode:0x820(GFP_ATOMIC) at "));
    assert!(reports[0].contains("report.rs"), "names the call site: {}", reports[0]);
    assert_eq!(backend.calls.get(), 5);
}
