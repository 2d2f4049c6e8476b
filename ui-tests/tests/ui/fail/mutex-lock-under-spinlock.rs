//! `Mutex::lock` blocks until the holder unlocks: it takes a sleep token.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the mutex's message.
use alloc_ctx::sync::{Mutex, SpinLock};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mutex = Mutex::new(0u32);
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = mutex.lock(guard.token());
    drop(guard);
}
