// HOLE (family 5): a generic parameter bounded by a std access trait of an
// aliased token (`B: BorrowMut<Process>`): bounds are refused by name only.
// Compiles.
use alloc_ctx::{nowait, flags::GFP_KERNEL, KVec};
use core::borrow::BorrowMut;
type P = alloc_ctx::MaySleep;
#[nowait] fn f<B: BorrowMut<P>>(mut p: B) -> usize { KVec::<u8>::with_capacity(64, GFP_KERNEL, p.borrow_mut()).map_or(0, |v| v.capacity()) }
fn main() {}
