// Rule: `__GFP_NORETRY` requires `__GFP_DIRECT_RECLAIM`. NORETRY says how
// hard direct reclaim should try; on `GFP_ATOMIC`, which never reclaims, it
// means nothing and hides a mistake.
use alloc_ctx::flags::{__GFP_NORETRY, GFP_ATOMIC};
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let size = Size::<KmallocMax>::new(4096).unwrap();
    let _ = cx.alloc(GFP_ATOMIC | __GFP_NORETRY, size);
}
