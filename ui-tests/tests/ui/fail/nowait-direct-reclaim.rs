// Rule: a request made through a `NoWait` token must not contain
// `__GFP_DIRECT_RECLAIM`. Direct reclaim sleeps, and a `NoWait` token stands
// for a context that must not sleep, so adding the bit to an otherwise
// atomic request is rejected at type check, naming the leaf flag.
use alloc_ctx::NoWait;
use alloc_ctx::flags::{__GFP_DIRECT_RECLAIM, GFP_ATOMIC};
use alloc_ctx::size::{KmallocMax, Size};

fn main() {
    NoWait::enter(|nw| {
        let size = Size::<KmallocMax>::new(256).unwrap();
        let _ = nw.alloc(GFP_ATOMIC | __GFP_DIRECT_RECLAIM, size);
    });
}
