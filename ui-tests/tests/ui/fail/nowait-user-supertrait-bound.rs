// A `#[nowait]` function generic over `T: Process`, a user trait with
// `SleepToken` as a supertrait, takes `&mut T` and makes a `GFP_KERNEL`
// request through it. Any bound that implies `SleepToken` implies that the
// type holds a sleep token (a supertrait of `SleepToken`), so the
// parameter probe refuses `&mut T` as it refuses `&mut MaySleep`.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};
trait Process: SleepToken {}
impl Process for MaySleep {}
#[nowait]
fn refill<T: Process>(t: &mut T) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}
fn main() {}
