// Rule: the unchecked constructor `MaySleep::assume()` is an `unsafe fn`
// (for FFI and interrupt glue that knows its context); calling it from safe
// code is rejected.
use alloc_ctx::MaySleep;

fn main() {
    let _cx: &mut MaySleep = MaySleep::assume();
}
