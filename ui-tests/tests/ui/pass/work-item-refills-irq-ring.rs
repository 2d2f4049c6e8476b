// Driver author: the refill pattern. A work item reserves room in a
// `SpinLockIrq<KVVec>` ring with `GFP_KERNEL` (taking the lock only to swap
// the grown ring in), and the interrupt handler then pushes without
// allocating (`push_within_capacity`), or with `GFP_ATOMIC` when full.
use std::sync::Arc;

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{KVVec, MaySleep, irq, may_sleep};

#[may_sleep]
fn refill(ring: &SpinLockIrq<KVVec<u64>>, room: usize) {
    let mut spare = KVVec::with_capacity(room, GFP_KERNEL, cx).expect("refill");
    let mut guard = ring.lock_irqsave(cx);
    let (ring, nw) = guard.split();
    for frame in ring.drain_all() {
        spare.push(frame, GFP_ATOMIC, nw).expect("room");
    }
    core::mem::swap(ring, &mut spare);
}

#[may_sleep(entry)]
fn main() {
    let ring = Arc::new(SpinLockIrq::new(KVVec::new()));
    let wq = Workqueue::new("refill", 2, cx).unwrap();
    let r = Arc::clone(&ring);
    wq.try_spawn(GFP_KERNEL, cx, move |cx: &mut MaySleep| refill(cx, &r, 8)).unwrap();
    wq.flush(cx);
    let stored = irq::raise(|nw| {
        let mut ring = ring.lock_irqsave(nw);
        ring.push_within_capacity(1).is_ok()
    });
    assert!(stored.unwrap());
    assert_eq!(wq.shutdown(cx).completed, 1);
}
