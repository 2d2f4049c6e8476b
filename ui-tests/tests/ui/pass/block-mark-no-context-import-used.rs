#![deny(unused_imports)]
// Refusal check: the documented way to opt a method out of a block mark,
// `use alloc_ctx::no_context;` then `#[no_context]` on the method, must not
// leave an unused import behind (crates that deny warnings would refuse
// it). The block macro hands the attribute back to `no_context` itself
// (as `#[no_context(in_marked_block)]`), so the import is used.
use alloc_ctx::{no_context, nowait};

struct Dev {
    id: u32,
}

#[nowait]
impl Dev {
    #[no_context]
    fn id(&self) -> u32 {
        self.id
    }

    fn poll(&self) -> bool {
        let _ = cx;
        true
    }
}

fn main() {
    let dev = Dev { id: 3 };
    assert_eq!(dev.id(), 3);
    assert!(alloc_ctx::NoWait::enter(|nw| dev.poll(nw)));
}
