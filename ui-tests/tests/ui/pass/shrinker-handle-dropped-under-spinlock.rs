// Driver author: a `ShrinkerHandle` dropped under a spinlock compiles and does not
// block (the removal is deferred), as the table of what may sleep says.
use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker};
use alloc_ctx::sync::SpinLock;
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let slot = SpinLock::new(Some(register_shrinker(cx, "cache", ShrinkerNeeds::Nothing, |_| 0)));
    let mut g = slot.lock(cx);
    *g = None;
    drop(g);
}
