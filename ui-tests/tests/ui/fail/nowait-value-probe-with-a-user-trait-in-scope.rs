// A user trait in scope with a by-value method of the probe's name, for
// every type, must not answer for the value probe of an `impl Trait`
// parameter: method lookup tries `self` before `&self`, so the probe's own
// method takes `self` too, and an inherent method comes first. Refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};

trait Process: SleepToken {}
impl Process for MaySleep {}

pub struct Fine;
impl Fine {
    pub fn verdict(self) {}
}
trait Quiet {
    fn alloc_ctx_verdict_of(self) -> Fine;
}
impl<X> Quiet for X {
    fn alloc_ctx_verdict_of(self) -> Fine {
        Fine
    }
}

#[nowait]
fn refill(t: &mut impl Process) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}

fn main() {}
