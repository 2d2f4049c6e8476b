// `#[nowait(entry)]` on an interrupt handler: no token parameter; the call
// runs as an atomic section (the thread's atomic depth is raised for it and
// restored afterwards), and only non-blocking requests compile inside.
use alloc_ctx::flags::{__GFP_ZERO, GFP_ATOMIC};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{atomic_depth, in_atomic};
use alloc_ctx::{KVec, nowait};

struct RxStats {
    frames: KVec<usize>,
}

#[nowait(entry)]
fn rx_irq(stats: &mut RxStats, len: usize) -> bool {
    assert!(in_atomic());
    assert_eq!(atomic_depth(), 1);
    let Ok(frame) = cx.alloc(GFP_ATOMIC | __GFP_ZERO, Size::<KmallocMax>::new(len).unwrap()) else {
        return false;
    };
    stats.frames.push(frame.len(), GFP_ATOMIC, cx).is_ok()
}

fn main() {
    let mut stats = RxStats {
        frames: KVec::new(),
    };
    assert!(rx_irq(&mut stats, 1500));
    assert!(rx_irq(&mut stats, 60));
    assert_eq!(atomic_depth(), 0);
    assert_eq!(stats.frames.as_slice(), &[1500, 60]);
}
