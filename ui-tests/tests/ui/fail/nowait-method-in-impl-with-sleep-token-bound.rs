// A `#[nowait]` method in an unmarked `impl<T: SleepToken>` block takes
// `&mut T` and makes a `GFP_KERNEL` request: the impl block's bound makes
// `T` a sleep token, so the parameter probe refuses `&mut T`.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, SleepToken, nowait};
struct Ring<T>(core::marker::PhantomData<T>);
impl<T: SleepToken> Ring<T> {
    #[nowait]
    fn refill(t: &mut T) -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
    }
}
fn main() {}
