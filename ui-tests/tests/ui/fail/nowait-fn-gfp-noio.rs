// Rule: a `#[nowait]` function cannot make a `GFP_NOIO` request.
// `GFP_NOIO` (0xC00) only forbids starting I/O; it still enters direct reclaim, i.e. sleeps, and the
// function's `cx` is a `NoWait` token: the request is rejected at type check.
use alloc_ctx::flags::GFP_NOIO;
use alloc_ctx::nowait;
use alloc_ctx::size::{KmallocMax, Size};

#[nowait]
fn rx_refill(len: usize) -> bool {
    let size = Size::<KmallocMax>::new(len).unwrap();
    cx.alloc(GFP_NOIO, size).is_ok()
}

fn main() {
    alloc_ctx::NoWait::enter(|nw| rx_refill(nw, 1500));
}
