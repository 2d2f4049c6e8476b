// Refusal check: trait refinement with the `dyn` forms. A trait method
// declared `#[may_sleep(dyn)]` (concrete `&mut MaySleep`, so the trait is
// dyn-compatible) implemented by a `#[nowait(dyn)]` method, which does not
// sleep.
use alloc_ctx::{MaySleep, may_sleep, nowait};

trait Device {
    #[may_sleep(dyn)]
    fn reset(&mut self) -> bool;
}

struct Null;

impl Device for Null {
    #[nowait(dyn)]
    fn reset(&mut self) -> bool {
        true
    }
}

fn main() {
    let mut null = Null;
    let dev: &mut dyn Device = &mut null;
    assert!(MaySleep::enter(|cx| dev.reset(cx)));
}
