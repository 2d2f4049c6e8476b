//! `Mempool::alloc` with `GFP_KERNEL` waits for an element when the reserve
//! is empty: it may sleep. Under a spinlock only the guard's `NoWait` is at
//! hand, so the sleeping flags are refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let pool = Mempool::<u64>::new(4, GFP_KERNEL, cx).unwrap();
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = pool.alloc(7, GFP_KERNEL, guard.token());
    drop(guard);
}
