//! `Scope::spawn` creates a thread, which may block: it takes a sleep
//! token. Under a spinlock only the guard's `NoWait` is at hand, so the
//! call is refused with the sleep-token message.
use alloc_ctx::sync::SpinLock;
use alloc_ctx::thread;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    thread::scope(cx, |scope, cx| {
        let mut guard = lock.lock(cx);
        let _ = scope.spawn(guard.token(), |_cx| ());
    });
}
