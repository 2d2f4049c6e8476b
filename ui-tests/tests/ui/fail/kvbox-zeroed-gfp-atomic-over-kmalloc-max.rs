// Rule (allocator families): a non-blocking kvmalloc request is served by kmalloc
// alone, so `KVBox::zeroed` of an 8 MiB type with `GFP_ATOMIC` fails the build
// (`cargo build`), naming `KMALLOC_MAX_SIZE` and the caller's line.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVBox, nowait};
#[nowait]
fn table() -> bool {
    KVBox::<[u64; 1 << 20]>::zeroed(GFP_ATOMIC, cx).is_ok()
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = table(cx);
}
