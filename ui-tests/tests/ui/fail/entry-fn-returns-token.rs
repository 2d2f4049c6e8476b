// Hole check: the sleep token of a `#[may_sleep(entry)]` function is the
// argument of the entry closure and cannot leave it: returning `cx` would
// hand a "may sleep" proof to a caller that could be in an atomic section.
// The body runs inside `MaySleep::enter(|cx| ..)`, so returning `cx` is a
// lifetime error.
use alloc_ctx::{MaySleep, may_sleep};

#[may_sleep(entry)]
fn sleep_token() -> &'static mut MaySleep {
    cx
}

fn main() {
    let _cx = sleep_token();
}
