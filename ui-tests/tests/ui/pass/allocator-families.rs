// Driver code the allocator-family rules accept: a `KVVec` grown with
// `GFP_KERNEL` (and `__GFP_RETRY_MAYFAIL`, which kvmalloc supports); a
// `KVVec` grown with `GFP_ATOMIC` by a kmalloc-sized request, under a
// spinlock; a `VVec` grown with `GFP_KERNEL` in a `#[may_sleep]` function
// and filled under a spinlock within its capacity; `__GFP_NORETRY` on a
// `KVec` (kmalloc honours it); a generic helper stating the family rule.
use alloc_ctx::family::{KVmalloc, Serves};
use alloc_ctx::flags::*;
use alloc_ctx::rules::{MayFail, SleepFlags};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{AllocError, KVVec, KVec, MaySleep, VVec, may_sleep};

#[may_sleep]
fn alloc_pages(n: usize) -> Result<VVec<u64>, AllocError> {
    let mut pages = VVec::with_capacity(n, GFP_KERNEL, cx)?;
    pages.resize(n, 0, GFP_KERNEL | __GFP_RETRY_MAYFAIL, cx)?;
    Ok(pages)
}

fn table<F: SleepFlags + MayFail>(n: usize, gfp: F, cx: &mut MaySleep) -> Result<KVVec<u32>, AllocError>
where
    KVmalloc: Serves<F>,
{
    KVVec::with_capacity(n, gfp, cx)
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut big: KVVec<u8> = KVVec::new();
    big.reserve(16 << 20, GFP_KERNEL, cx).unwrap();
    big.push(1, GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, cx).unwrap();

    let events: SpinLock<KVVec<u32>> = SpinLock::new(KVVec::new());
    {
        let mut events = events.lock(cx);
        let (events, nw) = events.split();
        events.push(7, GFP_ATOMIC, nw).unwrap();
        let small = Size::<KmallocMax>::new(64 << 10).unwrap();
        events.grow_to(small, GFP_ATOMIC | __GFP_NOWARN, nw).unwrap();
    }

    let pages = SpinLock::new(alloc_pages(cx, 16).unwrap());
    {
        let mut pages = pages.lock(cx);
        pages.truncate(8);
        pages.push_within_capacity(3).unwrap();
    }

    let mut quick: KVec<u8> = KVec::new();
    let _ = quick.push(1, GFP_KERNEL | __GFP_NORETRY, cx);
    table(64, GFP_KERNEL, cx).unwrap();
}
