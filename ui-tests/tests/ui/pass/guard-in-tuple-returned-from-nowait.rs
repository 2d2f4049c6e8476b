// Driver author: a `#[nowait]` function returns a guard together with a value in a
// tuple.
use alloc_ctx::nowait;
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
struct Dev {
    stats: SpinLock<u64>,
    id: u32,
}
#[nowait]
fn stats(dev: &Dev) -> (SpinLockGuard<'_, u64>, u32) {
    (dev.stats.lock(cx), dev.id)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(0), id: 3 };
    let (mut g, id) = stats(cx, &dev);
    *g += u64::from(id);
    drop(g);
    assert_eq!(*dev.stats.lock(cx), 3);
}
