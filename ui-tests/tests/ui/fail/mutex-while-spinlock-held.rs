// Hole check: taking a sleeping `Mutex` with the sleep token while a
// spinlock taken with that same token is held. `Mutex::lock` may block, so
// it needs `&mut MaySleep`; the spinlock guard borrows `*cx` until it is
// dropped, so the call is a borrow error (E0499). (With the guard's own
// token instead, see `mutex-inside-spinlock`.)
use alloc_ctx::sync::{Mutex, SpinLock};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let config = Mutex::new(0u32);
    let stats = SpinLock::new(0u64);
    {
        let mut stats = stats.lock(cx);
        *config.lock(cx) += 1;
        *stats += 1;
    }
}
