//! The checking global allocator, installed in this test binary: catches
//! allocations that bypass the tokens inside atomic sections, and only
//! those. Under Miri only the tests that record nothing run (a violation
//! captures a backtrace, which Miri's isolation does not support); they
//! still take every allocation of this binary through `CheckingAlloc`.
//! The checking allocator exists in debug builds and with
//! `--cfg alloc_ctx_checks`.
#![cfg(any(debug_assertions, alloc_ctx_checks))]

use std::hint::black_box;
use std::sync::{Mutex, MutexGuard, PoisonError};

use alloc_ctx::backend::FailInject;
use alloc_ctx::checking::{
    AllocKind, CheckingAlloc, MAX_RECORDED, Policy, take_violations, violation_count, violations,
};
use alloc_ctx::flags::*;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{KBox, KVec, NoWait};

#[global_allocator]
static ALLOCATOR: CheckingAlloc = CheckingAlloc::with_policy(Policy::Record);

/// Violations are process-wide: one test at a time, each starting clean.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    ALLOCATOR.set_policy(Policy::Record);
    take_violations();
    guard
}

#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "records a violation, whose backtrace needs `getcwd`: not under Miri's isolation")]
#[allow(clippy::vec_init_then_push, reason = "the stray push is the point: it is what slips past a review")]
fn a_stray_vec_push_in_an_atomic_section_is_caught_with_its_site() {
    let _serial = serial();
    {
        cx.nowait_scope(|_nw| {
            let mut stray: Vec<u32> = Vec::new();
            stray.push(1);
            black_box(&stray);
        });
    }
    assert_eq!(violation_count(), 1);
    let recorded = take_violations();
    assert_eq!(recorded.len(), 1);
    let violation = &recorded[0];
    assert_eq!((violation.size, violation.align, violation.kind, violation.atomic_depth), (16, 4, AllocKind::Alloc, 1));
    let text = violation.to_string();
    assert!(text.contains("allocation of 16 bytes (align 4, Alloc) in an atomic section (depth 1)"), "{text}");
    assert!(
        text.contains("a_stray_vec_push_in_an_atomic_section_is_caught_with_its_site"),
        "the backtrace names the site:\n{text}"
    );
    assert_eq!(violation_count(), 0, "take_violations resets the count");
}

#[test]
#[cfg_attr(miri, ignore = "records a violation, whose backtrace needs `getcwd`: not under Miri's isolation")]
fn growth_through_realloc_is_caught_too() {
    let _serial = serial();
    let mut log = String::with_capacity(4);
    NoWait::enter(|_nw| log.push_str("more than four bytes"));
    let recorded = take_violations();
    assert_eq!(recorded.len(), 1);
    assert_eq!((recorded[0].kind, recorded[0].size), (AllocKind::Realloc, 20));
}

#[alloc_ctx::test]
fn token_requests_in_atomic_sections_are_not_reported() {
    let _serial = serial();
    let size = Size::<KmallocMax>::new(256).unwrap();
    let failing = FailInject::new().fail_nth(1);
    {
        let pool = Mempool::<[u8; 64]>::new(1, GFP_KERNEL, cx).unwrap();
        let mut queue = KVec::new();
        cx.nowait_scope(|nw| {
            let buffer = nw.alloc(GFP_ATOMIC, size).unwrap();
            let event = KBox::new(5u32, GFP_ATOMIC, nw).unwrap();
            for i in 0..100 {
                queue.push(i, GFP_ATOMIC, nw).unwrap();
            }
            let element = pool.alloc([1; 64], GFP_ATOMIC, nw).unwrap();
            // A failed request allocates for its report: still a request.
            assert!(nw.alloc_in(&failing, GFP_ATOMIC, size).is_err());
            black_box((buffer, event, element));
        });
    }
    assert_eq!(violation_count(), 0, "{:#?}", violations());
}

