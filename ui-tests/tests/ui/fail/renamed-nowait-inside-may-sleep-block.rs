// Rule: a method marked `#[nowait]` under another name inside a
// `#[may_sleep]` block is a `#[nowait]` method: a sleeping request in it is
// refused with the flag's message (not the block's mark misapplied).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::nowait as atomic_context;
use alloc_ctx::{KVec, may_sleep};

struct Dev {
    ring: KVec<u32>,
}

#[may_sleep]
impl Dev {
    #[atomic_context]
    fn rx(&mut self, v: u32) -> bool {
        self.ring.push(v, GFP_KERNEL, cx).is_ok()
    }
}

fn main() {}
