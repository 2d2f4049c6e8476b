// Hole check: a driver struct that keeps a shared `&MaySleep` cannot sleep
// through it. Only the exclusive `&mut MaySleep` may make a sleeping
// request (that is what lets an atomic section freeze it); through
// `self.cx: &MaySleep` the `GFP_KERNEL` request is refused ("cannot borrow
// `*self.cx` as mutable, as it is behind a `&` reference").
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::MaySleep;

struct Dev<'a> {
    cx: &'a MaySleep,
    mtu: usize,
}

impl Dev<'_> {
    fn refill(&self) -> bool {
        self.cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(self.mtu).unwrap()).is_ok()
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { cx, mtu: 1500 };
    assert!(dev.refill());
}
