// Rule: a `#[nowait]` function (here the entry form, whose body runs as an
// atomic section) cannot take a sleep token as a parameter: with one, it
// could sleep (a `GFP_KERNEL` request through `sleep`) where its callers
// must not. The mark refuses the `&mut MaySleep` parameter.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{MaySleep, nowait};

#[nowait(entry)]
fn rx_irq(sleep: &mut MaySleep) -> bool {
    sleep.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = rx_irq(cx);
}
