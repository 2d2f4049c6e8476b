// Hole check: a `#[nowait]` function cannot sleep, even through a sleep
// token that reaches it inside a user type. The mark refuses a
// `&mut MaySleep` parameter, but here the token is a field of the driver
// struct (`Dev<'a> { sleep: &'a mut MaySleep }`), and the body of the
// entry form (an atomic section) makes a `GFP_KERNEL` request through it.
// This must not compile (today it is caught only at run time, by the
// atomic-depth check).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{MaySleep, nowait};

struct Dev<'a> {
    sleep: &'a mut MaySleep,
    mtu: usize,
}

#[nowait(entry)]
fn rx_irq(dev: &mut Dev<'_>) -> bool {
    dev.sleep.alloc(GFP_KERNEL, Size::<KmallocMax>::new(dev.mtu).unwrap()).is_ok()
}

fn main() {
    let _ = MaySleep::enter(|cx| rx_irq(&mut Dev { sleep: cx, mtu: 1500 }));
}
