//! `reclaim::shrink` runs shrinkers, which may write back and wait: it sleeps.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::reclaim::shrink;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = shrink(guard.token(), GFP_KERNEL.gfp(), 4096);
    drop(guard);
}
