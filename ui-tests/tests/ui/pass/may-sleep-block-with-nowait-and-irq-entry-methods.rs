// Driver author: a `#[may_sleep]` impl block whose methods mix marks: a probe
// that allocates rings with `GFP_KERNEL`, a `#[nowait]` receive path, and a
// `#[nowait(entry)]` interrupt handler on a `Sync` device in a `static`.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::{AllocError, KVVec, irq, may_sleep, nowait};

struct Nic {
    rx: SpinLockIrq<KVVec<u64>>,
}

static NIC: Nic = Nic { rx: SpinLockIrq::new(KVVec::new()) };

#[may_sleep]
impl Nic {
    fn probe(&self, entries: usize) -> Result<(), AllocError> {
        let ring = KVVec::with_capacity(entries, GFP_KERNEL, cx)?;
        *self.rx.lock_irqsave(cx) = ring;
        Ok(())
    }

    #[nowait]
    fn rx_one(&self, frame: u64) -> bool {
        let mut ring = self.rx.lock_irqsave(cx);
        let (ring, nw) = ring.split();
        ring.push(frame, GFP_ATOMIC, nw).is_ok()
    }

    #[nowait(entry)]
    fn irq(&'static self) -> bool {
        self.rx_one(cx, 0xfeed)
    }
}

#[may_sleep(entry)]
fn main() {
    NIC.probe(cx, 16).expect("probe");
    assert!(irq::raise(|_| NIC.irq()).unwrap());
    assert!(NIC.rx_one(cx, 1));
    assert_eq!(NIC.rx.lock_irqsave(cx).len(), 2);
}
