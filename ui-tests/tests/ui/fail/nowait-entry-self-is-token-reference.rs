// Rule (interrupt entry points): a trait implemented for `&mut MaySleep` with a
// by-value `self` receiver: `self` is the sleep token, refused by the `Send`
// section naming `SleepTokenMustNotEnterAnotherContext`.
use alloc_ctx::sync::Mutex;
use alloc_ctx::{MaySleep, nowait};
static CONFIG: Mutex<u32> = Mutex::new(0);
trait Irq {
    fn irq(self);
}
impl Irq for &mut MaySleep {
    #[nowait(entry)]
    fn irq(self) {
        *CONFIG.lock(self) += 1;
    }
}
fn main() {}
