// Refusal check: unmarked helpers that take a token by hand, as ordinary
// parameters, and call marked functions and containers with it.
// * `fn helper(cx: &mut MaySleep)` calls several `#[may_sleep]` functions
//   and containers in a row, passing `cx` each time.
// * Inside `cx.nofs(|cx| ..)`, a helper calls a `#[may_sleep]` function
//   (and its requests are served without `__GFP_FS`).
// * A generic `fn g(cx: &mut impl Token)` calls a `#[nowait]` function and
//   makes a `GFP_ATOMIC` request (through `cx.nowait()`, as generic code
//   over `Token` does).
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL, GFP_NOFS, GfpFlags};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{AllocError, KBox, KVec, MaySleep, NoWait, Token, may_sleep, nowait};

#[may_sleep]
fn alloc_ring(entries: usize) -> Result<KVec<u64>, AllocError> {
    KVec::with_capacity(entries, GFP_KERNEL, cx)
}

#[may_sleep]
fn served_bits() -> u32 {
    cx.effective(GFP_KERNEL).bits()
}

#[nowait]
fn count(events: &mut KVec<u32>, event: u32) -> bool {
    events.push(event, GFP_ATOMIC, cx).is_ok()
}

fn helper(cx: &mut MaySleep) -> Result<(KVec<u64>, KVec<u64>, KBox<[u8; 64]>), AllocError> {
    let rx = alloc_ring(cx, 16)?;
    let tx = alloc_ring(cx, 8)?;
    let mut extra = KVec::<u64>::new();
    extra.reserve(4, GFP_KERNEL, cx)?;
    let header = KBox::new([0u8; 64], GFP_KERNEL, cx)?;
    let _scratch = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(512).unwrap())?;
    Ok((rx, tx, header))
}

fn writeback_helper(cx: &mut MaySleep) -> u32 {
    let _ = alloc_ring(cx, 4).expect("ring");
    served_bits(cx)
}

fn g(events: &mut KVec<u32>, cx: &mut impl Token) -> bool {
    let counted = count(cx, events, 1);
    let pushed = events.push(2, GFP_ATOMIC, cx.nowait()).is_ok();
    counted && pushed
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut events = KVec::new();
    {
        let (rx, tx, header) = helper(cx).expect("helper");
        assert!(rx.capacity() >= 16 && tx.capacity() >= 8 && header.len() == 64);
        let bits = cx.nofs(|cx| writeback_helper(cx));
        assert_eq!(bits, GFP_NOFS.gfp().bits());
        assert!(g(&mut events, cx));
    }
    assert!(NoWait::enter(|nw| g(&mut events, nw)));
    assert_eq!(events.as_slice(), &[1, 2, 1, 2]);
}
