// Rule (locks): a spinlock guard returned inside a tuple from a `#[nowait]`
// function keeps the caller's sleep token frozen while it lives.
use alloc_ctx::nowait;
use alloc_ctx::sync::{Mutex, SpinLock, SpinLockGuard};
struct Dev {
    stats: SpinLock<u64>,
    config: Mutex<u32>,
}
#[nowait]
fn stats(dev: &Dev) -> (SpinLockGuard<'_, u64>, usize) {
    (dev.stats.lock(cx), 0)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(0), config: Mutex::new(0) };
    let g = stats(cx, &dev);
    *dev.config.lock(cx) += 1;
    drop(g);
}
