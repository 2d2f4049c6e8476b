// Rule: no raw bit patterns in safe code. The only unvalidated way to turn
// bits into a `Gfp` is the `unsafe` `Gfp::from_bits_unchecked`; calling it
// from safe code is an error. (0x8000 is `__GFP_NOFAIL` without direct
// reclaim: exactly what the validating `Gfp::from_bits` refuses.)
use alloc_ctx::flags::Gfp;

fn main() {
    let nofail_without_reclaim = Gfp::from_bits_unchecked(0x8000);
    assert!(nofail_without_reclaim.nofail());
}
