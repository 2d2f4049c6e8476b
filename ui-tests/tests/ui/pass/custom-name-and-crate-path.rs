// `cx = ctx` renames the token; `crate = path` finds alloc-ctx through a
// re-export (a driver framework that re-exports it). Both together, on
// free functions and on an impl block.
mod framework {
    pub use alloc_ctx as rt;
}

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::KVec;
use framework::rt::{may_sleep, nowait};

#[may_sleep(cx = ctx, crate = framework::rt)]
fn probe(cx: u32) -> KVec<u32> {
    // The user's own `cx` is a plain parameter; the token is `ctx`.
    let mut ids = KVec::new();
    ids.push(cx, GFP_KERNEL, ctx).unwrap();
    ids
}

#[nowait(crate = "crate::framework::rt", cx = irq)]
fn tag(ids: &mut KVec<u32>, id: u32) -> bool {
    ids.push(id, GFP_ATOMIC, irq).is_ok()
}

struct Port(KVec<u32>);

#[nowait(cx = nw, crate = framework::rt)]
impl Port {
    fn add(&mut self, id: u32) -> bool {
        tag(nw, &mut self.0, id)
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut ids = probe(cx, 7);
    assert!(tag(cx, &mut ids, 8));
    let mut port = Port(ids);
    assert!(cx.nowait_scope(|nw| port.add(nw, 9)));
    assert_eq!(port.0.as_slice(), &[7, 8, 9]);
}
