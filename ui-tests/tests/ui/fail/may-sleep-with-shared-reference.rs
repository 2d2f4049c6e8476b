// Rule: only the exclusive `&mut MaySleep` may sleep. A shared `&MaySleep`
// (kept, say, by a helper that only wanted to read the scope mask) can do
// nothing that sleeps: a `#[may_sleep]` function takes `&mut impl
// SleepToken`, and an atomic section freezes the token through a `&mut`
// borrow, which a shared reference would escape. The call is a type mismatch
// ("types differ in mutability").
use alloc_ctx::{MaySleep, may_sleep};

#[may_sleep]
fn load_firmware() {}

fn reload(cx: &MaySleep) {
    load_firmware(cx);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    reload(cx);
}
