// Run-time rule (lockdep, debug builds): an interrupt raised while a plain `SpinLock`
// is held (interrupts on) whose handler takes it reports "inconsistent lock
// state" instead of spinning forever.
use alloc_ctx::irq;
use alloc_ctx::sync::SpinLock;
static STATS: SpinLock<u64> = SpinLock::new(0);
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let r = std::panic::catch_unwind(|| {
        alloc_ctx::NoWait::enter(|nw| {
            let _g = STATS.lock(nw);
            let _ = irq::raise(|cx| *STATS.lock(cx) += 1);
        })
    });
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("inconsistent lock state"), "{msg}");
    let _ = cx;
}
