//! `register_shrinker` allocates and takes the registry's lock: it may sleep.
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    let _ = register_shrinker(guard.token(), "cache", ShrinkerNeeds::Nothing, |_| 0);
    drop(guard);
}
