// Diagnostic: using `cx` while a spinlock guard holds it. Calling even a
// `#[nowait]` function under the lock must go through the guard's token
// (`guard.token()`): `cx` itself is mutably borrowed by the guard until it
// is dropped (E0499), which the message must make visible (where `cx` was
// borrowed, and where the guard is used later).
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KVec, nowait};

#[nowait]
fn log_event(log: &mut KVec<u32>, event: u32) -> bool {
    log.push(event, GFP_ATOMIC, cx).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let queue = SpinLock::new(KVec::<u32>::new());
    let mut log = KVec::new();
    {
        let mut queue = queue.lock(cx);
        let nw = queue.token();
        if log_event(cx, &mut log, 1) {
            let _ = queue.push(1, GFP_ATOMIC, nw);
        }
    }
}
