// Rule: sizes reach the allocation fast path only as checked `Size<B>`
// values. A raw `usize` has not been checked for overflow or against the
// allocator's maximum, so it is rejected at type check.
use alloc_ctx::flags::GFP_KERNEL;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = cx.alloc(GFP_KERNEL, 64usize);
}
