// Rule: `MaySleep::enter` mints a sleep token, which nothing freezes: inside
// a `nowait_scope` (or under a spinlock, in a `#[nowait]` function) it would
// let a `GFP_KERNEL` request through. So it is `unsafe`, and a safe call is
// refused (E0133); safe code gets its token from `#[may_sleep(entry)] fn
// main`, `#[alloc_ctx::test]`, `alloc_ctx::thread::spawn` or a work item.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(|_nw| {
        let _ = MaySleep::enter(|cx| KVec::<u8>::with_capacity(64, GFP_KERNEL, cx));
    });
}
