// Rule (allocator families): shrinking a `VVec` reallocates through vmalloc, which
// refuses `__GFP_NORETRY` (a `vrealloc`), as growing does.
use alloc_ctx::flags::{__GFP_NORETRY, GFP_KERNEL};
use alloc_ctx::{VVec, may_sleep};
#[may_sleep]
fn trim(v: &mut VVec<u8>) -> bool {
    v.shrink_to_fit(GFP_KERNEL | __GFP_NORETRY, cx).is_ok()
}
fn main() {}
