// Refusal check: a helper that takes a lock for its caller and returns the
// guard. The guard must keep the caller's token frozen for as long as it
// lives, so the helper names that borrow: it takes the token as an
// ordinary `cx: &'a mut C` parameter (any token, `C: Token`) with the
// lifetime of the returned `SpinLockGuard<'a, _, C>` (the guard names the
// token it holds), and is called with `cx`
// like a marked function. After the guard is dropped, `cx` sleeps again.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{KVec, NoWait, Token};

struct TxQueue {
    pending: SpinLock<KVec<u32>>,
}

impl TxQueue {
    fn lock_pending<'a, C: Token + ?Sized>(&'a self, cx: &'a mut C) -> SpinLockGuard<'a, KVec<u32>, C> {
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
        let mut spare = KVec::<u32>::with_capacity(64, GFP_KERNEL, cx).unwrap();
        spare.push(2, GFP_KERNEL, cx).unwrap();
    }
    NoWait::enter(|nw| {
        let pending = queue.lock_pending(nw);
        assert_eq!(pending.as_slice(), &[1]);
    });
}
