//! `JoinHandle::join` waits for the thread, which may sleep: it takes a
//! sleep token. Under a spinlock only the guard's `NoWait` is at hand (the
//! sleep token is frozen), so the call is refused with the sleep-token
//! message. (Dropping the handle instead never blocks: it detaches.)
use alloc_ctx::sync::SpinLock;
use alloc_ctx::thread;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let worker = thread::spawn(cx, |_cx| 7u32);
    let stats = SpinLock::new(0u32);
    let mut guard = stats.lock(cx);
    let result = worker.join(guard.token());
    *guard = result.unwrap_or(0);
}
