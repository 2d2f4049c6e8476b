// Rule: a size constant over its bound is a compile error wherever
// `const_size!` is written, also inside a function body (the macro evaluates
// it as a `const` item, checked by `cargo check`). `const_size!(NofailMax,
// 8193)` is one byte over `NOFAIL_MAX_SIZE` (8 KiB).
use alloc_ctx::const_size;
use alloc_ctx::size::{NofailMax, Size};

fn control_block() -> Size<NofailMax> {
    const_size!(NofailMax, 8193)
}

fn main() {
    assert_eq!(control_block().get(), 8193);
}
