// Hole check: a container growing with sleeping flags while a spinlock
// taken with the same sleep token is held. `lock(cx)` borrows `*cx` for as
// long as the guard lives, so `push(.., GFP_KERNEL, cx)` under the lock is
// a borrow error (E0499), not a sleep in atomic context. Under the lock the
// only usable token is `guard.token()`, through which `GFP_KERNEL` does not
// compile either.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::KVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let pending = SpinLock::new(0usize);
    let mut log: KVec<u32> = KVec::new();
    {
        let mut pending = pending.lock(cx);
        *pending += 1;
        let _ = log.push(7, GFP_KERNEL, cx);
        drop(pending);
    }
}
