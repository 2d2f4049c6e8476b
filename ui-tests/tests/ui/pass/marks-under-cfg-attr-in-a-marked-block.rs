// A method of a marked block whose mark (or opt-out) comes through
// `cfg_attr`: when the predicate holds, what `cfg_attr` turns into decides,
// as if written bare; when it does not, the method takes the block's mark.
// A `cfg_attr` that holds anything else leaves the block's mark alone.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{KVec, MaySleep, may_sleep};

struct Dev {
    ring: KVec<u8>,
}

#[may_sleep]
impl Dev {
    /// Its own mark, when the predicate holds: takes any token.
    #[cfg_attr(all(), alloc_ctx::nowait)]
    fn rx(&mut self) -> bool {
        self.ring.push(1, GFP_ATOMIC, cx).is_ok()
    }

    /// The predicate does not hold: the block's mark, a sleep token.
    #[cfg_attr(any(), alloc_ctx::nowait)]
    fn grow(&mut self) -> bool {
        self.ring.reserve(64, GFP_KERNEL, cx).is_ok()
    }

    /// Left unmarked: no token.
    #[cfg_attr(all(), alloc_ctx::no_context)]
    fn len(&self) -> usize {
        self.ring.len()
    }

    /// Another attribute through `cfg_attr`: the block's mark.
    #[cfg_attr(all(), inline)]
    fn reset(&mut self) {
        let _: &mut MaySleep = cx;
        self.ring.clear();
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut dev = Dev { ring: KVec::new() };
    assert!(dev.grow(cx));
    assert!(dev.rx(cx.nowait()));
    assert_eq!(dev.len(), 1);
    dev.reset(cx);
    assert_eq!(dev.len(), 0);
}
