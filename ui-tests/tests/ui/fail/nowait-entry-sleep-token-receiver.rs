// Hole check: a `#[nowait(entry)]` body runs as an atomic section, and must
// not reach the sleep token of the code around it, even when that token is
// the receiver: here a method of a trait implemented for `MaySleep` uses
// `self` to make a `GFP_KERNEL` request. The body is a `move` closure
// handed to `NoWait::enter`, which must be `Send` (as an interrupt
// handler's data must be); `self`, a `&mut MaySleep`, is not, and the error
// names the rule.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, nowait};

trait Rearm {
    fn rearm(&mut self) -> usize;
}

impl Rearm for MaySleep {
    #[nowait(entry)]
    fn rearm(&mut self) -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, self).map_or(0, |ring| ring.capacity())
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = cx.rearm();
}
