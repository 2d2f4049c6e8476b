// A driver crate that forbids `unsafe` code still has a `main` and tests:
// the `unsafe` call inside the entry form's expansion is the macro's (the
// call site's span), and the user's body gets no `unsafe` context from it.
#![forbid(unsafe_code)]

use alloc_ctx::KVec;
use alloc_ctx::flags::GFP_KERNEL;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let ring = KVec::<u64>::with_capacity(8, GFP_KERNEL, cx).unwrap();
    assert!(ring.capacity() >= 8);
}
