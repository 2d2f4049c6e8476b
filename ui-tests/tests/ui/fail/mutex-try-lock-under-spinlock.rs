//! `Mutex::try_lock` never waits, but a mutex belongs to process context
//! (the kernel forbids `mutex_trylock()` in interrupt context: the owner
//! is a task), so it takes a sleep token like `lock`. Under a spinlock only
//! the guard's `NoWait` is at hand, so the call is refused.
use alloc_ctx::sync::{Mutex, SpinLock};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mutex = Mutex::new(0u32);
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _held = mutex.try_lock(guard.token());
    drop(guard);
}
