// Rule (DESIGN §3): a sleep token is handed on by value, `&mut cx` or
// `cx.reborrow()`, never through a shared `&cx`. Two sleep tokens made
// from one `&MaySleep` could not both be frozen by an atomic section's
// `&mut` borrow, so `&MaySleep` is not a sleep token.
use alloc_ctx::may_sleep;

#[may_sleep]
fn load_firmware() {}

#[may_sleep(entry)]
fn main() {
    load_firmware(&cx);
}
