//! `Mempool::new` fills its reserve with sleeping requests: it may sleep.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = Mempool::<u64>::new(4, GFP_KERNEL, guard.token());
    drop(guard);
}
