//! `Workqueue::flush` waits for the queued work items: it sleeps.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::sync::SpinLock;
use alloc_ctx::workqueue::Workqueue;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let wq = Workqueue::new("wq", 4, cx).unwrap();
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    wq.flush(guard.token());
    drop(guard);
}
