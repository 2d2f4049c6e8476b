//! `Workqueue::new` allocates and starts a worker thread: it may sleep.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::sync::SpinLock;
use alloc_ctx::workqueue::Workqueue;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = Workqueue::new("wq", 4, guard.token());
    drop(guard);
}
