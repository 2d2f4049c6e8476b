// A `#[nowait]` default method of a trait whose supertrait is
// `SleepToken`: `self` is a sleep token (`Self: SleepToken` comes from the
// supertrait), so the receiver's probe (`&mut Self`) is refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};
trait Refill: SleepToken {
    #[nowait]
    fn refill(&mut self) -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, self.may_sleep()).map_or(0, |v| v.capacity())
    }
}
impl Refill for MaySleep {}
fn main() {}
