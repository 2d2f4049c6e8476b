// Rule: no complements of flags in safe code. `!GFP_FS`-style masking is
// what NOFS/NOIO scopes are for (`cx.nofs(..)`), so typed flags do not
// implement `Not`.
use alloc_ctx::flags::{__GFP_FS, GFP_KERNEL};

fn main() {
    let _nofs = GFP_KERNEL | !__GFP_FS;
}
