// Rule: `__GFP_NOFAIL` is never allowed through a `NoWait` token. NOFAIL
// keeps its promise by reclaiming and sleeping until memory is free; a
// context that must not sleep cannot do that, so the request is rejected at
// type check instead of "losing" at run time.
use alloc_ctx::NoWait;
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_ATOMIC};
use alloc_ctx::size::{NofailMax, Size};

fn main() {
    NoWait::enter(|nw| {
        let _ = nw.alloc(GFP_ATOMIC | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
    });
}
