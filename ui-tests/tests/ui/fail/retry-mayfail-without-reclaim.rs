// Rule: `__GFP_RETRY_MAYFAIL` requires `__GFP_DIRECT_RECLAIM`. "Retry hard,
// then fail" has nothing to retry on `GFP_NOWAIT`, which never reclaims.
use alloc_ctx::flags::{__GFP_RETRY_MAYFAIL, GFP_NOWAIT};
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let size = Size::<KmallocMax>::new(65536).unwrap();
    let _ = cx.alloc(GFP_NOWAIT | __GFP_RETRY_MAYFAIL, size);
}
