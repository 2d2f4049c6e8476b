// Rule: a `#[may_sleep(dyn)]` trait method, called through `&mut dyn Trait`,
// cannot be called with a `NoWait` token either: the `dyn` form takes the
// concrete `&mut MaySleep` so the trait stays dyn-compatible, and a `&mut
// NoWait` is not one (a plain type mismatch, since there is no generic bound
// to carry the project's message).
use alloc_ctx::{NoWait, may_sleep};

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

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut nic = Nic;
    let dev: &mut dyn Device = &mut nic;
    {
        cx.nowait_scope(|nw: &mut NoWait| dev.reset(nw));
    }
}
