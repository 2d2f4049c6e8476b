// HOLE (family 5): a tuple `(Process<'_>, usize)` holding an aliased sleep token is
// not looked into (only bare token types are probed). Compiles.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};
type Process<'a> = &'a mut alloc_ctx::MaySleep;
#[nowait]
fn refill(p: (Process<'_>, usize)) -> usize {
    KVec::<u8>::with_capacity(p.1, GFP_KERNEL, p.0).map_or(0, |v| v.capacity())
}
fn main() {}
