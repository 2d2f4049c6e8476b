// A helper that forwards non-blocking flags, bounded by
// `rules::NoWaitFlags` (never `__GFP_NOFAIL`, never direct reclaim), called
// with a sleep token: any token may make a non-blocking request. The NOFAIL
// rules hold for it because they are implemented for every pair whose
// first member (NOFAIL) is `False`, not only for the concrete pairs, so the
// solver needs nothing more than `F::NoFail = False`.
use alloc_ctx::flags::{__GFP_NOWARN, GFP_ATOMIC};
use alloc_ctx::rules::NoWaitFlags;
use alloc_ctx::{KBox, MaySleep};

fn alloc_frame<F: NoWaitFlags>(gfp: F, cx: &mut MaySleep) -> Option<KBox<[u8; 64]>> {
    KBox::new([0; 64], gfp, cx).ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert!(alloc_frame(GFP_ATOMIC | __GFP_NOWARN, cx).is_some());
}
