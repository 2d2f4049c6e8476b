// Hole check: a `#[nowait(entry)]` function cannot take the caller's sleep
// token through a generic parameter either, whatever its bound is called:
// here `C: MutexContext` (which only `MaySleep` implements) to lock a
// mutex, and `T: Probe`, a user trait with `SleepToken` as supertrait, to
// make a `GFP_KERNEL` request. The body is a `move` closure handed to
// `NoWait::enter`, which must be `Send`; a `&mut C` of a `C` not bounded by
// `Send` is not (and `MaySleep`, the only sleep token, is never `Send`), so
// both are refused, with rustc's `Send` error on the entry attribute.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::{Mutex, MutexContext};
use alloc_ctx::{KVec, SleepToken, nowait};

#[nowait(entry)]
fn bump<C: MutexContext>(counter: &'static Mutex<u32>, c: &mut C) {
    *counter.lock(c) += 1;
}

trait Probe: SleepToken {}
impl Probe for alloc_ctx::MaySleep {}

#[nowait(entry)]
fn refill<T: Probe>(t: &mut T) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |ring| ring.capacity())
}

static COUNTER: Mutex<u32> = Mutex::new(0);

#[alloc_ctx::may_sleep(entry)]
fn main() {
    bump(&COUNTER, cx);
    let _ = refill(cx);
}
