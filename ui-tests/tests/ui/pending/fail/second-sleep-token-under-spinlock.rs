// Hole check: a spinlock freezes the sleep token it was taken with, but a
// thread may hold a second sleep token: `MaySleep::enter` nested inside
// another one hands out a fresh `&mut MaySleep` (the run-time check passes:
// nothing is locked yet). Taking the lock with the outer token and sleeping
// through the inner one (`GFP_KERNEL` under the spinlock) must not compile
// (today it is caught only at run time, by the atomic-depth check).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::MaySleep;

fn main() {
    let stats = SpinLock::new(0u64);
    MaySleep::enter(|outer| {
        MaySleep::enter(|inner| {
            let mut guard = stats.lock(outer);
            let _bounce = inner.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap());
            *guard += 1;
        });
    });
}
