// Allocator family: a `KVVec` (kvmalloc) grown with `GFP_KERNEL |
// __GFP_NORETRY`. Linux v6.12 documents `__GFP_NORETRY` as unsupported by
// kvmalloc (its vmalloc fallback cannot honour it); the error names the
// `KVmalloc` family and the flag. The same flags are fine for a `KVec`.
use alloc_ctx::flags::{__GFP_NORETRY, GFP_KERNEL};
use alloc_ctx::KVVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut table: KVVec<u64> = KVVec::new();
    let _ = table.push(1, GFP_KERNEL | __GFP_NORETRY, cx);
}
