// Driver author: a NIC written against the public API only, as the README
// documents it. Probe allocates with `GFP_KERNEL` and returns the kernel's
// `error::Result` through `?`; the RX interrupt allocates with
// `GFP_ATOMIC` under a `SpinLockIrq` and, when the ring is full, defers the
// big allocation to a work item (queued with `GFP_ATOMIC`), which grows the
// ring with `GFP_KERNEL` outside the lock and swaps it in under the lock.
use alloc_ctx::arc::Arc;
use alloc_ctx::error::{self, code::EOVERFLOW};
use alloc_ctx::flags::{__GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KvmallocMax, array_size};
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{KBox, KVVec, KVec, irq, may_sleep, nowait};

struct Config {
    mtu: u32,
    queues: u32,
}

struct Rx {
    frames: KVec<KBox<[u8; 64]>>,
    dropped: u64,
    refill_queued: bool,
}

struct Nic {
    config: KBox<Config>,
    rx: SpinLockIrq<Rx>,
    table: KVVec<u64>,
}

#[may_sleep]
fn probe(queues: u32, table_entries: usize) -> error::Result<Arc<Nic>> {
    let config = KBox::new(Config { mtu: 1500, queues }, GFP_KERNEL, cx)?;
    // The table's size is checked before anything is allocated: an
    // overflowing count is a `SizeError`, which `?` turns into `EOVERFLOW`.
    let _bytes = array_size::<u64, KvmallocMax>(table_entries)?;
    let mut table = KVVec::with_capacity(table_entries, GFP_KERNEL, cx)?;
    table.resize(table_entries, 0, GFP_KERNEL, cx)?;
    let frames = KVec::with_capacity(4, GFP_KERNEL, cx)?;
    let rx = SpinLockIrq::new(Rx { frames, dropped: 0, refill_queued: false });
    Ok(Arc::new(Nic { config, rx, table }, GFP_KERNEL, cx)?)
}

/// The work item: a bigger ring, allocated where sleeping is allowed.
#[may_sleep]
fn refill(nic: &Nic) -> error::Result {
    let want = nic.rx.lock_irqsave(cx).frames.capacity() * 2;
    let mut bigger = KVec::with_capacity(want, GFP_KERNEL, cx)?;
    let mut guard = nic.rx.lock_irqsave(cx);
    let (rx, _nw) = guard.split();
    for frame in rx.frames.drain_all() {
        if bigger.push_within_capacity(frame).is_err() {
            unreachable!("reserved twice the old capacity");
        }
    }
    core::mem::swap(&mut rx.frames, &mut bigger);
    rx.refill_queued = false;
    Ok(()) // the old, empty ring is freed after the unlock
}

#[nowait]
fn rx_irq(nic: &Arc<Nic>, wq: &Workqueue, byte: u8) {
    let mut guard = nic.rx.lock_irqsave(cx);
    let (rx, nw) = guard.split();
    let Ok(frame) = KBox::new([byte; 64], GFP_ATOMIC | __GFP_NOWARN, nw) else {
        rx.dropped += 1;
        return;
    };
    if rx.frames.len() < rx.frames.capacity() {
        let _ = rx.frames.push(frame, GFP_ATOMIC, nw);
        return;
    }
    rx.dropped += 1;
    if !rx.refill_queued {
        let nic = Arc::clone(nic);
        rx.refill_queued = wq
            .try_spawn(GFP_ATOMIC, nw, move |cx| {
                refill(cx, &nic).expect("refill");
            })
            .is_ok();
    }
}

#[may_sleep(entry)]
fn main() {
    let nic = probe(cx, 4, 1024).expect("probe");
    assert_eq!((nic.config.mtu, nic.config.queues, nic.table.len()), (1500, 4, 1024));

    let wq = Workqueue::new("nic-refill", 4, cx).expect("workqueue");
    for byte in 0..6 {
        irq::raise(|cx| rx_irq(cx, &nic, &wq, byte)).expect("delivered");
    }
    wq.flush(cx);
    for byte in 6..10 {
        irq::raise(|cx| rx_irq(cx, &nic, &wq, byte)).expect("delivered");
    }
    wq.flush(cx);
    {
        let rx = nic.rx.lock_irqsave(cx);
        assert!(rx.frames.capacity() >= 8, "the work item grew the ring");
        assert_eq!(rx.frames.len() as u64 + rx.dropped, 10);
    }

    // An overflowing table size is refused before any allocation.
    let error = probe(cx, 4, usize::MAX / 4).err().expect("too large");
    assert_eq!(error, EOVERFLOW);
    wq.shutdown(cx);
}
