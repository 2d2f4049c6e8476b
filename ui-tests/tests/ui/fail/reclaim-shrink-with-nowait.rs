// Hole check: running the shrinkers may sleep, so `reclaim::shrink` takes
// a sleep token, like a `#[may_sleep]` function; from atomic context (a
// `NoWait` token) it is refused with the project's "not a sleep token"
// message.
use alloc_ctx::flags::{GFP_ATOMIC, GfpFlags};
use alloc_ctx::{NoWait, reclaim};

fn main() {
    NoWait::enter(|nw| {
        let _freed = reclaim::shrink(nw, GFP_ATOMIC.gfp(), 4096);
    });
}
