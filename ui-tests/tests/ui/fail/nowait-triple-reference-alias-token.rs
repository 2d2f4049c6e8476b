// Rule (family 5, closed): refused at compile time now. Was: `&mut &mut Process<'_>` with `type Process<'a> = &'a mut MaySleep`:
// three levels of reference; `HoldsSleepToken` stops at two. It used to compile.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};
type Process<'a> = &'a mut alloc_ctx::MaySleep;
#[nowait]
fn refill(p: &mut &mut Process<'_>) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, &mut ***p).map_or(0, |v| v.capacity())
}
fn main() {}
