//! `CondVar::wait_interruptible_timeout` sleeps (binder's wait loop). Under
//! another spinlock the inner lock is taken with the outer guard's
//! `NoWait`, so the wait is refused.
use alloc_ctx::sync::{CondVar, CondVarTimeoutResult, SpinLock, msecs_to_jiffies};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let outer = SpinLock::new(0u32);
    let inner = SpinLock::new(false);
    let cv = CondVar::new();
    let held = outer.lock(cx);
    let mut guard = inner.lock(held.token());
    while !*guard {
        if let CondVarTimeoutResult::Timeout = cv.wait_interruptible_timeout(&mut guard, msecs_to_jiffies(10)) {
            break;
        }
    }
}
