// As `nowait-user-supertrait-bound`, with `&mut impl Process`: an
// argument-position `impl Trait` cannot be written in the body, so its
// probe asks about the parameter's value; `impl Process` implies
// `SleepToken`, and the probe refuses it.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};
trait Process: SleepToken {}
impl Process for MaySleep {}
#[nowait]
fn refill(t: &mut impl Process) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}
fn main() {}
