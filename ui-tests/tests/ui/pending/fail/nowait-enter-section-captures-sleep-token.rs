// Hole check: the atomic section of `NoWait::enter` refuses a closure that
// captures the sleep token (it must be `Send`). `NoWait::enter_section`,
// the variant without the `Send` bound that `#[nowait(entry)]` expands to,
// is public (only hidden from the docs): through it, the same closure
// sleeps through the captured `cx` inside an atomic section. This must not
// compile either.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{MaySleep, NoWait};

fn main() {
    MaySleep::enter(|cx| {
        let _ = NoWait::enter_section(|_| cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()));
    });
}
