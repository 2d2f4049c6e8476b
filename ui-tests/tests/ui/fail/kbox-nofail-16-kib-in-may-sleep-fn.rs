// Rule: a NOFAIL box of a value over 8 KiB cannot keep its promise, so
// `KBox::new` of a `[u8; 16384]` with `__GFP_NOFAIL` fails `cargo build`.
// Written in a `#[may_sleep]` function, as driver code would be; the
// build-time error must lead back to this call ("encountered while
// instantiating" note at the user's line), not only into alloc-ctx.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::{KBox, may_sleep};

#[may_sleep]
fn alloc_firmware_buffer() -> KBox<[u8; 16384]> {
    KBox::new([0u8; 16384], GFP_KERNEL | __GFP_NOFAIL, cx)
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let buffer = alloc_firmware_buffer(cx);
    assert_eq!(buffer.len(), 16384);
}
