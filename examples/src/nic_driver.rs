//! A network driver: probe, RX interrupt, TX and TX completion, and RX
//! buffer refill deferred to a workqueue when atomic memory runs out.
//!
//! | path | context | allocations |
//! |---|---|---|
//! | [`probe`] | process (`#[may_sleep]`) | rings sized with `array_size` against kvmalloc's `INT_MAX`, RX buffers, `GFP_KERNEL` |
//! | [`rx_irq`] | hard IRQ (`#[nowait]`) | backlog growth with `GFP_ATOMIC`; buffer refill `GFP_NOWAIT`, else deferred |
//! | refill work | workqueue (`MaySleep`) | the deferred buffer, `GFP_KERNEL` |
//! | [`xmit`] | softirq (`#[nowait]`), TX ring spinlock | the frame copy, `GFP_ATOMIC` |
//! | [`tx_complete_irq`] | hard IRQ (`#[nowait(entry)]`), TX ring spinlock | none (frees) |
//! | [`napi_poll`] | softirq, RX backlog lock | none (frees) |
//!
//! Every allocation can fail (run with `--fail-every N`); each failure is
//! handled where it happens: a dropped packet is counted, a refill that
//! cannot happen now happens later, a probe that cannot get its rings
//! fails with `-ENOMEM`. Nothing panics and nothing leaks.

use alloc_ctx::arc::Arc;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::BoundedVec;
use alloc_ctx::irq;
use alloc_ctx::prelude::*;
use alloc_ctx::size::{KvmallocMax, array_size};
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::workqueue::{NowOrLater, Workqueue};
use alloc_ctx::{backend::Backend, may_sleep, nowait};

use crate::pages::PageList;

/// Bytes in an RX buffer (one MTU-sized frame plus headroom).
pub const RX_BUFFER_SIZE: usize = 2048;
/// An RX buffer, owned by the ring until the device fills it.
pub type RxBuffer<A> = KBox<[u8; RX_BUFFER_SIZE], A>;
/// A TX frame copied out of the stack's buffer.
pub type TxFrame<A> = KBox<[u8; RX_BUFFER_SIZE], A>;

/// Device configuration.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// RX ring entries.
    pub rx_entries: usize,
    /// TX ring entries.
    pub tx_entries: usize,
    /// Frames the "wire" delivers.
    pub packets: usize,
    /// Transmit one frame every this many received.
    pub tx_every: usize,
    /// Run NAPI (drain the backlog) every this many received.
    pub napi_every: usize,
    /// Pages the rest of the system caches after probe, at most: the cache
    /// takes what memory the backend will give (it stops at the first
    /// failure) and gives it back to reclaim through a shrinker. 0 for none.
    pub page_cache_pages: usize,
}

impl Config {
    /// A small run that still reaches every allocation path: what the
    /// failure sweeps of the test suite and of the sweep benchmark run
    /// (each of its allocation points is failed in turn).
    pub const SWEEP: Config =
        Config { rx_entries: 8, tx_entries: 4, packets: 24, tx_every: 2, napi_every: 4, page_cache_pages: 0 };
}

impl Default for Config {
    fn default() -> Self {
        Config { rx_entries: 64, tx_entries: 32, packets: 256, tx_every: 2, napi_every: 8, page_cache_pages: 0 }
    }
}

/// Counters, updated from every context (atomics: no lock, no allocation).
#[derive(Debug, Default)]
pub struct Counters {
    /// Frames received from the wire.
    pub rx_frames: AtomicUsize,
    /// Frames dropped: the RX ring had no buffer (refills still pending).
    pub rx_dropped_no_buffer: AtomicUsize,
    /// Frames dropped: the backlog could not grow with `GFP_ATOMIC`.
    pub rx_dropped_no_memory: AtomicUsize,
    /// Frames handed to the stack by NAPI.
    pub rx_delivered: AtomicUsize,
    /// Buffers refilled at once with `GFP_NOWAIT`.
    pub refill_now: AtomicUsize,
    /// Refills deferred to the workqueue.
    pub refill_deferred: AtomicUsize,
    /// Deferred refills that completed on the worker.
    pub refill_deferred_done: AtomicUsize,
    /// Deferred refills that failed even with `GFP_KERNEL`.
    pub refill_deferred_failed: AtomicUsize,
    /// Refills that could not even be queued (queue full, no memory for
    /// the work item): the ring stays one short until a later refill.
    pub refill_lost: AtomicUsize,
    /// Frames transmitted (put on the TX ring).
    pub tx_frames: AtomicUsize,
    /// Frames dropped on TX: no memory for the copy.
    pub tx_dropped_no_memory: AtomicUsize,
    /// Frames refused on TX: the ring was full (`NETDEV_TX_BUSY`).
    pub tx_busy: AtomicUsize,
    /// TX descriptors completed and freed.
    pub tx_completed: AtomicUsize,
}

