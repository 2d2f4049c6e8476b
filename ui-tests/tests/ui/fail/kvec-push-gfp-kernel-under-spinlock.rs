//! `KVec::push` (every growing container method) allocates with the
//! caller's flags: `GFP_KERNEL` may sleep. Under a spinlock only the
//! guard's `NoWait` is at hand, so the sleeping flags are refused.
use alloc_ctx::KVec;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let lock = SpinLock::new(KVec::<u64>::new());
    let mut guard = lock.lock(cx);
    let nw = guard.token();
    let _ = guard.push(1, GFP_KERNEL, nw);
}
