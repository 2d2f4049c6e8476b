//! `ShrinkerHandle::unregister` takes the registry's lock and waits for running passes: it may sleep (dropping the handle instead defers).
//! Under a spinlock only the guard's `NoWait` is at hand (the sleep token
//! is frozen), so the call is refused with the sleep-token message.
use alloc_ctx::reclaim::{ShrinkerNeeds, register_shrinker};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let handle = register_shrinker(cx, "cache", ShrinkerNeeds::Nothing, |_| 0);
    let lock = SpinLock::new(0u32);
    let guard = lock.lock(cx);
    handle.unregister(guard.token());
    drop(guard);
}
