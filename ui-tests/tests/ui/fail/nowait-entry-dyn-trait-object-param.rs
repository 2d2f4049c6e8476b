// Rule (interrupt entry points): a `#[nowait(entry)]` handler cannot take a trait
// object that is not `Send` (here one implemented for `MaySleep`, whose method
// takes a mutex): the body is a `Send` section, so the object is refused.
use alloc_ctx::sync::Mutex;
use alloc_ctx::{MaySleep, nowait};
static CONFIG: Mutex<u32> = Mutex::new(0);
trait Reset {
    fn reset(&mut self);
}
impl Reset for MaySleep {
    fn reset(&mut self) {
        *CONFIG.lock(self) = 0;
    }
}
#[nowait(entry)]
fn irq(dev: &mut dyn Reset) {
    dev.reset()
}
fn main() {}
