// `#[nowait] impl<T: SleepToken> Ring<T>`: the block's own generics are
// bounded by `SleepToken`, so a method taking `&mut T` takes a sleep token
// and its parameter probe refuses it.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, SleepToken, nowait};
struct Ring<T>(core::marker::PhantomData<T>);
#[nowait]
impl<T: SleepToken> Ring<T> {
    fn refill(t: &mut T) -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
    }
}
fn main() {}
