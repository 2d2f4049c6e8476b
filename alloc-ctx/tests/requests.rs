//! What each kind of request does when the backend fails.

mod common;

use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, NofailMax, Size};
use alloc_ctx::{AllocError, AllocErrorKind, NoWait, reclaim::DEFAULT_RECLAIM_PASSES, reclaim::MAX_RECLAIM_RETRIES};
use common::{TestBackend, quiet_reports};

fn attempts_until_failure<F>(request: F) -> (usize, AllocError)
where
    F: FnOnce(&TestBackend) -> Result<(), AllocError>,
{
    quiet_reports();
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    let error = request(&backend).expect_err("the backend always fails");
    (backend.calls.get(), error)
}

fn size() -> Size<KmallocMax> {
    Size::new(64).unwrap()
}

#[test]
fn non_sleeping_requests_try_once() {
    let (calls, error) = attempts_until_failure(|b| NoWait::enter(|nw| nw.alloc_in(b, GFP_ATOMIC, size()).map(drop)));
    assert_eq!(calls, 1);
    assert_eq!(error.kind(), AllocErrorKind::OutOfMemory { size: 64, align: 1, gfp: GFP_ATOMIC.gfp() });
    assert_eq!(error.to_string(), "allocation of 64 bytes (align 1) failed, mode:0x820(GFP_ATOMIC)");
}

#[alloc_ctx::test]
fn noretry_reclaims_once() {
    let (calls, _) = attempts_until_failure(|b| cx.alloc_in(b, GFP_KERNEL | __GFP_NORETRY, size()).map(drop));
    assert_eq!(calls, 2);
}

#[alloc_ctx::test]
fn plain_sleeping_requests_reclaim_a_few_times() {
    let (calls, _) = attempts_until_failure(|b| cx.alloc_in(b, GFP_KERNEL, size()).map(drop));
    assert_eq!(calls, 1 + DEFAULT_RECLAIM_PASSES as usize);
}

#[alloc_ctx::test]
fn retry_mayfail_retries_up_to_the_kernel_limit() {
    let (calls, _) = attempts_until_failure(|b| cx.alloc_in(b, GFP_KERNEL | __GFP_RETRY_MAYFAIL, size()).map(drop));
    assert_eq!(calls, 1 + MAX_RECLAIM_RETRIES as usize);
}

#[alloc_ctx::test]
fn nofail_retries_until_it_succeeds() {
    let backend = TestBackend::new();
    backend.fail_next.set(5);
    {
        let buffer = cx.alloc_in(&backend, GFP_KERNEL | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 256]>());
        assert_eq!(buffer.len(), 256);
    }
    assert_eq!(backend.calls.get(), 6);
    assert_eq!(backend.live_bytes.get(), 0);
}
