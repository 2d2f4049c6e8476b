// HOLE: a user trait whose supertrait is `Token` with its hidden `MaySleep`
// type set to `True` states a sleep capability without naming
// `SleepToken`, so the probe (which sees bounds implying `SleepToken`)
// does not refuse `&mut T`, and a `GFP_KERNEL` request compiles. (A
// supertrait's associated type can be set through the subtrait, so hiding
// it in the seal would not help.) Compiles.
use alloc_ctx::flags::{GFP_KERNEL, GfpFlags};
use alloc_ctx::{KVec, MaySleep, Token, nowait};

trait Sleepy: Token<MaySleep = <GFP_KERNEL as GfpFlags>::DirectReclaim> {}
impl Sleepy for MaySleep {}

#[nowait]
fn refill<T: Sleepy>(t: &mut T) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t).map_or(0, |v| v.capacity())
}

fn main() {}
