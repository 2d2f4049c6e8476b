// Rule: a size constant over its bound is a compile error, never a run-time
// one. `const_size!(Nofail, 8193)` is one byte over `NOFAIL_MAX_SIZE` (8
// KiB).
use alloc_ctx::const_size;
use alloc_ctx::size::{Nofail, Size};

const RING_HEADER: Size<Nofail> = const_size!(Nofail, 8193);

fn main() {
    assert_eq!(RING_HEADER.get(), 8193);
}
