// Rule: a `#[may_sleep]` trait method cannot be called from a `#[nowait]`
// function, whether the trait is used directly or generically: the token
// parameter the mark adds to the declaration accepts only a sleep token.
use alloc_ctx::{may_sleep, nowait};

trait Device {
    #[may_sleep]
    fn reset(&mut self) -> bool;
}

struct Nic;

impl Device for Nic {
    #[may_sleep]
    fn reset(&mut self) -> bool {
        true
    }
}

#[nowait]
fn watchdog_timer<D: Device>(dev: &mut D) -> bool {
    dev.reset(cx)
}

fn main() {
    alloc_ctx::NoWait::enter(|nw| watchdog_timer(nw, &mut Nic));
}
