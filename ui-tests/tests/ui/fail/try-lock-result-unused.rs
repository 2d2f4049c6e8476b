// Rule: every `try_lock` is `#[must_use]`. A `try_lock` whose result is
// dropped takes the lock (when free) and releases it at once, so the code
// after it runs unprotected; with `unused_must_use` denied, as a driver's
// CI would, each of the three is an error.
#![deny(unused_must_use)]
use alloc_ctx::sync::{Mutex, SpinLock, SpinLockIrq};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let (stats, ring, config) = (SpinLock::new(0), SpinLockIrq::new(0), Mutex::new(0));
    stats.try_lock(cx);
    ring.try_lock(cx);
    config.try_lock(cx);
}
