// Rule: a `VVec` grown under a spinlock with `GFP_KERNEL` through the guard's
// token is refused (sleeping flags through a `NoWait`), naming the flag.
use alloc_ctx::VVec;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table = SpinLock::new(VVec::<u32>::new());
    let mut guard = table.lock(cx);
    let (table, nw) = guard.split();
    let _ = table.extend([1, 2, 3], GFP_KERNEL, nw);
}
