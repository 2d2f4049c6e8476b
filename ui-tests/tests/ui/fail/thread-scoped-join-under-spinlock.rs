//! `ScopedJoinHandle::join` waits for the thread, which may sleep: it
//! takes a sleep token. Under a spinlock only the guard's `NoWait` is at
//! hand, so the call is refused with the sleep-token message.
use alloc_ctx::sync::SpinLock;
use alloc_ctx::thread;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    thread::scope(cx, |scope, cx| {
        let worker = scope.spawn(cx, |_cx| 7u32);
        let mut guard = lock.lock(cx);
        let result = worker.join(guard.token());
        *guard = result.unwrap_or(0);
    });
}
