// Refusal check: a `#[nowait]` method that takes a lock for its caller and
// returns the guard, `fn lock_queue(&self) -> SpinLockGuard<'_, KVec<u32>>`.
// The guard must freeze the caller's token for as long as it lives, so the
// caller's `cx` stays borrowed until the guard is dropped.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{KVec, nowait};

struct TxQueue {
    pending: SpinLock<KVec<u32>>,
}

impl TxQueue {
    #[nowait]
    fn lock_pending(&self) -> SpinLockGuard<'_, KVec<u32>> {
        self.pending.lock(cx)
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let queue = TxQueue { pending: SpinLock::new(KVec::new()) };
    {
        let mut pending = queue.lock_pending(cx);
        let nw = pending.token();
        pending.push(1, GFP_ATOMIC, nw).unwrap();
        drop(pending);
        let _spare = KVec::<u32>::with_capacity(64, GFP_KERNEL, cx).unwrap();
    }
}
