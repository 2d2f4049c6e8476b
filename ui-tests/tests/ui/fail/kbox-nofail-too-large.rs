// Rule: a NOFAIL box of a type larger than 8 KiB cannot keep its promise
// (the page allocator warns on NOFAIL above order 1), so `KBox::new` with
// `__GFP_NOFAIL` and a 16 KiB value fails `cargo build`.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::KBox;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table = KBox::new([0u64; 2048], GFP_KERNEL | __GFP_NOFAIL, cx);
    assert_eq!(table.len(), 2048);
}