#[alloc_ctx::test]
fn allocations_outside_atomic_sections_are_not_reported() {
    let _serial = serial();
    let mut outside = vec![1u8];
    {
        outside.extend_from_slice(&[2; 100]);
        cx.nowait_scope(|nw| drop(nw.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(8).unwrap())));
        let after = format!("{:?}", outside.len());
        black_box(after);
    }
    std::thread::spawn(|| black_box(vec![0u64; 32])).join().unwrap();
    assert_eq!(violation_count(), 0, "{:#?}", violations());
}

#[test]
#[cfg_attr(miri, ignore = "records a violation, whose backtrace needs `getcwd`: not under Miri's isolation")]
fn every_violation_is_counted_and_the_record_is_bounded() {
    let _serial = serial();
    NoWait::enter(|_nw| {
        for i in 0..MAX_RECORDED + 10 {
            black_box(Box::new(i));
        }
    });
    assert_eq!(violation_count(), MAX_RECORDED + 10);
    assert_eq!(violations().len(), MAX_RECORDED);
    assert_eq!(take_violations().len(), MAX_RECORDED);
}

#[test]
fn thread_local_destructors_may_allocate() {
    struct AllocatesOnDrop;
    impl Drop for AllocatesOnDrop {
        fn drop(&mut self) {
            black_box(vec![0u8; 64]);
        }
    }
    thread_local! {
        static GUARD: AllocatesOnDrop = const { AllocatesOnDrop };
    }
    let _serial = serial();
    std::thread::spawn(|| GUARD.with(|_| ())).join().unwrap();
    assert_eq!(violation_count(), 0);
}

/// Runs in a child process (see the next test): the abort policy stops the
/// program at the first violation.
#[test]
#[ignore = "helper: run by abort_policy_stops_the_program in a child process"]
fn abort_child() {
    if std::env::var_os("ALLOC_CTX_ABORT_CHILD").is_none() {
        return;
    }
    ALLOCATOR.set_policy(Policy::Abort);
    NoWait::enter(|_nw| black_box(vec![1u8, 2, 3]));
    unreachable!("the checking allocator should have aborted");
}

#[test]
#[cfg_attr(miri, ignore = "spawns a process")]
fn abort_policy_stops_the_program() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "abort_child", "--include-ignored", "--nocapture", "--test-threads=1"])
        .env("ALLOC_CTX_ABORT_CHILD", "1")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the child should abort:\n{stderr}");
    assert!(stderr.contains("alloc-ctx: BUG: allocation of 3 bytes (align 1, Alloc) in an atomic section"), "{stderr}");
    assert!(!stderr.contains("should have aborted"), "{stderr}");
}

/// A panic inside an atomic section, with a panic hook that captures and
/// prints a backtrace (as `RUST_BACKTRACE=1` does): the hook allocates while
/// it holds std's backtrace lock, and recording that allocation must not
/// capture a backtrace again under the same lock. It used to hang; now the
/// panic is reported and caught, and the violation recorded with frames
/// captured without that lock.
#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "captures backtraces, which need `getcwd`: not under Miri's isolation")]
fn a_panic_in_an_atomic_section_with_a_backtrace_hook_does_not_hang() {
    let _serial = serial();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        let text = format!("{info}\n{backtrace}");
        black_box(text);
    }));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let lock = std::sync::Arc::new(alloc_ctx::sync::SpinLock::new(0u32));
    let worker = {
        let lock = std::sync::Arc::clone(&lock);
        alloc_ctx::thread::spawn(cx, move |cx| {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _guard = lock.lock(cx);
                panic!("assertion failed under a spinlock");
            }));
            done_tx.send(caught.is_err()).unwrap();
        })
    };
    let outcome = done_rx.recv_timeout(std::time::Duration::from_secs(60));
    std::panic::set_hook(previous_hook);
    assert_eq!(outcome, Ok(true), "the panic was caught, not a hang");
    worker.join(cx).unwrap();
    assert!(violation_count() >= 1, "the hook's allocations in the section are still reported");
    let recorded = take_violations();
    // Captured without std's backtrace lock, which the hook holds.
    assert!(recorded.iter().all(|violation| violation.backtrace.frame_count() > 0));
}
