// Rule: the entry form calls the `unsafe` `MaySleep::enter` for the user,
// but the user's body stays safe code: an `unsafe` operation in it still
// needs its own `unsafe` block (E0133), as in any function.
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let x = 0u8;
    let p = &raw const x;
    let _ = *p;
}
