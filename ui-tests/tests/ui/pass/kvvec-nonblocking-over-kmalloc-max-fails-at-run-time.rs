// Run-time rule (allocator families): a non-blocking `KVVec` request over
// `KMALLOC_MAX_SIZE` with a run-time size fails with an error naming
// `KMALLOC_MAX_SIZE`; the same size with `GFP_KERNEL` succeeds.
use alloc_ctx::KVVec;
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let big = 1usize << 20; // 8 MiB of u64
    let r = cx.nowait_scope(|nw| KVVec::<u64>::with_capacity(big, GFP_ATOMIC, nw).map(|v| v.capacity()));
    let e = r.unwrap_err();
    assert!(e.to_string().contains("KMALLOC_MAX_SIZE"), "{e}");
    assert!(KVVec::<u64>::with_capacity(big, GFP_KERNEL, cx).is_ok());
}
