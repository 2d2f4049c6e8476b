// A user trait with `MutexContext` (every sleep token may lock a `Mutex`)
// as its supertrait bounds a `#[nowait]` function's parameter, which then
// locks a mutex: taking a mutex sleeps. `MutexContext` implies the probe's
// `HoldsSleepToken` as `SleepToken` does, so `&mut T`, `&mut impl Proc`
// and an associated type bounded by it are all refused.
use alloc_ctx::sync::{Mutex, MutexContext};
use alloc_ctx::{MaySleep, nowait};

static CONFIG: Mutex<u32> = Mutex::new(0);

trait Proc: MutexContext {}
impl Proc for MaySleep {}

trait Dev {
    type Cx: Proc + ?Sized;
}

#[nowait]
fn bump<T: Proc>(t: &mut T) {
    *CONFIG.lock(t) += 1;
}

#[nowait]
fn bump_impl(t: &mut impl Proc) {
    *CONFIG.lock(t) += 1;
}

#[nowait]
fn bump_assoc<D: Dev>(c: &mut D::Cx) {
    *CONFIG.lock(c) += 1;
}

fn main() {}
