// Compile-time sizes: `const_size!` and `Size::of` are checked when the
// program is built, never at run time, and can be used in `const` items.
// A `Size<NofailMax>` is accepted where a kmalloc size is asked for.
use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_ZERO, GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, KvmallocMax, NOFAIL_MAX_SIZE, NofailMax, SlabCacheMax};
use alloc_ctx::{size::Size, const_size};

#[repr(C)]
struct Descriptor {
    addr: u64,
    len: u32,
    flags: u32,
}

const DESC: Size<NofailMax> = Size::of::<Descriptor>();
const DESC_RING: Size<NofailMax> = Size::of::<[Descriptor; 256]>();
const BOUNCE: Size<KmallocMax> = const_size!(KmallocMax, 64 * 1024);
const LARGEST_NOFAIL: Size<NofailMax> = const_size!(NofailMax, NOFAIL_MAX_SIZE);
const SLAB: Size<SlabCacheMax> = const_size!(SlabCacheMax, 192);

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(DESC.get(), 16);
    assert_eq!(DESC_RING.get(), 4096);
    assert_eq!(BOUNCE.get(), 65536);
    assert_eq!(LARGEST_NOFAIL.get(), 8192);
    let widened: Size<KvmallocMax> = BOUNCE.into();
    assert_eq!(widened.get(), 65536);
    {
        // NOFAIL with a NOFAIL-bounded constant: the buffer itself.
        let ring = cx.alloc(GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO, DESC_RING);
        assert_eq!(ring.len(), 4096);
        // The same constant where a kmalloc size is asked for.
        let copy = cx.alloc(GFP_KERNEL, DESC_RING).expect("4 KiB");
        assert_eq!(copy.len(), 4096);
        let bounce = cx.alloc(GFP_KERNEL | __GFP_ZERO, BOUNCE).expect("64 KiB");
        assert_eq!(bounce.len(), 65536);
        let object = cx
            .nowait_scope(|nw| nw.alloc(GFP_ATOMIC, SLAB))
            .expect("192 bytes");
        assert_eq!(object.len(), 192);
    }
}
