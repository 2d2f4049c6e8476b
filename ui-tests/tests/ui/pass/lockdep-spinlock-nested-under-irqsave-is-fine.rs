// Run-time rule (lockdep): a plain `SpinLock` taken in a handler and elsewhere only
// with interrupts disabled (nested under a `SpinLockIrq`) is not reported.
use alloc_ctx::irq;
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
static OUTER: SpinLockIrq<()> = SpinLockIrq::new(());
static STATS: SpinLock<u64> = SpinLock::new(0);
#[alloc_ctx::may_sleep(entry)]
fn main() {
    irq::raise(|cx| *STATS.lock(cx) += 1).unwrap();
    let g = OUTER.lock_irqsave(cx);
    *STATS.lock(g.token()) += 1;
    drop(g);
    assert_eq!(*OUTER.lock_irqsave(cx), ());
}
