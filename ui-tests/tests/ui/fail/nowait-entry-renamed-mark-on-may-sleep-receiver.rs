// Rule (interrupt entry points): the mark re-exported under another name
// (`nowait as hardirq`) on a trait method implemented for `MaySleep`: the
// `&mut self` receiver is the sleep token, refused by the `Send` section
// with the token's marker name.
use alloc_ctx::sync::Mutex;
use alloc_ctx::{MaySleep, nowait as hardirq};
static CONFIG: Mutex<u32> = Mutex::new(0);
trait Irq {
    fn irq(&mut self);
}
impl Irq for MaySleep {
    #[hardirq(entry)]
    fn irq(&mut self) {
        *CONFIG.lock(self) += 1;
    }
}
fn main() {}
