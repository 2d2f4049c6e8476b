// Rule: a sleeping lock cannot be taken while a spinlock is held.
// `Mutex::lock` may block and needs a sleep token; under the spinlock only
// the guard's `NoWait` token is at hand (the `MaySleep` is frozen by the
// guard).
use alloc_ctx::sync::{Mutex, SpinLock};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let config = Mutex::new(0u32);
    let stats = SpinLock::new(0u64);
    {
        let mut stats = stats.lock(cx);
        *stats += 1;
        *config.lock(stats.token()) += 1;
    }
}
