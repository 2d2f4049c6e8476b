// Rule (locks): a spinlock guard returned inside an `Option` from a marked function
// (`try_lock`) still borrows the caller's token: taking a mutex while it
// lives is a borrow error.
use alloc_ctx::nowait;
use alloc_ctx::sync::{Mutex, SpinLock, SpinLockGuard};
struct Dev {
    stats: SpinLock<u64>,
    config: Mutex<u32>,
}
#[nowait]
fn try_stats<'a>(dev: &'a Dev) -> Option<SpinLockGuard<'a, u64>> {
    dev.stats.try_lock(cx)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(0), config: Mutex::new(0) };
    let g = try_stats(cx, &dev);
    *dev.config.lock(cx) += 1;
    drop(g);
}
