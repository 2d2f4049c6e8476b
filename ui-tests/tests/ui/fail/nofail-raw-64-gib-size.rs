// Hole check: a NOFAIL request with a raw size. 64 GiB can never be
// allocated, and a NOFAIL request would retry forever; sizes reach a
// request only as checked `Size<B>` values, and NOFAIL only as a
// `Size<NofailMax>` (at most 8 KiB), so a raw `usize` is refused with the size
// message for the `NofailMax` bound.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _table = cx.alloc(GFP_KERNEL | __GFP_NOFAIL, 64usize << 30);
}
