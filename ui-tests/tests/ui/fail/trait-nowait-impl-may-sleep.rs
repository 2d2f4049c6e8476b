// Rule: an implementation cannot sleep where its trait promises not to. A
// trait method declared `#[nowait]` may be called from atomic context with a
// `NoWait` token; an implementation marked `#[may_sleep]` would need a sleep
// token there, so its stricter requirement is refused (E0276). (The other
// way round, a `#[nowait]` implementation of a `#[may_sleep]` method, is a
// refinement and compiles: see `pass/trait-may-sleep-impl-nowait`.)
use alloc_ctx::{may_sleep, nowait};

trait RxHandler {
    #[nowait]
    fn rx(&mut self, frame: u64) -> bool;
}

struct Nic {
    frames: u64,
}

impl RxHandler for Nic {
    #[may_sleep]
    fn rx(&mut self, frame: u64) -> bool {
        self.frames += frame;
        true
    }
}

fn main() {
    let mut nic = Nic { frames: 0 };
    alloc_ctx::NoWait::enter(|nw| nic.rx(nw, 1));
}
