// Rule: taking a spinlock borrows the sleep token mutably for as long as the
// guard lives. Holding a spinlock is an atomic section, so a sleeping
// request through the frozen `MaySleep` is a borrow error until the guard is
// dropped.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::KVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let tx_queue = SpinLock::new(KVec::<u64>::new());
    {
        let queue = tx_queue.lock(cx);
        let _bounce = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap());
        drop(queue);
    }
}
