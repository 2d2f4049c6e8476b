// Rule: a `#[may_sleep]` inherent method cannot be called from a `#[nowait]`
// function: the method's token parameter (after `&mut self`) accepts only a
// sleep token.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep, nowait};

struct RxRing {
    slots: KVec<u64>,
}

impl RxRing {
    #[may_sleep]
    fn resize(&mut self, entries: usize) -> Result<(), alloc_ctx::AllocError> {
        self.slots.resize(entries, 0, GFP_KERNEL, cx)
    }
}

#[nowait]
fn rx_interrupt(ring: &mut RxRing) {
    if ring.slots.is_empty() {
        let _ = ring.resize(cx, 256);
    }
}

fn main() {
    let mut ring = RxRing { slots: KVec::new() };
    alloc_ctx::NoWait::enter(|nw| rx_interrupt(nw, &mut ring));
}
