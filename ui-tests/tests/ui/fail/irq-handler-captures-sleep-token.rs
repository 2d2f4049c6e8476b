// Hole check: an interrupt handler must not sleep through the sleep token
// of the code it interrupted. The handler passed to `irq::raise` runs on
// another thread and must be `Send`; a captured `&mut MaySleep` is not, so
// a handler that captures `cx` (here to call a `#[may_sleep]` function)
// does not compile.
use alloc_ctx::{irq, may_sleep};

#[may_sleep]
fn load_firmware() -> usize {
    0
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = irq::raise(|_irq| load_firmware(cx));
}
