// Rule: `__GFP_NOFAIL` requires `__GFP_DIRECT_RECLAIM`, even through a
// `MaySleep` token. `GFP_NOWAIT | __GFP_NOFAIL` asks a request that will not
// reclaim to never fail, which the kernel treats as a bug since v6.12.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_NOWAIT};
use alloc_ctx::size::{NofailMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = cx.alloc(GFP_NOWAIT | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 512]>());
}
