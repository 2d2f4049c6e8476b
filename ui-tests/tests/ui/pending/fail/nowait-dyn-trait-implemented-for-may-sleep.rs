// HOLE (family 5): `&mut dyn Reset`, a user trait implemented for `MaySleep` whose
// method locks a mutex, taken by a plain `#[nowait]` function: a trait object
// can be the sleep token in disguise. Compiles (the entry form refuses it).
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
#[nowait]
fn on_error(dev: &mut dyn Reset) {
    dev.reset()
}
fn main() {}
