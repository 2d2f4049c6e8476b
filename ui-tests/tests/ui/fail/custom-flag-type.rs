// Rule: no new flag types outside the crate. `GfpFlags` is sealed: a user
// type claiming `__GFP_DIRECT_RECLAIM` bits while saying it does not reclaim
// would smuggle a sleeping request past the rules.
use alloc_ctx::flags::GfpFlags;
use alloc_ctx::flags::False;

#[derive(Clone, Copy)]
struct SneakyReclaim;

impl GfpFlags for SneakyReclaim {
    const BITS: u32 = 0x400;
    type DirectReclaim = False;
    type NoFail = False;
    type NoRetry = False;
    type RetryMayFail = False;
    type Zero = False;
}

fn main() {}
