// Rule: flag types cannot be constructed by hand. An `Or<A, B>` is only
// built by `|` on typed flags (so its properties are computed by the
// compiler); its fields are private, so a struct expression outside the
// crate is rejected.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_ATOMIC, Or};

fn main() {
    let _flags = Or(GFP_ATOMIC, __GFP_NOFAIL);
}
