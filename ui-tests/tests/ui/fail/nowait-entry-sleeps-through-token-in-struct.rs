// Rule: nothing that can reach a sleep token enters an interrupt entry
// point. The token here is a field of the driver struct (`Dev<'a> { sleep:
// &'a mut MaySleep }`); the entry form's body is a `Send` section, and a
// struct holding a sleep token is not `Send`, so the handler is refused at
// type check, with the token's marker naming the rule.
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

fn main() {}
