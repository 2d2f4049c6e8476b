// Threads start with a sleep token of their own: `thread::spawn` and
// `Builder::spawn` (a `'static` closure), `thread::scope` with
// `Scope::spawn` (a closure that borrows from the caller). Spawning and
// joining may block, so each takes the caller's sleep token; the closures
// are `Send`, so the caller's token stays out of them.
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep, thread};

#[may_sleep]
fn fill(ring: &mut KVec<u64>, n: u64) -> usize {
    for value in 0..n {
        ring.push(value, GFP_KERNEL, cx).unwrap();
    }
    ring.len()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    // A `'static` thread: its result comes back through `join`.
    let worker = thread::spawn(cx, |cx| fill(cx, &mut KVec::new(), 4));
    assert_eq!(worker.join(cx).unwrap(), 4);

    // A named thread with a small stack.
    let named = thread::Builder::new().name("refill".into()).stack_size(64 * 1024);
    let worker = named.spawn(cx, |cx| fill(cx, &mut KVec::new(), 2)).unwrap();
    assert_eq!(worker.thread().name(), Some("refill"));
    assert_eq!(worker.join(cx).unwrap(), 2);

    // Scoped threads borrow from here; the scope joins them all.
    let total = AtomicUsize::new(0);
    let mut rings = [KVec::new(), KVec::new()];
    thread::scope(cx, |scope, cx| {
        let [a, b] = &mut rings;
        let total = &total;
        let first = scope.spawn(cx, move |cx| total.fetch_add(fill(cx, a, 3), Ordering::Relaxed));
        scope.spawn(cx, move |cx| total.fetch_add(fill(cx, b, 5), Ordering::Relaxed));
        first.join(cx).unwrap();
        // The scope's own thread keeps its token meanwhile.
        let mut here = KVec::new();
        fill(cx, &mut here, 1);
    });
    assert_eq!(total.load(Ordering::Relaxed), 8);
    assert_eq!((rings[0].len(), rings[1].len()), (3, 5));
}
