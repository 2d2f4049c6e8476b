// Hole check: running the shrinkers may sleep (writeback, I/O), so
// `reclaim::shrink` takes the caller's sleep token. A call without one is
// refused (a missing argument).
use alloc_ctx::flags::{GFP_KERNEL, GfpFlags};
use alloc_ctx::reclaim;

fn main() {
    let _freed = reclaim::shrink(GFP_KERNEL.gfp(), 4096);
}
