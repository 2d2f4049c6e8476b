// Refusal check: flags as values that code passes around.
// * A forwarding helper generic over its caller's flags,
//   `fn alloc_rings<F: SleepFlags + MayFail>(.., gfp: F, cx: &mut MaySleep)`,
//   as C passes `gfp_t gfp` down; called with sleeping and non-sleeping
//   flags.
// * A named constant built with the const `or`:
//   `const RX_GFP: Or<GFP_ATOMIC, __GFP_NOWARN> = GFP_ATOMIC.or(__GFP_NOWARN)`,
//   used from a `#[nowait]` function.
// * A modifier decided at run time: `GFP_KERNEL | __GFP_NOWARN.when(probing)`.
use alloc_ctx::flags::{__GFP_NOWARN, __GFP_ZERO, GFP_ATOMIC, GFP_KERNEL, GfpFlags, Modifier, Or};
use alloc_ctx::rules::{MayFail, SleepFlags};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{KVec, MaySleep, may_sleep, nowait};

const RX_GFP: Or<GFP_ATOMIC, __GFP_NOWARN> = GFP_ATOMIC.or(__GFP_NOWARN);

fn alloc_rings<F: SleepFlags + MayFail>(entries: usize, gfp: F, cx: &mut MaySleep) -> Option<[KVec<u64>; 2]> {
    let rx = KVec::with_capacity(entries, gfp, cx).ok()?;
    let tx = KVec::with_capacity(entries, gfp, cx).ok()?;
    Some([rx, tx])
}

#[nowait]
fn rx_frame(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, RX_GFP, cx).is_ok()
}

#[may_sleep]
fn probe(probing: bool) -> bool {
    let gfp = GFP_KERNEL | __GFP_NOWARN.when(probing) | __GFP_ZERO.when(!probing);
    assert_eq!(gfp.gfp().bits() & 0x2000 != 0, probing); // __GFP_NOWARN
    cx.alloc(gfp, Size::<KmallocMax>::new(256).unwrap()).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let [mut rx, tx] = alloc_rings(32, GFP_KERNEL | __GFP_NOWARN, cx).expect("rings");
    assert!(alloc_rings(4, GFP_ATOMIC, cx).is_some());
    assert!(alloc_rings(4, RX_GFP, cx).is_some());
    assert!(cx.nowait_scope(|nw| rx_frame(nw, &mut rx, 7)));
    assert!(rx.capacity() >= 32 && tx.capacity() >= 32);
    assert!(probe(cx, true) && probe(cx, false));
}
