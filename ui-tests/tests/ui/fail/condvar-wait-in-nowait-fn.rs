//! Binder's wait loop, ported into a `#[nowait]` function: the lock is
//! taken with the function's `NoWait`, so the guard does not carry a
//! sleep token and `wait_interruptible_timeout` (which sleeps) is refused.
//! The same loop in a `#[may_sleep]` function compiles
//! (`pass/condvar-binder-wait-loop.rs`).
use alloc_ctx::nowait;
use alloc_ctx::sync::{CondVar, CondVarTimeoutResult, SpinLock, msecs_to_jiffies};

struct Thread {
    inner: SpinLock<Option<u32>>,
    work_condvar: CondVar,
}

impl Thread {
    #[nowait]
    fn get_work(&self) -> Option<u32> {
        let mut inner = self.inner.lock(cx);
        loop {
            if let Some(work) = inner.take() {
                return Some(work);
            }
            match self.work_condvar.wait_interruptible_timeout(&mut inner, msecs_to_jiffies(100)) {
                CondVarTimeoutResult::Timeout => return None,
                CondVarTimeoutResult::Signal { .. } => return None,
                CondVarTimeoutResult::Woken { .. } => {}
            }
        }
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let thread = Thread { inner: SpinLock::new(Some(1)), work_condvar: CondVar::new() };
    let _ = thread.get_work(cx);
}
