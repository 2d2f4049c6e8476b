// Rule (family 4): the future of a `#[may_sleep] async fn` borrows the caller's
// sleep token, so it cannot be polled inside a `nowait_scope` that froze the
// same token: a borrow error, not a second token.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

#[may_sleep]
async fn refill() -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |ring| ring.capacity())
}

#[may_sleep(entry)]
fn main() {
    let future = refill(cx);
    cx.nowait_scope(|_nw| {
        let mut future = pin!(future);
        let _ = future.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    });
}
