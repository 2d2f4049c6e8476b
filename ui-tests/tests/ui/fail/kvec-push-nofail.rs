// Rule: NOFAIL only with a size proven at most 8 KiB. `KVec::push` grows by
// an amount known only at run time, so it refuses `__GFP_NOFAIL` even
// through a sleep token (use `grow_to` with a `Size<NofailMax>` instead).
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::KVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut paths: KVec<[u64; 4]> = KVec::new();
    let _ = paths.push([0; 4], GFP_KERNEL | __GFP_NOFAIL, cx);
}
