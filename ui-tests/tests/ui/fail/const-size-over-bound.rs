// Rule: a size constant over its bound is a compile error, never a run-time
// one. `const_size!(NofailMax, 8193)` is one byte over `NOFAIL_MAX_SIZE` (8
// KiB).
use alloc_ctx::const_size;
use alloc_ctx::size::{NofailMax, Size};

const RING_HEADER: Size<NofailMax> = const_size!(NofailMax, 8193);

fn main() {
    assert_eq!(RING_HEADER.get(), 8193);
}
