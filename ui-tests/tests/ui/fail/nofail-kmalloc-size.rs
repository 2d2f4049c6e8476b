// Rule: a NOFAIL request only accepts a `Size<NofailMax>` (at most 8 KiB, an
// order-1 page allocation). A `Size<KmallocMax>` may be up to 4 MiB, which
// NOFAIL cannot promise; it must be re-checked (`try_into`) first.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let size = Size::<KmallocMax>::new(4096).unwrap();
    let _table = cx.alloc(GFP_KERNEL | __GFP_NOFAIL, size);
}
