// Allocator family: a `VVec` (vmalloc) grown with `GFP_ATOMIC` under a
// spinlock. The flags are fine for the context, but vmalloc needs
// `__GFP_DIRECT_RECLAIM` (Linux v6.12: "GFP_NOWAIT is not supported"), so
// the family refuses them: the error names the `Vmalloc` family and the flag.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{VVec};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let pages: SpinLock<VVec<u64>> = SpinLock::new(VVec::new());
    {
        let mut pages = pages.lock(cx);
        let (pages, nw) = pages.split();
        let _ = pages.push(1, GFP_ATOMIC, nw);
    };
}
