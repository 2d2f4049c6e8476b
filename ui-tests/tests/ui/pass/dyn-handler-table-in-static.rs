// Driver author: a table of interrupt handlers as trait objects in a
// `static` (a `#[nowait(dyn)]` trait method, so the trait is dyn-compatible),
// dispatched from `irq::raise` and from process context.
use core::sync::atomic::{AtomicU32, Ordering};

use alloc_ctx::{irq, nowait};

trait Handler: Sync {
    #[nowait(dyn)]
    fn handle(&self) -> u32;
}

struct Counter(AtomicU32);

impl Handler for Counter {
    #[nowait(dyn)]
    fn handle(&self) -> u32 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

static TIMER: Counter = Counter(AtomicU32::new(0));
static HANDLERS: [&dyn Handler; 1] = [&TIMER];

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(irq::raise(|nw| HANDLERS[0].handle(nw)).unwrap(), 1);
    assert_eq!(HANDLERS[0].handle(cx), 2);
}
