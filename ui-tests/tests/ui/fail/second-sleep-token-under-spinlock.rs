// Rule: a second sleep token cannot be minted where one could be frozen.
// A spinlock freezes the sleep token it was taken with; `MaySleep::enter`
// inside the section would hand out a fresh one that nothing freezes, so it
// is `unsafe` (safe tokens come from `main`, tests, threads and work items).
use alloc_ctx::MaySleep;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let stats = SpinLock::new(0u64);
    let mut guard = stats.lock(cx);
    MaySleep::enter(|inner| {
        let _bounce = inner.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap());
    });
    *guard += 1;
}
