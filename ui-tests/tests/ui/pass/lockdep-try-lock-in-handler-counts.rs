// Run-time rule (lockdep, debug builds): a `try_lock` in a handler counts as taking
// the lock in hard interrupt context, so a later `lock` with interrupts on is
// reported.
use alloc_ctx::irq;
use alloc_ctx::sync::SpinLock;
static STATS: SpinLock<u64> = SpinLock::new(0);
#[alloc_ctx::may_sleep(entry)]
fn main() {
    irq::raise(|cx| {
        if let Some(mut g) = STATS.try_lock(cx) {
            *g += 1;
        }
    })
    .unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| *STATS.lock(cx) += 1));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("inconsistent lock state"), "{msg}");
}
