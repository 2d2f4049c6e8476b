// Rule: the sleep token of an entry point (`#[may_sleep(entry)]`,
// `#[alloc_ctx::test]`, a thread's start) is valid only inside its body,
// after the run-time context check. Stored anywhere that outlives the body,
// it could be used later, e.g. after entering an atomic section: it is a
// borrow for the body only, so it cannot be.
use alloc_ctx::MaySleep;

fn keep(_cx: &'static mut MaySleep) {}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    keep(cx);
}
