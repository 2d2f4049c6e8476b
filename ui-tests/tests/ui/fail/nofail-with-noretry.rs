// Rule: `__GFP_NOFAIL` with `__GFP_NORETRY` is a contradiction: NOFAIL
// retries forever, NORETRY gives up after one pass. Rejected even though the
// request may sleep.
use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_NORETRY, GFP_KERNEL};
use alloc_ctx::size::{NofailMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = cx.alloc(
        GFP_KERNEL | __GFP_NOFAIL | __GFP_NORETRY,
        Size::<NofailMax>::of::<[u8; 256]>(),
    );
}
