// A tuple `(Process<'_>, usize)` holding an aliased sleep token, passed
// whole: a bound cannot ask "any element holds one", so the probe asks
// about each element of a written tuple type, and refuses `Process<'_>`.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};
type Process<'a> = &'a mut alloc_ctx::MaySleep;
#[nowait]
fn refill(p: (Process<'_>, usize)) -> usize {
    KVec::<u8>::with_capacity(p.1, GFP_KERNEL, p.0).map_or(0, |v| v.capacity())
}
fn main() {}
