// A spinlock guard holds the token the lock was taken with, and
// `do_unlocked` lends it back: a `#[nowait]` function that takes a guard
// taken with a sleep token (under an alias, or generic over a trait with
// `SleepToken` as supertrait) could sleep through it. Refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::{SpinLockGuard, SpinLockIrqGuard};
use alloc_ctx::{KBox, MaySleep, SleepToken, nowait};

type Process = alloc_ctx::MaySleep;

trait Proc: SleepToken {}
impl Proc for MaySleep {}

#[nowait]
fn refill(g: &mut SpinLockGuard<'_, Option<KBox<[u8; 64]>>, Process>) {
    let buf = g.do_unlocked(|p| KBox::new([0u8; 64], GFP_KERNEL, p).unwrap());
    **g = Some(buf);
}

#[nowait]
fn refill_generic(g: &mut SpinLockIrqGuard<'_, u32, impl Proc>) {
    let _ = g;
}

fn main() {}
