// Rule: `__GFP_NOFAIL` with `__GFP_RETRY_MAYFAIL` is a contradiction: NOFAIL
// never fails, RETRY_MAYFAIL says the request may eventually fail. Rejected
// even though the request may sleep.
use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_RETRY_MAYFAIL, GFP_NOFS};
use alloc_ctx::size::{NofailMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = cx.alloc(
        GFP_NOFS | __GFP_RETRY_MAYFAIL | __GFP_NOFAIL,
        Size::<NofailMax>::of::<[u8; 256]>(),
    );
}
