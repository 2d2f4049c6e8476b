// Rule: raw bit patterns never reach the allocation path. Even a validated
// run-time `Gfp` is not a flags *type*: requests only take the typed
// constants (and their `|`), whose rules the compiler checks, so a `Gfp`
// built from bits cannot be passed as request flags.
use alloc_ctx::flags::Gfp;
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let gfp_kernel = Gfp::from_bits(0xCC0).unwrap();
    let _ = cx.alloc(gfp_kernel, Size::<KmallocMax>::new(64).unwrap());
}
