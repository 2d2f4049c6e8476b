// Rule: a `#[nowait]` function cannot make a `GFP_KERNEL` request.
// `GFP_KERNEL` (0xCC0) may enter direct reclaim, i.e. sleep, and the
// function's `cx` is a `NoWait` token: the request is rejected at type check.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::nowait;
use alloc_ctx::size::{KmallocMax, Size};

#[nowait]
fn rx_refill(len: usize) -> bool {
    let size = Size::<KmallocMax>::new(len).unwrap();
    cx.alloc(GFP_KERNEL, size).is_ok()
}

fn main() {
    alloc_ctx::NoWait::enter(|nw| rx_refill(nw, 1500));
}
