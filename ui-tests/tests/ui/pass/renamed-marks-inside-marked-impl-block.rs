// Marks re-exported under other names (`may_sleep as process_context`) on
// a method of an `#[atomic_context]` impl block: the method keeps its own
// mark, and the block's is not applied on top of it (which would clash on
// the parameter `cx` and refuse the method's `GFP_KERNEL`).
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{KVec, may_sleep as process_context, nowait as atomic_context};
struct Ring {
    slots: KVec<u64>,
}
#[atomic_context]
impl Ring {
    fn push(&mut self, v: u64) -> bool {
        self.slots.push(v, GFP_ATOMIC, cx).is_ok()
    }
    #[process_context]
    fn grow(&mut self, by: usize) -> bool {
        self.slots.reserve(by, GFP_KERNEL, cx).is_ok()
    }
}
#[process_context(entry)]
fn main() {
    let mut r = Ring { slots: KVec::new() };
    assert!(r.grow(cx, 8) && r.push(cx, 1));
}
