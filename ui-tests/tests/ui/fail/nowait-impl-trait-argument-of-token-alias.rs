// A parameter type that mentions `impl Trait` but is a sleep token
// whatever the caller picks (a projection to `&'static mut MaySleep`): the
// value probe sees the type the projection resolves to and refuses it.
use alloc_ctx::{nowait, flags::GFP_KERNEL, KVec};
pub trait Project { type Out; }
impl<T> Project for T { type Out = &'static mut alloc_ctx::MaySleep; }
type Tok<T> = <T as Project>::Out;
#[nowait] fn f(p: Tok<impl Sized>) -> usize { KVec::<u8>::with_capacity(64, GFP_KERNEL, p).map_or(0, |v| v.capacity()) }
fn main() {}
