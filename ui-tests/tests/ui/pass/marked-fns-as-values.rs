// Refusal check: marked functions used as values.
// * An ops table of function pointers, `fn(&mut NoWait, &Dev) -> bool`,
//   filled with a `#[nowait(dyn)]` function (concrete `&mut NoWait`) and
//   with a plain `#[nowait]` one (its `impl Token` parameter is inferred
//   from the pointer type).
// * Marked functions passed by name where a closure taking the token is
//   expected: a `#[nowait]` handler to `irq::raise`, a `#[may_sleep]`
//   function to `alloc_ctx::thread::spawn` and to `Workqueue::try_spawn`.
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{KVec, NoWait, irq, may_sleep, nowait};

struct Dev {
    mtu: usize,
}

struct Ops {
    rx: fn(&mut NoWait, &Dev) -> bool,
    tx: fn(&mut NoWait, &Dev) -> bool,
}

#[nowait(dyn)]
fn rx(dev: &Dev) -> bool {
    KVec::<u8>::with_capacity(dev.mtu, GFP_ATOMIC, cx).is_ok()
}

#[nowait]
fn tx(dev: &Dev) -> bool {
    dev.mtu > 0
}

static OPS: Ops = Ops { rx, tx };

static REFILLS: AtomicUsize = AtomicUsize::new(0);

#[nowait]
fn irq_handler() -> usize {
    KVec::<u64>::with_capacity(8, GFP_ATOMIC, cx).map_or(0, |ring| ring.capacity())
}

#[may_sleep]
fn probe() -> usize {
    KVec::<u64>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |ring| ring.capacity())
}

#[may_sleep]
fn refill() {
    let ring = KVec::<u64>::with_capacity(256, GFP_KERNEL, cx).expect("refill");
    REFILLS.fetch_add(ring.capacity(), Ordering::Relaxed);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { mtu: 1500 };
    assert!(NoWait::enter(|nw| (OPS.rx)(nw, &dev) && (OPS.tx)(nw, &dev)));
    assert!((OPS.rx)(cx, &dev));

    assert!(irq::raise(irq_handler).unwrap() >= 8);
    assert!(alloc_ctx::thread::spawn(cx, probe).join(cx).unwrap() >= 64);
    {
        let wq = Workqueue::new("refill", 4, cx).unwrap();
        wq.try_spawn(GFP_KERNEL, cx, refill).unwrap();
        NoWait::enter(|nw| wq.try_spawn(GFP_ATOMIC, nw, refill)).unwrap();
        wq.shutdown(cx);
    }
    assert!(REFILLS.load(Ordering::Relaxed) >= 512);
}
