// Rule (allocator families): `IntoIter::collect` of a `VVec` allocates from vmalloc;
// with `GFP_ATOMIC` in a `#[nowait]` function it is refused, naming `Vmalloc`.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{VVec, nowait};
#[nowait]
fn recollect(v: VVec<u8>) -> VVec<u8> {
    v.into_iter().collect(GFP_ATOMIC, cx)
}
fn main() {}
