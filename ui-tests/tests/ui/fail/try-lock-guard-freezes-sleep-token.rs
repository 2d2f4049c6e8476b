// Hole check: `SpinLock::try_lock` freezes the token like `lock` does. The
// guard it returns (inside the `Some`) borrows `*cx`, so a sleeping request
// through `cx` while it is held is a borrow error (E0499).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let ring = SpinLock::new(0u32);
    {
        if let Some(mut head) = ring.try_lock(cx) {
            let _slot = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(256).unwrap());
            *head += 1;
        }
    }
}
