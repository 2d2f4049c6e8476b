// Hole check: a `#[nowait(entry)]` function cannot reach the caller's sleep
// token through a closure that captured it: here a `Box<dyn FnMut()>`
// parameter whose closure makes a `GFP_KERNEL` request through `cx`. The
// body is a `move` closure handed to `NoWait::enter`, which must be `Send`;
// a `Box<dyn FnMut()>` is not (and a `Box<dyn FnMut() + Send>` could not
// hold the `&mut MaySleep`), so it is refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};

#[nowait(entry)]
fn on_irq(mut work: Box<dyn FnMut() -> usize + '_>) -> usize {
    work()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = on_irq(Box::new(|| KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |ring| ring.capacity())));
}
