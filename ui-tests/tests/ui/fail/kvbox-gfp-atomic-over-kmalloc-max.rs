// Allocator family: an 8 MiB `KVBox` made with `GFP_ATOMIC`. Without direct
// reclaim kvmalloc is kmalloc alone, bounded by `KMALLOC_MAX_SIZE` (4 MiB):
// the build fails with the bound's message, naming this line.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVBox, NoWait};

fn main() {
    NoWait::enter(|nw| {
        let _ = KVBox::new([0u8; 8 << 20], GFP_ATOMIC, nw);
    });
}
