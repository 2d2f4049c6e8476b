// Rule: run-time-sized growth cannot be NOFAIL (`MayFail`). A deep
// `TryClone` of a boxed vector allocates as much as the vector holds, which
// is only known at run time, so `__GFP_NOFAIL` (which needs a size proven at
// most 8 KiB) is refused even through a `MaySleep` token.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::{KBox, KVec, TryClone, may_sleep};

#[may_sleep]
fn snapshot(table: &KBox<KVec<u32>>) {
    let _copy = TryClone::try_clone(table, GFP_KERNEL | __GFP_NOFAIL, cx);
}

fn main() {}
