// Driver author: a helper generic over the container's bound, the flags and the
// token, stating the family rule `B::Family: Serves<F>`, used with `KVec`,
// `KVVec` and `VVec`, from sleepable and atomic context.
use alloc_ctx::family::Serves;
use alloc_ctx::flags::GfpFlags;
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::rules::{MayFail, Permits};
use alloc_ctx::size::Bound;
use alloc_ctx::{BoundedVec, KVVec, KVec, Token, VVec};
fn log<B: Bound, F, C>(v: &mut BoundedVec<u8, B>, f: F, cx: &mut C) -> bool
where
    F: GfpFlags + MayFail,
    C: Token + Permits<F>,
    B::Family: Serves<F>,
{
    v.push(1, f, cx).is_ok()
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let (mut a, mut b, mut c) = (KVec::new(), KVVec::new(), VVec::new());
    assert!(log(&mut a, GFP_ATOMIC, cx) && log(&mut b, GFP_ATOMIC, cx) && log(&mut c, GFP_KERNEL, cx));
    cx.nowait_scope(|nw| assert!(log(&mut a, GFP_ATOMIC, nw) && log(&mut b, GFP_ATOMIC, nw)));
}
