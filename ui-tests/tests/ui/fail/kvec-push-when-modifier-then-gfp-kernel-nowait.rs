// Rule: no `__GFP_DIRECT_RECLAIM` through a `NoWait` token, whatever the
// order of the `|` and whether a side is a run-time modifier. Here the
// modifier decided at run time (`__GFP_NOWARN.when(quiet)`) comes first and
// the sleeping `GFP_KERNEL` second, so the flags are
// `Or<When<__GFP_NOWARN>, GFP_KERNEL>`; the message must still name
// `GFP_KERNEL`.
use alloc_ctx::flags::{__GFP_NOWARN, GFP_KERNEL, Modifier};
use alloc_ctx::{KVec, nowait};

#[nowait]
fn log_event(events: &mut KVec<u64>, event: u64, quiet: bool) -> bool {
    events.push(event, __GFP_NOWARN.when(quiet) | GFP_KERNEL, cx).is_ok()
}

fn main() {}
