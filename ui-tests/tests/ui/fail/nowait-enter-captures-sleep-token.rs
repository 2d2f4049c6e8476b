// Hole check: an atomic section entered with `NoWait::enter` must not
// reach the sleep token of the code around it. Here the closure ignores its
// own `NoWait` and sleeps through the captured `cx`. `NoWait::enter`
// requires a `Send` closure (as interrupt handler data must be), and a
// captured `&mut MaySleep` is not `Send`, so this does not compile.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::NoWait;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = NoWait::enter(|_| cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()));
}
