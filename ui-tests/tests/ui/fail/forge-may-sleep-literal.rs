// Rule: a `MaySleep` cannot be built by safe code except through the
// run-time-checked entry points. Its field is private, so a struct
// expression is rejected.
use alloc_ctx::MaySleep;
use core::marker::PhantomData;

fn main() {
    let _cx: &mut MaySleep = &mut MaySleep {
        _not_send: PhantomData,
    };
}
