//! `CondVar::wait` sleeps: it releases the guard's lock, parks the thread
//! and re-takes the lock. A lock nested under another spinlock is taken
//! with the outer guard's `NoWait` (the sleep token is frozen), so its
//! guard cannot be waited on: sleeping would happen with the outer lock
//! still held.
use alloc_ctx::sync::{CondVar, SpinLock};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let outer = SpinLock::new(0u32);
    let inner = SpinLock::new(false);
    let cv = CondVar::new();
    let held = outer.lock(cx);
    let mut guard = inner.lock(held.token());
    while !*guard {
        cv.wait(&mut guard);
    }
}
