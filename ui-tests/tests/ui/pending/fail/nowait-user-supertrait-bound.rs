// HOLE (family 5): a `#[nowait]` function generic over `T: Process`, a user trait with
// `SleepToken` as supertrait, makes a `GFP_KERNEL` request through it. The macro
// checks bounds by name and the probe leaves generics to their bounds.
// Compiles; must be refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};
trait Process: SleepToken {}
impl Process for MaySleep {}
#[nowait]
fn refill<T: Process>(t: &mut T) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}
fn main() {}
