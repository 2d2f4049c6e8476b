// A network driver's shape: probe (may sleep) sets up rings and calls
// helpers both ways; the RX path (must not sleep) calls further
// non-sleeping helpers. Every legal direction of call is exercised, always
// by passing `cx` (an implicit reborrow, so `cx` stays usable):
// may_sleep -> may_sleep (twice in a row), may_sleep -> nowait (`cx`,
// `cx.nowait()`, and inside a `nowait_scope`), nowait -> nowait (twice).
use alloc_ctx::flags::{__GFP_ZERO, GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{AllocError, KVec, may_sleep, nowait};

struct Nic {
    rx_ring: KVec<u64>,
    tx_ring: KVec<u64>,
    dropped: u32,
}

#[may_sleep]
fn alloc_ring(entries: usize) -> Result<KVec<u64>, AllocError> {
    let mut ring = KVec::with_capacity(entries, GFP_KERNEL, cx)?;
    ring.resize(entries, 0, GFP_KERNEL, cx)?;
    Ok(ring)
}

#[may_sleep]
fn probe(rx: usize, tx: usize) -> Result<Nic, AllocError> {
    // may_sleep -> may_sleep, twice with the same token.
    let rx_ring = alloc_ring(cx, rx)?;
    let tx_ring = alloc_ring(cx, tx)?;
    let mut nic = Nic {
        rx_ring,
        tx_ring,
        dropped: 0,
    };
    // may_sleep -> nowait, without entering an atomic section.
    assert!(rx_frame(cx, &mut nic, 0xaa));
    assert!(rx_frame(cx.nowait(), &mut nic, 0xbb));
    // may_sleep -> nowait inside an atomic section.
    let ok = cx.nowait_scope(|nw| rx_frame(nw, &mut nic, 0xcc));
    assert!(ok);
    // The token is usable again after the section.
    let scratch = cx.alloc(GFP_KERNEL | __GFP_ZERO, Size::<KmallocMax>::new(512).unwrap())?;
    assert!(scratch.iter().all(|&byte| byte == 0));
    Ok(nic)
}

#[nowait]
fn rx_frame(nic: &mut Nic, frame: u64) -> bool {
    // nowait -> nowait, passing the same `cx` twice.
    if push_frame(cx, &mut nic.rx_ring, frame) {
        count_frame(cx, nic);
        true
    } else {
        nic.dropped += 1;
        false
    }
}

#[nowait]
fn push_frame(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

#[nowait]
fn count_frame(nic: &mut Nic) {
    let _ = nic.tx_ring.push(0, GFP_NOWAIT, cx);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let nic = probe(cx, 8, 4).expect("probe");
    assert_eq!(nic.rx_ring.len(), 8 + 3);
    assert_eq!(&nic.rx_ring[8..], &[0xaa, 0xbb, 0xcc]);
    assert_eq!(nic.tx_ring.len(), 4 + 3);
    assert_eq!(nic.dropped, 0);
    assert_eq!(alloc_ctx::atomic_depth(), 0);
}
