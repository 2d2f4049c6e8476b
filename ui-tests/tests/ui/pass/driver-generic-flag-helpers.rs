// Driver author: helpers that forward their caller's flags, as C code
// passes `gfp_t gfp` down, bounded by the named rules: `SleepFlags` for a
// sleep token, `NoWaitFlags` for any token. Flags named once in a `const`,
// and a modifier decided at run time (`__GFP_NOWARN.when(probing)`).
use alloc_ctx::flags::{__GFP_NOWARN, __GFP_ZERO, GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT, Modifier, Or};
use alloc_ctx::rules::{MayFail, NoWaitFlags, SleepFlags};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{AllocError, KBox, KVec, MaySleep, NoWait, Token, may_sleep, nowait};

const RX_GFP: Or<GFP_ATOMIC, __GFP_NOWARN> = GFP_ATOMIC.or(__GFP_NOWARN);

/// Allocates a descriptor ring with the caller's flags; sleeps if they do.
fn alloc_ring<F: SleepFlags + MayFail>(entries: usize, gfp: F, cx: &mut MaySleep) -> Result<KVec<u64>, AllocError> {
    let mut ring = KVec::with_capacity(entries, gfp, cx)?;
    ring.resize(entries, 0, gfp, cx)?;
    Ok(ring)
}

/// Allocates a frame with non-blocking flags, from any context.
fn alloc_frame<F: NoWaitFlags>(gfp: F, cx: &mut impl Token) -> Option<KBox<[u8; 128]>> {
    KBox::new([0; 128], gfp, cx.nowait()).ok()
}

/// The same, for a caller that holds a `&mut NoWait` directly.
fn alloc_frame_nw<F: NoWaitFlags>(gfp: F, cx: &mut NoWait) -> Option<KBox<[u8; 128]>> {
    KBox::new([0; 128], gfp, cx).ok()
}

#[may_sleep]
fn probe(probing: bool) -> Result<KVec<u64>, AllocError> {
    // Quiet while probing for the largest ring that fits.
    let ring = alloc_ring(64, GFP_KERNEL | __GFP_NOWARN.when(probing), cx)?;
    // Non-blocking flags are fine through a sleep token as well.
    let _spare = alloc_ring(4, GFP_NOWAIT, cx)?;
    assert!(alloc_frame(GFP_NOWAIT | __GFP_ZERO, cx).is_some());
    Ok(ring)
}

#[nowait]
fn rx(frames: &SpinLock<KVec<KBox<[u8; 128]>>>) -> bool {
    let mut guard = frames.lock(cx);
    let (frames, nw) = guard.split();
    let Some(frame) = alloc_frame_nw(RX_GFP, nw) else { return false };
    frames.push(frame, RX_GFP, nw).is_ok()
}

#[may_sleep(entry)]
fn main() {
    let ring = probe(cx, true).expect("probe");
    assert_eq!(ring.len(), 64);
    let frames = SpinLock::new(KVec::new());
    assert!(rx(cx, &frames));
    assert!(cx.nowait_scope(|nw| rx(nw, &frames)));
    assert!(alloc_frame(GFP_ATOMIC | __GFP_ZERO, cx).is_some());
    assert_eq!(frames.lock(cx).len(), 2);
}
