//! `Arc::new` allocates with the caller's flags: `GFP_KERNEL` may sleep.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::arc::Arc;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = Arc::new(1u32, GFP_KERNEL, guard.token());
    drop(guard);
}
