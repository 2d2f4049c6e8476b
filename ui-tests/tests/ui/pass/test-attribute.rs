// `#[alloc_ctx::test]`: `#[test]` plus `#[may_sleep(entry)]`. The harness
// runs a test on a thread of its own, where no token is live, so the test
// gets a sleep token `cx` (named otherwise with `cx = name`); `?` and a
// `Result` return work as in a plain test. (Built here without `--test`,
// so this checks that the attribute is accepted and expands; the crate's
// own integration tests run hundreds of such tests.)
#![allow(unused_imports)] // the test functions are compiled out here
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec};

#[alloc_ctx::test]
fn ring_grows() {
    let mut ring = KVec::<u64>::new();
    ring.push(1, GFP_KERNEL, cx).unwrap();
    cx.nowait_scope(|nw| ring.push(2, GFP_ATOMIC, nw)).unwrap();
    assert_eq!(ring.as_slice(), [1, 2]);
}

#[alloc_ctx::test]
fn ring_grows_with_question_mark() -> Result<(), AllocError> {
    let mut ring = KVec::<u64>::with_capacity(8, GFP_KERNEL, cx)?;
    ring.push(3, GFP_KERNEL, cx)?;
    Ok(())
}

#[alloc_ctx::test(cx = sleep)]
fn renamed_token() {
    let ring = KVec::<u8>::with_capacity(16, GFP_KERNEL, sleep).unwrap();
    assert!(ring.capacity() >= 16);
}

#[alloc_ctx::test]
#[should_panic(expected = "BUG: sleeping function called from invalid context")]
fn a_sleeping_request_under_an_unsafe_token_panics() {
    cx.nowait_scope(|_nw| {
        // SAFETY: broken on purpose, to show the run-time check.
        let lying = unsafe { alloc_ctx::MaySleep::assume() };
        let _ = KVec::<u8>::with_capacity(16, GFP_KERNEL, lying);
    });
}

fn main() {}
