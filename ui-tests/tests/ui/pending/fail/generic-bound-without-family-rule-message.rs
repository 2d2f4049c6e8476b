// MISLEADING MESSAGE (family 2): generic code over `B: Bound` pushing with `GFP_ATOMIC`
// is rightly refused, but the message says "cannot serve a request with flags `_`"
// and rustc's help suggests `where B::Family: FamilyRules`, not the
// `B::Family: Serves<F>` bound that the other family messages name.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::size::Bound;
use alloc_ctx::{BoundedVec, NoWait};
fn log<B: Bound>(v: &mut BoundedVec<u8, B>, cx: &mut NoWait) -> bool {
    v.push(1, GFP_ATOMIC, cx).is_ok()
}
fn main() {}
