// Hole check: a non-sleeping token derived from the sleep token keeps the
// sleep token frozen, also when it is handed on to a spinlock. `nw` is
// `cx.nowait()`, the spinlock is taken with `nw`, and while the guard lives
// the code tries to sleep through `cx` (a `GFP_KERNEL` request): that would
// sleep with a spinlock held. `nw` (and so the guard) is a borrow of `*cx`,
// so the borrow checker refuses the second use (E0499).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let stats = SpinLock::new(0u64);
    {
        let nw = cx.nowait();
        let mut guard = stats.lock(nw);
        let _bounce = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap());
        *guard += 1;
    }
}
