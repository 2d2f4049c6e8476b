// A tuple `(Process<'_>, usize)` holding an aliased sleep token, passed
// whole: a bound cannot ask "any element holds one", so the probe asks
// about each element of a written tuple type, and refuses `Process<'_>`;
// also when the tuple arrives as a `macro_rules!` `$t:ty` fragment, and
// when an element is an `impl Trait` (then `p.0` is asked about by value).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};

type Process<'a> = &'a mut alloc_ctx::MaySleep;

#[nowait]
fn refill(p: (Process<'_>, usize)) -> usize {
    KVec::<u8>::with_capacity(p.1, GFP_KERNEL, p.0).map_or(0, |v| v.capacity())
}

macro_rules! handler {
    ($name:ident, $t:ty) => {
        #[nowait]
        fn $name(p: $t) -> usize {
            KVec::<u8>::with_capacity(p.1, GFP_KERNEL, p.0).map_or(0, |v| v.capacity())
        }
    };
}
handler!(refill_fragment, (Process<'_>, usize));

trait Proc: SleepToken {}
impl Proc for MaySleep {}

#[nowait]
fn refill_impl(p: (&mut impl Proc, usize)) -> usize {
    KVec::<u8>::with_capacity(p.1, GFP_KERNEL, p.0.may_sleep()).map_or(0, |v| v.capacity())
}

fn main() {}
