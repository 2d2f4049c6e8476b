// Rule: a sleep token has one holder at a time. Passing `cx` to a call only
// reborrows it, but moving the `&mut MaySleep` itself into another binding
// (here one kept for a later probe) gives it away: `cx` is no longer usable
// afterwards, so no two places can sleep through one token.
use alloc_ctx::may_sleep;

#[may_sleep]
fn probe() {}

#[may_sleep]
fn init_device() {}

#[may_sleep(entry)]
fn main() {
    let probe_token = cx;
    init_device(cx);
    probe(probe_token);
}
