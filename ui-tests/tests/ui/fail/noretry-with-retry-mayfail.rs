// Flag rule: `__GFP_NORETRY | __GFP_RETRY_MAYFAIL`, two opposite retry
// policies, refused like the NOFAIL contradictions (`RetryConsistent`).
use alloc_ctx::flags::{__GFP_NORETRY, __GFP_RETRY_MAYFAIL, GFP_KERNEL};
use alloc_ctx::KVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut v: KVec<u8> = KVec::new();
    let _ = v.push(1, GFP_KERNEL | __GFP_NORETRY | __GFP_RETRY_MAYFAIL, cx);
}
