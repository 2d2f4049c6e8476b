// Allocator family: a non-blocking `grow_to` on a `KVVec` with a size
// checked only against the kvmalloc bound. kvmalloc never falls back to
// vmalloc for flags without direct reclaim, so the request's bound is
// `KmallocMax` (4 MiB): a `Size<KvmallocMax>` is refused by type, with the
// project's size message.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::size::{KvmallocMax, Size};
use alloc_ctx::KVVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut table: KVVec<u8> = KVVec::new();
    let size = Size::<KvmallocMax>::new(8 << 20).unwrap();
    cx.nowait_scope(|nw| table.grow_to(size, GFP_ATOMIC, nw)).unwrap();
}
