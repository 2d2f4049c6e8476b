//! `Workqueue::try_spawn` allocates the work item with the caller's flags: `GFP_KERNEL` may sleep.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::workqueue::Workqueue;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let wq = Workqueue::new("wq", 4, cx).unwrap();
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = wq.try_spawn(GFP_KERNEL, guard.token(), |_cx| ());
    drop(guard);
}
