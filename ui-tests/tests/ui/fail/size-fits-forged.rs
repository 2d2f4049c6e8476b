// Hole check: `SizeFits` (the bound of `grow_to`, which takes the size
// before the flags) is sealed like `SizeFor`: a user impl claiming that an
// unchecked 64 MiB "size" fits a NOFAIL request is refused, so no forged
// size reaches the allocator.
use alloc_ctx::rules::SizeFits;
use alloc_ctx::flags::{GFP_KERNEL, Or, __GFP_NOFAIL};
use alloc_ctx::size::KmallocMax;

#[derive(Clone, Copy)]
struct Big;

impl SizeFits<Big, KmallocMax> for Or<GFP_KERNEL, __GFP_NOFAIL> {
    fn bytes(_: Big) -> usize {
        64 << 20
    }
}

fn main() {}
