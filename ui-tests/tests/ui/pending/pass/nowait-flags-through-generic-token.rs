// REFUSAL: a helper generic over `F: NoWaitFlags` and `&mut impl Token`
// cannot push into a `KVec` without `cx.nowait()`: `NoWaitFlags` gives
// `AllowedIn<False>` and `AllowedIn<True>` but not `AllowedIn<C::MaySleep>` for
// an unknown token, and the message tells to bound the flags by `NoWaitFlags`,
// which they are.
use alloc_ctx::flags::{__GFP_NOWARN, GFP_ATOMIC};
use alloc_ctx::rules::NoWaitFlags;
use alloc_ctx::{KVec, Token};
fn log<F: NoWaitFlags>(v: &mut KVec<u8>, f: F, cx: &mut impl Token) -> bool {
    v.push(1, f, cx).is_ok()
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut a = KVec::new();
    assert!(log(&mut a, GFP_ATOMIC | __GFP_NOWARN, cx));
    cx.nowait_scope(|nw| assert!(log(&mut a, GFP_ATOMIC, nw)));
}
