// Rule (family 5): a `#[nowait(dyn)]` trait method implemented for `MaySleep`:
// its `&mut self` receiver is the sleep token, refused by the parameter probe.
use alloc_ctx::sync::Mutex;
use alloc_ctx::{MaySleep, nowait};

static CONFIG: Mutex<u32> = Mutex::new(0);

trait Reset {
    #[nowait(dyn)]
    fn reset(&mut self);
}

impl Reset for MaySleep {
    #[nowait(dyn)]
    fn reset(&mut self) {
        *CONFIG.lock(self) = 0;
    }
}

fn main() {}
