// HOLE (family 5): an implementation of a `#[nowait]` trait method that is not
// marked itself (its signature written out by hand) gets no probe and no
// run-time guard. Compiles.
use alloc_ctx::{nowait, flags::GFP_KERNEL, KVec, Token};
type Process = alloc_ctx::MaySleep;
pub trait Rx { #[nowait] fn rx(&mut self) -> usize; }
impl Rx for Process {
    // the expanded signature, written by hand: no probe, no NoWaitMark
    fn rx(&mut self, _cx: &mut impl Token) -> usize { KVec::<u8>::with_capacity(64, GFP_KERNEL, self).map_or(0, |v| v.capacity()) }
}
fn main() {}
