// Rule: atomic sections borrow the sleep token. While a `nowait_scope` runs,
// the `MaySleep` is mutably borrowed by it, so using the outer sleep token
// inside the section (to make a sleeping request) is a borrow error.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let size = Size::<KmallocMax>::new(64).unwrap();
    cx.nowait_scope(|nw| {
        let _fast = nw.alloc(GFP_ATOMIC, size);
        let _slow = cx.alloc(GFP_KERNEL, size);
    });
}
