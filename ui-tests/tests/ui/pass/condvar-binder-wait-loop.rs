// Binder's wait loop (`Thread::get_work`), ported with only the token: in a
// `#[may_sleep]` function the lock is taken with the caller's `MaySleep`,
// so its guard may be waited on; the wait releases the lock and re-takes
// it. (`fail/condvar-wait-in-nowait-fn.rs` is the same loop refused in a
// `#[nowait]` function.)
use alloc_ctx::may_sleep;
use alloc_ctx::sync::{CondVar, CondVarTimeoutResult, SpinLock, msecs_to_jiffies};

struct Thread {
    inner: SpinLock<Option<u32>>,
    work_condvar: CondVar,
}

impl Thread {
    #[may_sleep]
    fn get_work(&self) -> Option<u32> {
        let mut inner = self.inner.lock(cx);
        loop {
            if let Some(work) = inner.take() {
                return Some(work);
            }
            match self.work_condvar.wait_interruptible_timeout(&mut inner, msecs_to_jiffies(1)) {
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
    assert_eq!(thread.get_work(cx), Some(1));
    assert_eq!(thread.get_work(cx), None);
}
