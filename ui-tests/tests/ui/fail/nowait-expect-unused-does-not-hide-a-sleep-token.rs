// A parameter marked `#[expect(unused_variables)]` is left to that
// expectation only when nothing else can meet it: a one-name parameter
// and that lint alone. In a destructuring pattern another name may meet
// it, and the `unused` group may be met by `unused_mut`: those parameters
// are probed, and the sleep tokens refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::Mutex;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};

type Process = MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn bump(#[expect(unused_variables)] (p, n): (&mut Process, u8)) {
    *CONFIG.lock(p) += 1;
}

trait Proc: SleepToken {}
impl Proc for MaySleep {}

#[nowait]
fn refill(#[expect(unused)] mut t: &mut impl Proc) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}

fn main() {}
