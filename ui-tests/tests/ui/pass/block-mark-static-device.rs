// Refusal check: a block mark with opt-outs on a device kept in a
// `static`. `#[nowait] impl Dev` marks every method; `#[no_context]` leaves
// the `const fn` constructor (so `static DEV: Dev = Dev::new();` works) and
// a plain getter without a token. The marked method takes any token.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KVec, NoWait, no_context, nowait};

struct Dev {
    id: u32,
    rx_queue: SpinLock<KVec<u8>>,
}

#[nowait]
impl Dev {
    #[no_context]
    const fn new() -> Self {
        Dev { id: 7, rx_queue: SpinLock::new(KVec::new()) }
    }

    #[no_context]
    fn id(&self) -> u32 {
        self.id
    }

    fn rx(&self, byte: u8) -> bool {
        let mut queue = self.rx_queue.lock(cx);
        let nw = queue.token();
        queue.push(byte, GFP_ATOMIC, nw).is_ok()
    }
}

static DEV: Dev = Dev::new();

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(DEV.id(), 7);
    assert!(NoWait::enter(|nw| DEV.rx(nw, 1)));
    assert!(DEV.rx(cx, 2));
    NoWait::enter(|nw| assert_eq!(DEV.rx_queue.lock(nw).len(), 2));
}
