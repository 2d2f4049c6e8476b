// Allocator family: a `#[nowait]` function reserving room in a `VVec`
// (vmalloc) with `GFP_NOWAIT`. vmalloc cannot serve non-blocking flags; the
// error names the `Vmalloc` family and `GFP_NOWAIT`.
use alloc_ctx::flags::GFP_NOWAIT;
use alloc_ctx::{NoWait, VVec, nowait};

#[nowait]
fn refill(pages: &mut VVec<u8>) -> bool {
    pages.reserve(4096, GFP_NOWAIT, cx).is_ok()
}

fn main() {
    let mut pages = VVec::new();
    NoWait::enter(|nw| refill(nw, &mut pages));
}
