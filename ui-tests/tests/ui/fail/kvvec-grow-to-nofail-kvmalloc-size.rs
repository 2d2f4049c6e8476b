// Diagnostic: a NOFAIL `grow_to` on a `KVVec` with a size checked only
// against the kvmalloc bound. NOFAIL needs a `Size<NofailMax>` (at most
// 8 KiB); a `Size<KvmallocMax>` may be up to 2 GiB. The error must be the
// project's size message ("is not a size checked against the `NofailMax`
// bound"), not a bare type mismatch (E0271) on the size's bound.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::size::{KvmallocMax, Size};
use alloc_ctx::KVVec;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut pages: KVVec<u64> = KVVec::new();
    let size = Size::<KvmallocMax>::new(64 << 10).unwrap();
    pages.grow_to(size, GFP_KERNEL | __GFP_NOFAIL, cx);
}
