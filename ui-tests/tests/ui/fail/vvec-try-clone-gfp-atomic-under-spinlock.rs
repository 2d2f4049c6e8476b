// Rule (allocator families): `VVec::try_clone` is a vmalloc request; vmalloc needs
// `__GFP_DIRECT_RECLAIM`, so cloning a vmalloc-backed table under a spinlock with
// `GFP_ATOMIC` is refused, naming the `Vmalloc` family and the fix.
use alloc_ctx::VVec;
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::SpinLock;
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table = SpinLock::new(VVec::<u64>::new());
    let mut g = table.lock(cx);
    let (t, nw) = g.split();
    let _snapshot = t.try_clone(GFP_ATOMIC, nw);
}
