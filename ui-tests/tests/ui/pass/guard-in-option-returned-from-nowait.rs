// Driver author: a `#[nowait]` function returns `Option<SpinLockGuard<'_, T>>`
// (from `try_lock`); the caller uses it, drops it and takes the lock again.
use alloc_ctx::nowait;
use alloc_ctx::sync::SpinLock;
struct Dev {
    stats: SpinLock<u64>,
}
#[nowait]
fn try_stats(dev: &Dev) -> Option<alloc_ctx::sync::SpinLockGuard<'_, u64>> {
    dev.stats.try_lock(cx)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(0) };
    if let Some(mut g) = try_stats(cx, &dev) {
        *g += 1;
    }
    assert_eq!(*dev.stats.lock(cx), 1);
}
