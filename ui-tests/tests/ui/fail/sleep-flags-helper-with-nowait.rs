// Rule: flags forwarded by a generic helper are checked against the token
// the helper uses. `F: SleepFlags` is what a sleep token may ask for, so
// `F` may contain `__GFP_DIRECT_RECLAIM` or `__GFP_NOFAIL`; making the
// request through a `&mut NoWait` is refused. Such a helper bounds its flags
// by `NoWaitFlags` instead, or takes a sleep token.
use alloc_ctx::rules::SleepFlags;
use alloc_ctx::{KBox, NoWait};

fn alloc_desc<F: SleepFlags>(gfp: F, cx: &mut NoWait) {
    let _desc = KBox::new([0u64; 4], gfp, cx);
}

fn main() {}
