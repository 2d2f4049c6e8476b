// Rule (sizes): an `Arc` is kmalloc memory; `Arc::new` of a 5 MiB value is
// refused when the program is built (`cargo build`), naming
// `KMALLOC_MAX_SIZE` and, in the "instantiating" note, the caller's line.
use alloc_ctx::arc::Arc;
use alloc_ctx::flags::GFP_KERNEL;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _table = Arc::new([0u8; 5 << 20], GFP_KERNEL, cx);
}
