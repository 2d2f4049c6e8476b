// Hole check: `SpinLockIrq::lock_irqsave` freezes the token like `lock`
// does: with local interrupts off and the lock held, a sleeping request
// through `cx` is a borrow error (E0499).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLockIrq;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let rx_head = SpinLockIrq::new(0usize);
    {
        let mut head = rx_head.lock_irqsave(cx);
        let _frame = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(1500).unwrap());
        *head += 1;
    }
}
