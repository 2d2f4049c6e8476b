// Rule: the sleep token of `MaySleep::enter` is valid only inside the
// closure, after the run-time context check. Returning it would let it be
// used later, e.g. after entering an atomic section.
use alloc_ctx::MaySleep;

fn main() {
    let escaped = MaySleep::enter(|cx| cx);
    drop(escaped);
}
