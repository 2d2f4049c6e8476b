// Refusal check: marks (and `#[no_context]`) re-exported under other names
// inside a marked `impl` block. The block cannot tell what `#[atomic_context]`
// is, so it hands its own mark to such a method as the method's last
// attribute: the compiler expands the renamed mark first, and it wins.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{KVec, may_sleep};
use alloc_ctx::nowait as atomic_context;
use alloc_ctx::no_context as plain;

struct Dev { ring: KVec<u32> }

#[may_sleep]
impl Dev {
    fn grow(&mut self) -> bool { self.ring.reserve(8, GFP_KERNEL, cx).is_ok() }
    #[atomic_context]
    fn rx(&mut self, v: u32) -> bool { self.ring.push(v, GFP_ATOMIC, cx).is_ok() }
    #[plain]
    fn len(&self) -> usize { self.ring.len() }
    #[inline]
    fn grow_more(&mut self) -> bool { self.ring.reserve(8, GFP_KERNEL, cx).is_ok() }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut dev = Dev { ring: KVec::new() };
    assert!(dev.grow(cx));
    assert!(dev.grow_more(cx));
    let lock = alloc_ctx::sync::SpinLock::new(());
    let g = lock.lock(cx);
    assert!(dev.rx(g.token(), 1));
    drop(g);
    assert_eq!(dev.len(), 1);
}