fn bump(counter: &AtomicUsize) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// A counter's value.
pub fn get(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::Relaxed)
}

/// The device.
pub struct Nic<A: Backend> {
    backend: A,
    /// Empty buffers the device will DMA into; shared with the RX IRQ.
    rx_ring: SpinLockIrq<BoundedVec<RxBuffer<A>, KvmallocMax, A>>,
    /// Filled buffers waiting for NAPI.
    rx_backlog: SpinLockIrq<BoundedVec<RxBuffer<A>, KvmallocMax, A>>,
    /// Frames handed to the device, waiting for TX completion.
    /// Shared with the TX completion interrupt: an irq-save lock (a plain
    /// spinlock taken in the handler and by `xmit` with interrupts on
    /// would deadlock when the interrupt arrives during `xmit`).
    tx_ring: SpinLockIrq<BoundedVec<TxFrame<A>, KvmallocMax, A>>,
    /// What happened.
    pub counters: Counters,
}

/// Why probe failed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// A ring size no allocator accepts (`-EINVAL`).
    #[error("probe failed with -EINVAL: {0}")]
    RingSize(#[from] alloc_ctx::size::SizeError),
    /// No memory for the rings or buffers (`-ENOMEM`).
    #[error("probe failed with -ENOMEM: {0}")]
    NoMemory(#[from] AllocError),
    /// The refill workqueue could not be created.
    #[error("probe failed: cannot create the refill workqueue: {0}")]
    Workqueue(#[from] alloc_ctx::error::Error),
}

/// Probes the device: allocates both rings and fills the RX ring, all with
/// `GFP_KERNEL` (process context). Ring sizes are checked before any
/// allocation: an absurd `rx_entries` is a `SizeError`, not an overflow.
#[may_sleep]
pub fn probe<A>(backend: A, config: &Config, out: &mut dyn Write) -> Result<(Arc<Nic<A>>, Workqueue), ProbeError>
where
    A: Backend + Clone + Send + Sync + 'static,
{
    let rx_bytes = array_size::<RxBuffer<A>, KvmallocMax>(config.rx_entries)?;
    let tx_bytes = array_size::<TxFrame<A>, KvmallocMax>(config.tx_entries)?;
    let buffers = array_size::<[u8; RX_BUFFER_SIZE], KvmallocMax>(config.rx_entries)?;
    let _ = writeln!(
        out,
        "  probe: RX ring {} entries ({} B), TX ring {} entries ({} B), {} B of RX buffers [GFP_KERNEL]",
        config.rx_entries,
        rx_bytes.get(),
        config.tx_entries,
        tx_bytes.get(),
        buffers.get()
    );
    let mut rx_ring = BoundedVec::new_in(backend.clone());
    rx_ring.grow_to(rx_bytes, GFP_KERNEL, cx)?;
    for _ in 0..config.rx_entries {
        let buffer = KBox::new_in([0; RX_BUFFER_SIZE], backend.clone(), GFP_KERNEL, cx)?;
        if rx_ring.push_within_capacity(buffer).is_err() {
            unreachable!("the ring was sized for rx_entries");
        }
    }
    let mut tx_ring = BoundedVec::new_in(backend.clone());
    tx_ring.grow_to(tx_bytes, GFP_KERNEL, cx)?;
    // The backlog grows in interrupt context, with GFP_ATOMIC.
    let rx_backlog = BoundedVec::new_in(backend.clone());
    let workqueue = Workqueue::new("nic-refill", 16, cx)?;
    let nic = Nic {
        backend,
        rx_ring: SpinLockIrq::new(rx_ring),
        rx_backlog: SpinLockIrq::new(rx_backlog),
        tx_ring: SpinLockIrq::new(tx_ring),
        counters: Counters::default(),
    };
    // The device state is shared with the interrupt handler and the work
    // items: a refcounted allocation, made like every other one.
    Ok((Arc::new(nic, GFP_KERNEL, cx)?, workqueue))
}

/// The RX interrupt: the device filled one buffer with `frame`.
///
/// Takes a buffer off the ring, hands it to the backlog for NAPI (growing
/// the backlog with `GFP_ATOMIC`, or dropping the frame), then refills the
/// ring: `GFP_NOWAIT` now, or a `GFP_KERNEL` allocation deferred to the
/// workqueue.
#[nowait]
pub fn rx_irq<A>(nic: &Arc<Nic<A>>, workqueue: &Workqueue, frame: &[u8])
where
    A: Backend + Clone + Send + Sync + 'static,
{
    bump(&nic.counters.rx_frames);
    let Some(mut buffer) = nic.rx_ring.lock_irqsave(cx).pop() else {
        bump(&nic.counters.rx_dropped_no_buffer);
        return;
    };
    let len = frame.len().min(RX_BUFFER_SIZE);
    buffer[..len].copy_from_slice(&frame[..len]);
    {
        let mut backlog = nic.rx_backlog.lock_irqsave(cx);
        let nw = backlog.token();
        if backlog.push(buffer, GFP_ATOMIC | __GFP_NOWARN, nw).is_err() {
            // No memory to queue it: the frame is dropped and its buffer
            // freed (by `push`), as `netif_rx()` drops under memory pressure.
            bump(&nic.counters.rx_dropped_no_memory);
        }
    }
    refill_one(cx, nic, workqueue);
}

/// Puts one fresh buffer on the RX ring: now if `GFP_NOWAIT` succeeds,
/// otherwise later, on the workqueue, with `GFP_KERNEL`.
#[nowait]
fn refill_one<A>(nic: &Arc<Nic<A>>, workqueue: &Workqueue)
where
    A: Backend + Clone + Send + Sync + 'static,
{
    let later = Arc::clone(nic);
    let outcome = workqueue.alloc_or_defer(
        cx,
        || [0; RX_BUFFER_SIZE],
        nic.backend.clone(),
        GFP_KERNEL,
        move |cx, buffer| {
            // Process context, on the worker.
            match buffer {
                Ok(buffer) => {
                    let pushed = later.rx_ring.lock_irqsave(cx).push_within_capacity(buffer).is_ok();
                    debug_assert!(pushed, "a refill never overfills the ring");
                    bump(&later.counters.refill_deferred_done);
                }
                Err(_) => bump(&later.counters.refill_deferred_failed),
            }
        },
    );
    match outcome {
        Ok(NowOrLater::Now(buffer)) => {
            let pushed = nic.rx_ring.lock_irqsave(cx).push_within_capacity(buffer).is_ok();
            debug_assert!(pushed, "a refill never overfills the ring");
            bump(&nic.counters.refill_now);
        }
        Ok(NowOrLater::Later) => bump(&nic.counters.refill_deferred),
        Err(_) => bump(&nic.counters.refill_lost),
    }
}

/// NAPI poll (softirq): hands up to `budget` frames to the stack.
#[nowait]
pub fn napi_poll<A: Backend>(nic: &Nic<A>, budget: usize) -> usize {
    let mut backlog = nic.rx_backlog.lock_irqsave(cx);
    let mut delivered = 0;
    while delivered < budget {
        let Some(frame) = backlog.pop() else { break };
        drop(frame); // "delivered": the stack consumed it
        delivered += 1;
    }
    nic.counters.rx_delivered.fetch_add(delivered, Ordering::Relaxed);
    delivered
}

/// `ndo_start_xmit` (softirq): copies `payload` into a frame with
/// `GFP_ATOMIC` and puts it on the TX ring under its spinlock.
#[nowait]
pub fn xmit<A: Backend + Clone>(nic: &Nic<A>, payload: &[u8]) {
    let Ok(mut frame) = KBox::new_in([0; RX_BUFFER_SIZE], nic.backend.clone(), GFP_ATOMIC | __GFP_NOWARN, cx) else {
        return bump(&nic.counters.tx_dropped_no_memory);
    };
    let len = payload.len().min(RX_BUFFER_SIZE);
    frame[..len].copy_from_slice(&payload[..len]);
    let mut ring = nic.tx_ring.lock_irqsave(cx);
    // The ring was allocated at probe: pushing within its capacity cannot
    // allocate, and a full ring is NETDEV_TX_BUSY.
    match ring.push_within_capacity(frame) {
        Ok(()) => bump(&nic.counters.tx_frames),
        Err(_frame) => bump(&nic.counters.tx_busy),
    }
}

/// The TX completion interrupt: frees every sent frame.
///
/// Written in the entry form, as an interrupt handler registered with the
/// kernel would be: it takes no token and runs as an atomic section of its
/// own, wherever it is called from. Its arguments are `Send` (the device
/// is shared with process context, so it is `Sync`), as an interrupt
/// handler's data must be: none of them can carry a sleep token in.
#[nowait(entry)]
pub fn tx_complete_irq<A: Backend + Send + Sync>(nic: &Nic<A>) -> usize {
    let mut ring = nic.tx_ring.lock_irqsave(cx);
    let completed = ring.len();
    ring.clear();
    nic.counters.tx_completed.fetch_add(completed, Ordering::Relaxed);
    completed
}

pub use crate::pages::PAGE_SIZE;
/// The rest of the system's memory use: a page cache that fills the memory
/// the driver leaves free, and frees pages when reclaim asks. Only requests
/// that may reclaim (`GFP_KERNEL` on the workqueue) get memory back from it;
/// atomic requests must live with what is free, or the `__GFP_HIGH` reserve.
pub struct PageCache<A: Backend> {
    pages: PageList<A>,
    /// Bytes the shrinker gave back.
    pub reclaimed: AtomicUsize,
}

impl<A: Backend + Clone + Send + Sync + 'static> PageCache<A> {
    /// Caches up to `max_pages` pages, as long as the backend gives them
    /// without reclaim, and registers the cache's shrinker.
    #[may_sleep]
    fn fill(backend: &A, max_pages: usize) -> (Arc<Self>, alloc_ctx::reclaim::ShrinkerHandle) {
        let pages = PageList::default();
        let mut failures_in_a_row = 0;
        while pages.len() < max_pages && failures_in_a_row < 4 {
            // `GFP_NOWAIT | __GFP_NOWARN`: no reclaim, no warning; the
            // cache only takes memory that is free. A few failures in a row
            // mean there is none left (a single one may be injected).
            match KBox::new_in([0; PAGE_SIZE], backend.clone(), GFP_NOWAIT | __GFP_NOWARN, cx) {
                Ok(page) => {
                    pages.push(page);
                    failures_in_a_row = 0;
                }
                Err(_) => failures_in_a_row += 1,
            }
        }
        let cache = Arc::new(PageCache { pages, reclaimed: AtomicUsize::new(0) }, GFP_KERNEL, cx)
            .expect("a page cache's header: a few bytes at probe time");
        let shrinker = Arc::clone(&cache);
        let handle = alloc_ctx::reclaim::register_shrinker(
            cx,
            "page-cache",
            alloc_ctx::reclaim::ShrinkerNeeds::Nothing,
            move |target| shrinker.shrink(target),
        );
        (cache, handle)
    }

    fn shrink(&self, target: usize) -> usize {
        let freed = self.pages.evict(target);
        self.reclaimed.fetch_add(freed, Ordering::Relaxed);
        freed
    }

    /// Pages cached now.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The driver's summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Whether probe succeeded.
    pub probed: bool,
    /// Frames received from the wire.
    pub rx_frames: usize,
    /// Frames handed to the stack.
    pub rx_delivered: usize,
    /// Frames dropped for want of a buffer or memory.
    pub rx_dropped: usize,
    /// Refills done at once / deferred / deferred and done / lost.
    pub refills: (usize, usize, usize, usize),
    /// Frames sent.
    pub tx_frames: usize,
    /// Frames dropped on TX (no memory or ring full).
    pub tx_dropped: usize,
    /// TX completions.
    pub tx_completed: usize,
    /// Interrupts refused because interrupts were disabled on the CPU.
    pub irqs_masked: usize,
    /// Bytes the page cache took after probe, and gave back to reclaim.
    pub page_cache: (usize, usize),
}

impl Summary {
    /// Every received frame is accounted for: delivered or dropped.
    pub fn rx_balanced(&self) -> bool {
        self.rx_frames == self.rx_delivered + self.rx_dropped
    }
}

/// Runs the driver: probe, traffic through both interrupt paths and the
/// transmit path, then remove. Allocation failures (from `backend`) are
/// handled and counted; the trace goes to `out`.
#[may_sleep]
pub fn run<A>(backend: A, config: Config, out: &mut dyn Write) -> Summary
where
    A: Backend + Clone + Send + Sync + 'static,
{
    let mut summary = Summary::default();
    let (nic, workqueue) = match probe(cx, backend, &config, out) {
        Ok(probed) => probed,
        Err(error) => {
            let _ = writeln!(out, "  {error}");
            return summary;
        }
    };
    summary.probed = true;
    let (page_cache, _shrinker) = PageCache::fill(cx, &nic.backend, config.page_cache_pages);
    summary.page_cache.0 = page_cache.len() * PAGE_SIZE;
    if config.page_cache_pages != 0 {
        let _ = writeln!(
            out,
            "  the page cache takes the free memory: {} KiB; atomic requests are left the GFP_ATOMIC reserve",
            summary.page_cache.0 / 1024
        );
    }
    let mut noted = 0;
    for packet in 0..config.packets {
        let frame = [packet as u8; 64];
        let before = (get(&nic.counters.rx_dropped_no_memory), get(&nic.counters.refill_deferred));
        if irq::raise(|cx| rx_irq(cx, &nic, &workqueue, &frame)).is_err() {
            summary.irqs_masked += 1;
        }
        // The worker runs before the next interrupt: the trace (and a
        // failure sweep) sees the same order every run.
        workqueue.flush(cx);
        let after = (get(&nic.counters.rx_dropped_no_memory), get(&nic.counters.refill_deferred));
        if after != before && noted < 6 {
            noted += 1;
            let what = if after.0 != before.0 {
                "backlog growth (GFP_ATOMIC) failed: frame dropped and counted"
            } else {
                "buffer refill (GFP_NOWAIT) failed: deferred to the nic-refill workqueue (GFP_KERNEL)"
            };
            let _ = writeln!(out, "  rx irq, frame {packet}: {what}");
        }
        if packet % config.tx_every == 0 {
            cx.nowait_scope(|cx| xmit(cx, &nic, &frame));
        }
        if packet % config.napi_every == config.napi_every - 1 {
            cx.nowait_scope(|cx| napi_poll(cx, &nic, usize::MAX));
            if irq::raise(|_| tx_complete_irq(&nic)).is_err() {
                summary.irqs_masked += 1;
            }
        }
    }
    // Remove: quiesce, drain, free.
    cx.nowait_scope(|cx| napi_poll(cx, &nic, usize::MAX));
    tx_complete_irq(&nic);
    let stats = workqueue.shutdown(cx);
    summary.page_cache.1 = page_cache.reclaimed.load(Ordering::Relaxed);
    let c = &nic.counters;
    summary.rx_frames = get(&c.rx_frames);
    summary.rx_delivered = get(&c.rx_delivered);
    summary.rx_dropped = get(&c.rx_dropped_no_buffer) + get(&c.rx_dropped_no_memory);
    summary.refills = (get(&c.refill_now), get(&c.refill_deferred), get(&c.refill_deferred_done), get(&c.refill_lost));
    summary.tx_frames = get(&c.tx_frames);
    summary.tx_dropped = get(&c.tx_dropped_no_memory) + get(&c.tx_busy);
    summary.tx_completed = get(&c.tx_completed);
    let _ = writeln!(
        out,
        "  remove: {} deferred refills ran on the workqueue ({} failed even with GFP_KERNEL), {} work items panicked; \
         reclaim took {} KiB back from the page cache for them",
        summary.refills.2,
        get(&c.refill_deferred_failed),
        stats.panicked,
        summary.page_cache.1 / 1024
    );
    summary
}
