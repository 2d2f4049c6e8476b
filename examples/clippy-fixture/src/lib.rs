//! Allocation and blocking that bypass the tokens, under a spinlock. Each
//! line compiles; the shipped `clippy.toml` refuses each one.

use alloc_ctx::KVec;
use alloc_ctx::sync::SpinLock;

/// Copies a ring under its lock, the ways a slice makes easy.
#[alloc_ctx::nowait]
pub fn snapshot(ring: &SpinLock<KVec<u8>>) -> usize {
    let guard = ring.lock(cx);
    let copy = guard.to_vec(); // global allocator, under a spinlock
    let twice = guard.repeat(2); // the same
    let joined = [&guard[..], &guard[..]].concat(); // the same
    copy.len() + twice.len() + joined.len()
}

/// Waits for a thread under a lock.
#[alloc_ctx::nowait]
pub fn wait_under_lock(ring: &SpinLock<KVec<u8>>, worker: std::thread::JoinHandle<()>) {
    let _guard = ring.lock(cx);
    let _ = worker.join(); // blocks under a spinlock
}
