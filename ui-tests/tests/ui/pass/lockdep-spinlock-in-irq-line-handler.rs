// Run-time rule (lockdep, debug builds): a plain `SpinLock` taken in an `irq::Line`
// handler and then with interrupts enabled panics with "inconsistent lock state".
use alloc_ctx::NoWait;
use alloc_ctx::irq::Line;
use alloc_ctx::sync::SpinLock;
static STATS: SpinLock<u64> = SpinLock::new(0);
#[alloc_ctx::nowait(dyn)]
fn on_rx() {
    *STATS.lock(cx) += 1;
}
static RX: Line = Line::new(on_rx);
#[alloc_ctx::may_sleep(entry)]
fn main() {
    RX.raise();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *STATS.lock(cx) += 1));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("inconsistent lock state"), "{msg}");
    let _ = NoWait::enter(|_| ());
}
