// Rule: a guard returned from a marked function, even under a driver's
// alias, keeps the caller's sleep token frozen while it lives: a sleeping
// request through `cx` under it is a borrow error.
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{nowait, prelude::*};

type StatsGuard<'a> = SpinLockGuard<'a, u64>;

#[nowait]
fn stats(lock: &SpinLock<u64>) -> StatsGuard<'_> {
    lock.lock(cx)
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(0);
    let mut guard = stats(cx, &lock);
    let _buf = KVec::<u8>::with_capacity(16, GFP_KERNEL, cx);
    *guard += 1;
}
