// Hole check: the token a spinlock guard hands out (`guard.token()`) is a
// borrow of the caller's `cx`, not of the guard. Dropping the guard ends
// the atomic section, but while that `&mut NoWait` is still in use the
// sleep token stays frozen, so a sleeping request through `cx` before the
// last use of `nw` is a borrow error (E0499).
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let stats = SpinLock::new(0u64);
    {
        let guard = stats.lock(cx);
        let nw = guard.token();
        drop(guard);
        let _big = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap());
        let _small = nw.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(64).unwrap());
    }
}
