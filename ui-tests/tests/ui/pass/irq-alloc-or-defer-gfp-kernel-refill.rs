// Driver author: an interrupt handler tries `GFP_NOWAIT` and defers the
// `GFP_KERNEL` allocation to a work item (`Workqueue::alloc_or_defer`).
use alloc_ctx::backend::System;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::irq;
use alloc_ctx::workqueue::{NowOrLater, Workqueue};
use std::sync::mpsc;
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let wq = Workqueue::new("refill", 4, cx).unwrap();
    let (tx, rx) = mpsc::channel();
    let now = irq::raise(|nw| {
        wq.alloc_or_defer(
            nw,
            || [0u8; 256],
            System,
            GFP_KERNEL,
            move |_cx, b| {
                tx.send(b.map(|b| b.len())).unwrap();
            },
        )
    })
    .unwrap()
    .unwrap();
    let stats = wq.shutdown(cx);
    match now {
        NowOrLater::Now(b) => assert_eq!(b.len(), 256),
        NowOrLater::Later => {
            assert_eq!(stats.completed, 1);
            assert_eq!(rx.recv().unwrap(), Ok(256));
        }
    }
}
