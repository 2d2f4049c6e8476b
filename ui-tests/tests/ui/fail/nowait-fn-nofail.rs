// Rule: a `#[nowait]` function cannot make a `__GFP_NOFAIL` request, even
// with a size proven small: NOFAIL waits for memory, and the function's
// `cx` is a `NoWait` token for a context that must not wait.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_ATOMIC};
use alloc_ctx::nowait;
use alloc_ctx::size::{NofailMax, Size};

#[nowait]
fn alloc_descriptor() -> usize {
    let desc = cx.alloc(GFP_ATOMIC | __GFP_NOFAIL, Size::<NofailMax>::of::<[u64; 8]>());
    desc.len()
}

fn main() {
    alloc_ctx::NoWait::enter(|nw| alloc_descriptor(nw));
}
