// Rule: compile-time sizes are checked when the program is built. `[u8;
// 9000]` is over the 8 KiB NOFAIL bound, so `Size::<NofailMax>::of` fails
// `cargo build` (a const-evaluation error; it is not caught by `cargo
// check`, which does not evaluate generic constants).
use alloc_ctx::size::{NofailMax, Size};

fn main() {
    let size = Size::<NofailMax>::of::<[u8; 9000]>();
    assert_eq!(size.get(), 9000);
}
