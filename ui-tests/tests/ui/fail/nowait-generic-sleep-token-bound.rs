// Hole check: a `#[nowait]` function may not take a sleep token, also not
// as a generic parameter bounded in its `where` clause: it could sleep
// where its callers must not. (A callback that will be given a sleep token
// later, `impl FnOnce(&mut MaySleep)`, is fine: see the pass cases.)
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, SleepToken, nowait};

#[nowait]
fn rx<T>(sleep: &mut T) -> bool
where
    T: SleepToken,
{
    KVec::<u8>::with_capacity(64, GFP_KERNEL, sleep.may_sleep()).is_ok()
}

fn main() {}
