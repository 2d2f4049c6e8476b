// Hole check: a container cannot grow past its allocator's bound. A `KVec`
// is kmalloc-backed (at most `KMALLOC_MAX_SIZE`, 4 MiB); `grow_to` with a
// size checked only against the kvmalloc bound (up to 2 GiB) is refused at
// type check with the size message for the `KmallocMax` bound (use a
// `KVVec`, or re-check the size).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KvmallocMax, Size};
use alloc_ctx::KVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut table: KVec<u64> = KVec::new();
    let size = Size::<KvmallocMax>::new(64 << 20).unwrap();
    let _ = table.grow_to(size, GFP_KERNEL, cx);
}
