// A NOFAIL request through a sleep token with a `Size<NofailMax>` returns the
// value itself (its type says it cannot fail): no `Result`, no `unwrap`.
// A run-time kmalloc size is re-checked into a `Size<NofailMax>` first.
use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_ZERO, GFP_KERNEL, GFP_NOFS};
use alloc_ctx::size::{KmallocMax, NofailMax, array_size};
use alloc_ctx::{KBox, KVec, size::Size, may_sleep};

#[may_sleep]
fn btree_paths_realloc(paths: &mut KVec<[u64; 4]>, count: usize) {
    // The small case: proven at most 8 KiB, so NOFAIL and no error path.
    let size = array_size::<[u64; 4], NofailMax>(count).expect("at most 256 paths");
    paths.grow_to(size, GFP_NOFS | __GFP_NOFAIL, cx);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table: KBox<[u8]> = cx.alloc(
        GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO,
        Size::<NofailMax>::of::<[u32; 512]>(),
    );
    assert_eq!(table.len(), 2048);
    assert!(table.iter().all(|&b| b == 0));

    let from_device = Size::<KmallocMax>::new(3000).unwrap();
    let checked: Size<NofailMax> = from_device.try_into().expect("3000 bytes fit NOFAIL");
    let buffer = cx.alloc(GFP_KERNEL | __GFP_NOFAIL, checked);
    assert_eq!(buffer.len(), 3000);

    let config: KBox<[u16; 8]> = KBox::new([3; 8], GFP_KERNEL | __GFP_NOFAIL, cx);
    assert_eq!(config[7], 3);

    let mut paths = KVec::new();
    btree_paths_realloc(cx, &mut paths, 8);
    assert!(paths.capacity() >= 8);
}
