// Rule: container growth is a request like any other. A `KVec::push` with
// `GFP_KERNEL` through a `NoWait` token may sleep to grow the buffer, in a
// context that must not.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};

#[nowait]
fn queue_frame(queue: &mut KVec<u64>, frame: u64) -> bool {
    queue.push(frame, GFP_KERNEL, cx).is_ok()
}

fn main() {
    let mut queue = KVec::new();
    alloc_ctx::NoWait::enter(|nw| queue_frame(nw, &mut queue, 1));
}
