// Rule (DESIGN §8): a `#[may_sleep(dyn)]` trait method, called through
// `&mut dyn Trait`, cannot be called with a `NoWait` token either: the
// `dyn` form takes the concrete `MaySleep<'_>` so the trait stays
// dyn-compatible, and a `NoWait` is not one.
use alloc_ctx::{MaySleep, NoWait, may_sleep};

trait Device {
    #[may_sleep(dyn)]
    fn reset(&mut self) -> bool;
}

struct Nic;

impl Device for Nic {
    #[may_sleep(dyn)]
    fn reset(&mut self) -> bool {
        true
    }
}

fn main() {
    let mut nic = Nic;
    let dev: &mut dyn Device = &mut nic;
    MaySleep::enter(|mut cx| {
        cx.nowait_scope(|nw: NoWait<'_>| dev.reset(nw));
    });
}
