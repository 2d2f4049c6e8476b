// Rule (DESIGN §3): `MaySleep` is not `Copy`. Passing it *by value* to a
// `#[may_sleep]` function gives it away; pass `&mut cx` or `cx.reborrow()`
// to keep using it.
use alloc_ctx::may_sleep;

#[may_sleep]
fn probe() {}

#[may_sleep]
fn init_device() {}

#[may_sleep(entry)]
fn main() {
    probe(cx);
    init_device(cx);
}
