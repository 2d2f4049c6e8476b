// Rule: no `__GFP_NOFAIL` through a `NoWait` token, through `Arc::new` as
// through `cx.alloc` and the containers. `GFP_ATOMIC | __GFP_NOFAIL` does
// not sleep, but a NOFAIL request can only keep its promise by sleeping, so
// a `#[nowait]` function cannot make it. (Through a `MaySleep` the same
// flags are refused as NOFAIL without direct reclaim.)
use alloc_ctx::arc::Arc;
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_ATOMIC};
use alloc_ctx::nowait;

struct Stats {
    rx: u64,
}

#[nowait]
fn new_stats() -> Arc<Stats> {
    Arc::new(Stats { rx: 0 }, GFP_ATOMIC | __GFP_NOFAIL, cx)
}

fn main() {
    let _ = |stats: Arc<Stats>| stats.rx;
}
