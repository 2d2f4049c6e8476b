// Driver author: an interrupt handler queues (with `GFP_ATOMIC`) a work item that
// takes a mutex with the worker's own sleep token.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::irq;
use alloc_ctx::sync::Mutex;
use alloc_ctx::workqueue::Workqueue;
use std::sync::Arc;
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let config = Arc::new(Mutex::new(0u32));
    let wq = Workqueue::new("cfg", 2, cx).unwrap();
    let c = Arc::clone(&config);
    irq::raise(|nw| wq.try_spawn(GFP_ATOMIC, nw, move |cx| *c.lock(cx) += 1)).unwrap().unwrap();
    assert_eq!(wq.shutdown(cx).completed, 1);
    assert_eq!(*config.lock(cx), 1);
}
