// Refusal check: trait refinement. A trait method declared `#[may_sleep]`
// may be implemented by a `#[nowait]` method: the implementation promises
// more (it does not sleep) and accepts any token, so it fits wherever the
// trait's method is called. Calls go through the trait's signature, so
// callers still pass a sleep token.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, may_sleep, nowait};

trait Device {
    #[may_sleep]
    fn reset(&mut self);
}

struct Nic {
    resets: KVec<u32>,
}

impl Device for Nic {
    #[nowait]
    fn reset(&mut self) {
        let _ = self.resets.push(1, GFP_ATOMIC, cx);
    }
}

#[may_sleep]
fn reset_all<D: Device>(devices: &mut [D]) {
    for dev in devices {
        dev.reset(cx);
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut nics = [Nic { resets: KVec::new() }];
    reset_all(cx, &mut nics);
    (nics[0].reset(cx));
    assert_eq!(nics[0].resets.len(), 2);
}
