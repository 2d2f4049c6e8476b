// Driver author: a `#[nowait]` trait implemented in a `#[nowait]` impl block, called
// through a generic helper over `impl Token` from an interrupt and from
// process context; the data is in a `SpinLockIrq<KVec>` pushed with `GFP_ATOMIC`.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::{KVec, Token, irq, nowait};
#[nowait]
trait Rx {
    fn rx(&self, frame: u64) -> bool;
}
struct Nic {
    frames: SpinLockIrq<KVec<u64>>,
}
#[nowait]
impl Rx for Nic {
    fn rx(&self, frame: u64) -> bool {
        let mut g = self.frames.lock_irqsave(cx);
        let (frames, nw) = g.split();
        frames.push(frame, GFP_ATOMIC, nw).is_ok()
    }
}
fn deliver<R: Rx + Sync>(dev: &R, frame: u64, cx: &mut impl Token) -> bool {
    dev.rx(cx, frame)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let nic = Nic { frames: SpinLockIrq::new(KVec::new()) };
    assert!(irq::raise(|nw| deliver(&nic, 1, nw)).unwrap());
    assert!(deliver(&nic, 2, cx));
    assert_eq!(nic.frames.lock_irqsave(cx).len(), 2);
}
