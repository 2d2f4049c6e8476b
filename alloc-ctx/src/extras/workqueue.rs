//! [`Workqueue`]: run work later, on a thread that may sleep.
//!
//! Atomic code (an interrupt handler, a spinlocked section) often has work
//! that needs to sleep: a large allocation with `GFP_KERNEL`, a mutex, I/O.
//! The kernel's answer is a workqueue: queue the work from the atomic
//! context without blocking, and a kernel thread runs it later in process
//! context. Here:
//!
//! * A worker thread runs each work item with a fresh [`MaySleep`] token
//!   from the checked entry point ([`MaySleep::enter`]), so the item may
//!   sleep and a leaked atomic section is caught.
//! * Queueing never blocks and never sleeps: the queue is bounded
//!   (`std::sync::mpsc::sync_channel`, whose slots are allocated when the
//!   workqueue is created, at most [`Workqueue::MAX_CAPACITY`]) and a full
//!   queue is an error ([`QueueError::Full`]), not a wait. A panic while
//!   the work item is being allocated (a panicking shrinker, a sleeping
//!   request from atomic context) gives its slot back. The work item's own memory is a
//!   request made through the caller's token with the caller's flags
//!   (`GFP_ATOMIC` from atomic context), like Rust-for-Linux's
//!   `Workqueue::try_spawn`, so it obeys the same rules as any other
//!   allocation and its failure is an error too.
//! * Work items own their data (`Send + 'static`).
//! * [`shutdown`](Workqueue::shutdown) runs what is still queued and waits
//!   until every item has run and been dropped: `destroy_workqueue()`.
//!   Dropping the workqueue closes it without waiting (so it never blocks,
//!   even in an atomic section): the worker still runs what was queued.
//! * A worker whose workqueue ended waits idle for a short while, and the
//!   next workqueue of the same name takes it over instead of starting a
//!   thread (as the kernel's worker pools do; a failure sweep creates a
//!   workqueue per point). It is the same `kworker/<name>` thread, and each
//!   item still starts from a clean context state; thread-locals an item
//!   set may still be there for the next workqueue's items.
//! * [`alloc_or_defer`](Workqueue::alloc_or_defer) is the "optimistic
//!   NOWAIT, heavier fallback" pattern: try `GFP_NOWAIT` now, and on failure
//!   allocate later on the worker with sleeping flags.
//!
//! A panic in a work item is caught on the worker, counted
//! ([`panicked`](Workqueue::panicked)) and reported by the panic hook; the
//! worker goes on with the next item, also when the panic's payload itself
//! panics when dropped. An item that returns inside a section it entered
//! (a forgotten lock guard) is counted as leaked: the worker restores its
//! context state first, then reports it, then delivers the interrupt lines
//! the leaked irq-save section left pending.
//!
//! [`flush`](Workqueue::flush) returns at once when nothing is queued or
//! running; otherwise it queues a barrier behind the items queued before it
//! and waits for the worker to reach it, so a steady producer on another
//! thread cannot starve it.
//!
//! Simulation limits: the worker is one thread (an ordered workqueue,
//! `alloc_ordered_workqueue()`); the channel's internal wake-up takes a
//! short-held lock of the standard library, which a kernel implementation
//! would make a raw spinlock.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use alloc_ctx::{KVec, flags::*, irq, workqueue::Workqueue};
//!
//! let refilled = Arc::new(AtomicUsize::new(0));
//! {
//!     let wq = Workqueue::new("rx_refill", 16, cx).unwrap();
//!     // The interrupt handler defers the sleeping part.
//!     irq::raise(|nw| {
//!         let refilled = Arc::clone(&refilled);
//!         wq.try_spawn(GFP_ATOMIC, nw, move |cx| {
//!             // Process context: GFP_KERNEL is fine here.
//!             let ring = KVec::<u64>::with_capacity(256, GFP_KERNEL, cx).unwrap();
//!             refilled.fetch_add(ring.capacity(), Ordering::Relaxed);
//!         })
//!     })
//!     .unwrap()
//!     .unwrap();
//!     wq.shutdown(cx); // drains the queue
//! };
//! assert!(refilled.load(Ordering::Relaxed) >= 256);
//! # }
//! ```

use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::format;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, PoisonError};
use std::thread::Thread;

use crate::containers::kbox::{KBox, free_block};
use crate::context::state::{self, ContextState};
use crate::context::token::{MaySleep, SleepToken, Token};
use crate::request::backend::{Backend, System};
use crate::request::serve;
use crate::vocab::error::{AllocError, Error, code};
use crate::vocab::flags::Outcome;
use crate::vocab::flags::{GFP_NOWAIT, Gfp, GfpFlags};
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::{KmallocMax, Size};

/// A workqueue with one worker thread and a bounded queue.
///
/// Created from a context that may sleep ([`new`](Self::new) takes a sleep
/// token); work is queued from any context ([`try_spawn`](Self::try_spawn)
/// takes either token, and the flags for the work item's memory).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use std::sync::mpsc;
/// use alloc_ctx::{NoWait, flags::*, workqueue::Workqueue};
///
/// let (done_tx, done_rx) = mpsc::channel();
/// let wq = Workqueue::new("events", 4, cx).unwrap();
/// cx.nowait_scope(|nw| {
///     wq.try_spawn(GFP_ATOMIC, nw, move |_cx| done_tx.send("ran in process context").unwrap())
///         .expect("queued");
/// });
/// wq.flush(cx);
/// assert_eq!(wq.completed(), 1);
/// assert_eq!(done_rx.recv().unwrap(), "ran in process context");
/// # }
/// ```
pub struct Workqueue {
    sender: Option<SyncSender<Message>>,
    /// The worker thread (detached: [`shutdown`](Workqueue::shutdown)
    /// waits for [`Shared::finished`], not for the thread to exit).
    worker: Thread,
    shared: Arc<Shared>,
    capacity: usize,
}

/// State shared with the worker.
struct Shared {
    /// Slots taken: items reserved or in the channel, not yet picked up.
    queued: AtomicUsize,
    /// Items sent and not yet finished on the worker: a flush with none
    /// returns at once (every item queued before it has finished).
    in_flight: AtomicUsize,
    completed: AtomicUsize,
    panicked: AtomicUsize,
    /// Items that returned with the worker's context state changed.
    leaked: AtomicUsize,
    /// Held by a flush while its barrier is queued: one barrier at a time,
    /// so the channel's one slot beyond `capacity` always has room for it.
    flushing: std::sync::Mutex<()>,
    /// What the worker has reached; waited for by flushes and `shutdown`.
    progress: std::sync::Mutex<Progress>,
    progress_changed: Condvar,
}

/// What the worker has reached.
#[derive(Default)]
struct Progress {
    /// Barriers reached so far.
    barriers: u64,
    /// The worker has drained the closed queue: every item has run and
    /// been dropped. What `shutdown` waits for.
    finished: bool,
}

impl Shared {
    fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Updates the progress and wakes the waiters.
    fn advance(&self, update: impl FnOnce(&mut Progress)) {
        update(&mut self.progress());
        self.progress_changed.notify_all();
    }

    /// Waits until `done(progress)`.
    fn wait_until(&self, done: impl Fn(&Progress) -> bool) {
        let mut progress = self.progress();
        while !done(&progress) {
            progress = self.progress_changed.wait(progress).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// What the channel carries.
enum Message {
    /// A work item (it holds a reserved slot).
    Work(WorkBox),
    /// A flush's barrier: the worker counts it in [`Progress::barriers`]
    /// when it reaches it, after every item queued before it has run.
    Barrier,
}

/// A reserved queue slot, given back when dropped unless the item was
/// sent: also when allocating or building the item panics.
struct Reservation<'a> {
    queued: &'a AtomicUsize,
}

impl Reservation<'_> {
    /// The item is in the channel; the worker gives the slot back when it
    /// picks the item up.
    fn sent(self) {
        core::mem::forget(self);
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

/// What [`Workqueue::shutdown`] reports.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::workqueue::Workqueue;
/// let wq = Workqueue::new("idle", 1, cx).unwrap();
/// let stats = wq.shutdown(cx);
/// assert_eq!((stats.completed, stats.panicked), (0, 0));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WorkqueueStats {
    /// Work items that ran to completion.
    pub completed: usize,
    /// Work items that panicked (caught on the worker).
    pub panicked: usize,
    /// Work items that returned inside a section they entered (a lock
    /// guard forgotten with `mem::forget`): reported on stderr, and the
    /// worker's context state restored before the next item.
    pub leaked: usize,
}

/// Why work was not queued. Holds what was handed in, to retry or drop.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{flags::*, workqueue::{QueueError, Workqueue}};
/// let wq = Workqueue::new("tiny", 1, cx).unwrap();
/// let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
/// let (started_tx, started_rx) = std::sync::mpsc::channel();
/// // The worker blocks in the first item; the second fills the queue.
/// wq.try_spawn(GFP_KERNEL, cx, move |_| { started_tx.send(()).unwrap(); gate_rx.recv().unwrap(); }).unwrap();
/// started_rx.recv().unwrap();
/// wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap();
/// let error = wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap_err();
/// assert!(matches!(error, QueueError::Full(_)));
/// drop(gate_tx);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum QueueError<W> {
    /// The queue already holds its capacity of work items not yet started.
    Full(W),
    /// The work item's memory could not be allocated with the given flags.
    NoMemory(W, AllocError),
}

impl<W> QueueError<W> {
    /// What was handed in: the work, or the initialiser of
    /// [`Workqueue::alloc_or_defer`].
    ///
    /// ```
    /// use alloc_ctx::workqueue::QueueError;
    /// assert_eq!(QueueError::Full(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> W {
        match self {
            QueueError::Full(work) | QueueError::NoMemory(work, _) => work,
        }
    }
}

impl<W> From<QueueError<W>> for Error {
    /// `EBUSY` for a full queue (the work is dropped); as the
    /// [`AllocError`] when the work item could not be allocated, so that
    /// `wq.try_spawn(..)?` works in a function returning
    /// [`error::Result`](crate::error::Result).
    fn from(error: QueueError<W>) -> Error {
        match error {
            QueueError::Full(_) => code::EBUSY,
            QueueError::NoMemory(_, error) => error.into(),
        }
    }
}

impl<W> fmt::Debug for QueueError<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Full(_) => f.write_str("Full(..)"),
            QueueError::NoMemory(_, error) => {
                f.debug_tuple("NoMemory").field(&format_args!("..")).field(error).finish()
            }
        }
    }
}

impl<W> fmt::Display for QueueError<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::Full(_) => f.write_str("workqueue full: work not queued"),
            QueueError::NoMemory(_, error) => write!(f, "no memory for the work item: {error}"),
        }
    }
}

impl<W> core::error::Error for QueueError<W> {}

/// The result of [`Workqueue::alloc_or_defer`] when nothing failed.
///
/// ```
/// use alloc_ctx::workqueue::NowOrLater;
/// let now: NowOrLater<u8> = NowOrLater::Now(1);
/// assert_eq!(now.now(), Some(1));
/// assert_eq!(NowOrLater::<u8>::Later.now(), None);
/// ```
#[derive(Debug, PartialEq, Eq)]
#[must_use = "an immediate allocation is returned here, not given to the completion"]
pub enum NowOrLater<T> {
    /// The non-blocking attempt succeeded; the completion will not run.
    Now(T),
    /// The allocation was queued; the completion will run on the worker.
    Later,
}

impl<T> NowOrLater<T> {
    /// The immediate value, if any.
    ///
    /// ```
    /// assert_eq!(alloc_ctx::workqueue::NowOrLater::Now('a').now(), Some('a'));
    /// ```
    pub fn now(self) -> Option<T> {
        match self {
            NowOrLater::Now(value) => Some(value),
            NowOrLater::Later => None,
        }
    }
}

impl Workqueue {
    /// The largest `capacity` [`new`](Self::new) accepts: the queue's slots
    /// are allocated up front, so an unbounded capacity would let one
    /// argument exhaust memory (and abort the process) before any work is
    /// queued.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, error::code, workqueue::Workqueue};
    /// let refused = Workqueue::new("huge", Workqueue::MAX_CAPACITY + 1, cx);
    /// assert_eq!(refused.unwrap_err(), code::EINVAL);
    /// # }
    /// ```
    pub const MAX_CAPACITY: usize = 1 << 16;

    /// Creates a workqueue whose queue holds up to `capacity` work items not
    /// yet started, and starts its worker thread (`kworker/<name>`).
    ///
    /// Takes a sleep token: creating a thread and the queue may block, as
    /// `alloc_workqueue()` may.
    ///
    /// # Errors
    ///
    /// [`EINVAL`](code::EINVAL) for a `capacity` of 0 or above
    /// [`MAX_CAPACITY`](Self::MAX_CAPACITY), or a `name` containing a NUL
    /// byte (a thread name cannot hold one); [`ENOMEM`](code::ENOMEM) when
    /// the worker thread cannot be started. The crate's own
    /// [`Error`], so `?` works in driver code returning
    /// [`error::Result`](crate::error::Result):
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, error::{self, code}, workqueue::Workqueue};
    /// fn probe(cx: &mut MaySleep, name: &str) -> error::Result<Workqueue> {
    ///     let wq = Workqueue::new(name, 16, cx)?;
    ///     Ok(wq)
    /// }
    /// assert!(probe(cx, "rx").is_ok());
    /// assert_eq!(probe(cx, "r\0x").unwrap_err(), code::EINVAL);
    /// # }
    /// ```
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::workqueue::Workqueue;
    /// let wq = Workqueue::new("writeback", 32, cx).unwrap();
    /// assert_eq!((wq.capacity(), wq.pending()), (32, 0));
    /// # }
    /// ```
    #[track_caller]
    pub fn new(name: &str, capacity: usize, cx: &mut impl SleepToken) -> Result<Workqueue, Error> {
        let _ = cx;
        state::might_sleep();
        if capacity == 0 || capacity > Self::MAX_CAPACITY || name.contains('\0') {
            return Err(code::EINVAL);
        }
        let shared = Arc::new(Shared {
            queued: AtomicUsize::new(0),
            completed: AtomicUsize::new(0),
            panicked: AtomicUsize::new(0),
            leaked: AtomicUsize::new(0),
            flushing: std::sync::Mutex::new(()),
            in_flight: AtomicUsize::new(0),
            progress: std::sync::Mutex::new(Progress::default()),
            progress_changed: Condvar::new(),
        });
        // One slot beyond `capacity` for a flush's barrier.
        let (sender, receiver) = std::sync::mpsc::sync_channel(capacity + 1);
        let assignment = pool::Assignment { receiver, shared: Arc::clone(&shared) };
        let worker = pool::start(format!("kworker/{name}"), assignment)?;
        Ok(Workqueue { sender: Some(sender), worker, shared, capacity })
    }

    /// Queues `work` to run on the worker with a [`MaySleep`] token.
    ///
    /// Never blocks. The work item's memory is requested with `flags`
    /// through `cx`, so from atomic context only non-blocking flags compile
    /// (`GFP_ATOMIC` for work that must not be lost, `GFP_NOWAIT` for
    /// optional work).
    ///
    /// # Errors
    ///
    /// [`QueueError::Full`] when `capacity` items are already waiting, and
    /// [`QueueError::NoMemory`] when the work item cannot be allocated; both
    /// hand `work` back.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{NoWait, flags::*, workqueue::Workqueue};
    /// let wq = Workqueue::new("events", 8, cx).unwrap();
    /// NoWait::enter(|nw| wq.try_spawn(GFP_NOWAIT, nw, |_cx| ()).unwrap());
    /// assert_eq!(wq.shutdown(cx).completed, 1);
    /// # }
    /// ```
    ///
    /// From atomic context a sleeping request for the work item does not
    /// compile:
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{NoWait, MaySleep, flags::*, workqueue::Workqueue};
    /// {
    ///     let wq = Workqueue::new("events", 8, cx).unwrap();
    ///     NoWait::enter(|nw| wq.try_spawn(GFP_KERNEL, nw, |_cx| ())); // error: `GFP_KERNEL` may sleep
    /// };
    /// # }
    /// ```
    #[track_caller]
    pub fn try_spawn<C, F, W>(&self, flags: F, cx: &mut C, work: W) -> Result<(), QueueError<W>>
    where
        C: Token + Permits<F> + ?Sized,
        F: GfpFlags + MayFail,
        W: FnOnce(&mut MaySleep) + Send + 'static,
    {
        self.try_spawn_in(System, flags, cx, work)
    }

    /// As [`try_spawn`](Self::try_spawn), with the work item's memory from
    /// `backend`, so that a failure sweep or a budget reaches it too: the
    /// "queue full / no memory" path of an interrupt handler is then
    /// tested like any other allocation failure.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use std::sync::Arc;
    /// use alloc_ctx::backend::Budget;
    /// use alloc_ctx::workqueue::{QueueError, Workqueue};
    /// use alloc_ctx::{NoWait, flags::*};
    ///
    /// let budget = Arc::new(Budget::new(0)); // no memory at all
    /// let wq = Workqueue::new("events", 8, cx).unwrap();
    /// let refused = NoWait::enter(|nw| wq.try_spawn_in(Arc::clone(&budget), GFP_ATOMIC | __GFP_NOWARN, nw, |_| ()));
    /// assert!(matches!(refused, Err(QueueError::NoMemory(..))));
    /// assert_eq!(wq.shutdown(cx).completed, 0);
    /// # }
    /// ```
    #[track_caller]
    pub fn try_spawn_in<A, C, F, W>(&self, backend: A, flags: F, cx: &mut C, work: W) -> Result<(), QueueError<W>>
    where
        A: Backend + Send + 'static,
        C: Token + Permits<F> + ?Sized,
        F: GfpFlags + MayFail,
        W: FnOnce(&mut MaySleep) + Send + 'static,
    {
        self.enqueue(backend, work, crate::context::token::served(cx, flags.gfp()), |work| Spawned(Some(work)))
    }

    /// The "optimistic NOWAIT, heavier fallback" pattern: allocates a
    /// `KBox<T, A>` now with `GFP_NOWAIT` if memory is free, or else queues
    /// work that allocates it on the worker with `flags` (which may sleep,
    /// e.g. `GFP_KERNEL`) and hands the outcome to `complete`.
    ///
    /// * On immediate success the box is returned in [`NowOrLater::Now`] and
    ///   `complete` is dropped without running.
    /// * Otherwise [`NowOrLater::Later`]: on the worker, `init()` is boxed
    ///   with `flags` and `complete(cx, outcome)` runs with the worker's
    ///   sleep token; `outcome` is `Result<KBox<T, A>, AllocError>`, or the
    ///   box itself when `flags` contain `__GFP_NOFAIL`.
    ///
    /// Nothing here sleeps: the `GFP_NOWAIT` attempt does not reclaim, and
    /// the work item (which holds `init`, `backend` and `complete`, not the
    /// value) is allocated with `GFP_ATOMIC`, the flags for memory that
    /// atomic code must not go without. `init` runs once, where the
    /// allocation succeeds.
    ///
    /// # Errors
    ///
    /// When the work cannot be queued ([`QueueError`], holding `init`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use std::sync::mpsc;
    /// use alloc_ctx::backend::FailInject;
    /// use alloc_ctx::{flags::*, workqueue::{NowOrLater, Workqueue}};
    ///
    /// // The first request fails: memory is tight in the interrupt.
    /// static TIGHT: FailInject = FailInject::new().fail_nth(1);
    /// let (tx, rx) = mpsc::channel();
    /// let wq = Workqueue::new("refill", 4, cx).unwrap();
    /// let now = cx.nowait_scope(|nw| {
    ///     wq.alloc_or_defer(nw, || [0u8; 2048], &TIGHT, GFP_KERNEL, move |_cx, rx_buffer| {
    ///         tx.send(rx_buffer.map(|buffer| buffer.len())).unwrap();
    ///     })
    /// });
    /// assert_eq!(now.unwrap(), NowOrLater::Later);
    /// wq.shutdown(cx);
    /// assert_eq!(rx.recv().unwrap(), Ok(2048)); // allocated later, with GFP_KERNEL
    /// # }
    /// ```
    #[track_caller]
    pub fn alloc_or_defer<T, A, F, I, C>(
        &self,
        cx: &mut impl Token,
        init: I,
        backend: A,
        flags: F,
        complete: C,
    ) -> Result<NowOrLater<KBox<T, A>>, QueueError<I>>
    where
        A: Backend + Clone + Send + 'static,
        F: GfpFlags + Send + 'static,
        MaySleep: Permits<F>,
        I: FnOnce() -> T + Send + 'static,
        C: FnOnce(&mut MaySleep, Outcome<F, KBox<T, A>>) + Send + 'static,
        T: 'static,
    {
        // The size check of the deferred box, here so that a failed build
        // names the caller's line rather than the worker's.
        #[allow(clippy::let_unit_value)]
        let () = crate::containers::kbox::AssertBoxFits::<T, F>::OK;
        let cx = cx.nowait();
        if let Ok(slot) = KBox::<T, A>::new_uninit_in(backend.clone(), GFP_NOWAIT, cx) {
            return Ok(NowOrLater::Now(slot.write(init())));
        }
        let gfp = cx.effective(crate::vocab::flags::GFP_ATOMIC);
        // The work item comes from the same backend as the value.
        let item_backend = backend.clone();
        let parts = (init, backend, flags, complete);
        match self.enqueue(item_backend, parts, gfp, |parts| DeferredAlloc { parts: Some(parts), value: PhantomData }) {
            Ok(()) => Ok(NowOrLater::Later),
            Err(error) => Err(match error {
                QueueError::Full((init, ..)) => QueueError::Full(init),
                QueueError::NoMemory((init, ..), error) => QueueError::NoMemory(init, error),
            }),
        }
    }

    /// Waits until every work item queued so far has run
    /// (`flush_workqueue()`).
    ///
    /// Items queued after the call started are not waited for: with items
    /// queued or running, the flush queues a barrier behind them and waits
    /// for the worker to reach it, so another thread that keeps queueing
    /// cannot hold it up (concurrent flushes take turns); with none, it
    /// returns at once.
    ///
    /// # Panics
    ///
    /// Inside an atomic section (through an `unsafe`-assumed token), like
    /// [`might_sleep`](crate::might_sleep); and when called from one of this
    /// workqueue's own work items, which would wait for itself forever.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// use alloc_ctx::{flags::*, workqueue::Workqueue};
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let wq = Workqueue::new("events", 2, cx).unwrap();
    /// let flag = Arc::clone(&ran);
    /// wq.try_spawn(GFP_KERNEL, cx, move |_| flag.store(true, Ordering::Release)).unwrap();
    /// wq.flush(cx);
    /// assert!(ran.load(Ordering::Acquire));
    /// # }
    /// ```
    #[track_caller]
    pub fn flush(&self, cx: &mut impl SleepToken) {
        let _ = cx;
        state::might_sleep();
        self.refuse_own_worker("flush");
        let Some(sender) = &self.sender else { return };
        // Nothing in flight: every item queued before this call has
        // finished (it was counted before it was sent, and uncounted after
        // it finished).
        if self.shared.in_flight.load(Ordering::Acquire) == 0 {
            return;
        }
        // One barrier in the channel at a time: with at most `capacity`
        // items (their reserved slots), the channel's extra slot is free,
        // so the send below never waits for room.
        let _turn = self.shared.flushing.lock().unwrap_or_else(PoisonError::into_inner);
        let target = self.shared.progress().barriers + 1;
        if sender.send(Message::Barrier).is_ok() {
            // An error means the worker is gone, with nothing left to wait for.
            self.shared.wait_until(|progress| progress.barriers >= target || progress.finished);
        }
    }

    /// Runs every queued work item, waits until each has run and been
    /// dropped, and reports (`destroy_workqueue()`). The worker is then
    /// free for the next workqueue of the same name. Dropping the workqueue
    /// closes it without waiting.
    ///
    /// # Panics
    ///
    /// Inside an atomic section (through an `unsafe`-assumed token), like
    /// [`might_sleep`](crate::might_sleep); and when called from one of this
    /// workqueue's own work items, which would wait for itself forever (the
    /// workqueue is then dropped: closed without waiting).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, workqueue::Workqueue};
    /// let wq = Workqueue::new("events", 8, cx).unwrap();
    /// for _ in 0..3 {
    ///     wq.try_spawn(GFP_KERNEL, cx, |_| ()).unwrap();
    /// }
    /// assert_eq!(wq.shutdown(cx).completed, 3);
    /// # }
    /// ```
    #[track_caller]
    pub fn shutdown(mut self, cx: &mut impl SleepToken) -> WorkqueueStats {
        let _ = cx;
        state::might_sleep();
        self.refuse_own_worker("shutdown");
        self.stop();
        self.stats()
    }

    /// Panics if the caller is this workqueue's worker: waiting for the
    /// worker there (`flush`, `shutdown`) would wait for itself forever.
    #[track_caller]
    fn refuse_own_worker(&self, operation: &str) {
        assert!(
            self.worker.id() != std::thread::current().id(),
            "{operation} of a workqueue from one of its own work items would wait for itself forever"
        );
    }

    /// Work items queued and not yet started.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::workqueue::Workqueue;
    /// (assert_eq!(Workqueue::new("wq", 1, cx).unwrap().pending(), 0));
    /// # }
    /// ```
    pub fn pending(&self) -> usize {
        self.shared.queued.load(Ordering::Acquire)
    }

    /// How many work items may wait at once.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::workqueue::Workqueue;
    /// (assert_eq!(Workqueue::new("wq", 3, cx).unwrap().capacity(), 3));
    /// # }
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Work items that have run to completion so far.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::workqueue::Workqueue;
    /// (assert_eq!(Workqueue::new("wq", 1, cx).unwrap().completed(), 0));
    /// # }
    /// ```
    pub fn completed(&self) -> usize {
        self.shared.completed.load(Ordering::Acquire)
    }

    /// Work items that panicked so far (each caught on the worker).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, workqueue::Workqueue};
    /// let wq = Workqueue::new("wq", 1, cx).unwrap();
    /// wq.try_spawn(GFP_KERNEL, cx, |_| panic!("oops in a work item")).unwrap();
    /// wq.flush(cx);
    /// assert_eq!((wq.panicked(), wq.completed()), (1, 0));
    /// # }
    /// ```
    pub fn panicked(&self) -> usize {
        self.shared.panicked.load(Ordering::Acquire)
    }

    fn stats(&self) -> WorkqueueStats {
        WorkqueueStats {
            completed: self.completed(),
            panicked: self.panicked(),
            leaked: self.shared.leaked.load(Ordering::Acquire),
        }
    }

    /// Closes the queue and waits until the worker has drained it (every
    /// item run and dropped).
    fn stop(&mut self) {
        drop(self.sender.take());
        self.shared.wait_until(|progress| progress.finished);
    }

    /// Reserves a slot, allocates the work item with `gfp`, builds it from
    /// `parts` and sends it. On failure `parts` come back untouched.
    #[track_caller]
    fn enqueue<P, J: Job + 'static, A: Backend + Send + 'static>(
        &self,
        backend: A,
        parts: P,
        gfp: Gfp,
        build: impl FnOnce(P) -> J,
    ) -> Result<(), QueueError<P>> {
        let shared = &*self.shared;
        // A slot first: a full queue costs no allocation.
        let reserved = shared
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| (queued < self.capacity).then_some(queued + 1));
        if reserved.is_err() {
            return Err(QueueError::Full(parts));
        }
        // Gives the slot back on every way out but a sent item: an
        // allocation failure, and a panic in the request (a shrinker, a
        // sleeping request from atomic context) or in `build`.
        let reservation = Reservation { queued: &shared.queued };
        let slot = match WorkSlot::<J, A>::allocate(&backend, gfp) {
            Ok(slot) => slot,
            Err(error) => return Err(QueueError::NoMemory(parts, error)),
        };
        // If `build` panicked, the slot would give the block back.
        let job = build(parts);
        let block = slot.into_block();
        // SAFETY: `block` comes from the slot just allocated from `backend`.
        let work = unsafe { WorkBox::new(block, job, backend) };
        let Some(sender) = &self.sender else {
            unreachable!("the sender is only taken by shutdown, which consumes the workqueue")
        };
        shared.in_flight.fetch_add(1, Ordering::AcqRel);
        match sender.try_send(Message::Work(work)) {
            Ok(()) => {
                reservation.sent();
                Ok(())
            }
            // The reserved slot guarantees room (a flush's barrier has a
            // slot of its own), and the worker only exits after the sender
            // is dropped: it catches work item panics, including those of
            // their payloads' `Drop`.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                unreachable!("a workqueue channel refused a work item with a reserved slot")
            }
        }
    }
}

impl Drop for Workqueue {
    /// Closes the queue without waiting: the worker still runs every item
    /// queued so far, then goes idle (or exits). Dropping never blocks, so it is
    /// fine anywhere (in an atomic section, or in one of the queue's own
    /// work items holding the last `Arc`); to wait for the items and get
    /// the statistics, call [`shutdown`](Workqueue::shutdown) with a sleep
    /// token.
    fn drop(&mut self) {
        // The worker drains the queue on its own; nothing waits for it.
        drop(self.sender.take());
    }
}

impl fmt::Debug for Workqueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.worker.name();
        f.debug_struct("Workqueue")
            .field("worker", &name)
            .field("capacity", &self.capacity)
            .field("pending", &self.pending())
            .field("completed", &self.completed())
            .field("panicked", &self.panicked())
            .finish()
    }
}

/// Worker threads, and the idle ones kept for the next workqueue of the
/// same name.
///
/// Starting a thread and joining it cost far more than running a few work
/// items (a failure sweep creates a workqueue per point): a worker whose
/// queue was closed and drained waits a short while ([`IDLE_FOR`]) for a
/// new workqueue with its thread name before it exits. What a workqueue
/// guarantees does not change: its worker is named `kworker/<name>`, runs
/// its items in order, one at a time, each from a clean context state, and
/// `shutdown` returns when every item has run and been dropped.
mod pool {
    use std::string::String;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::thread::Thread;
    use std::time::Duration;
    use std::vec::Vec;

    use super::{Message, Shared, worker_loop};
    use crate::vocab::error::{Error, code};

    /// How long an idle worker waits for a new workqueue.
    pub(super) const IDLE_FOR: Duration = Duration::from_millis(200);
    /// At most this many idle workers at once; the others exit. None
    /// under Miri, which reports threads still running (an idle worker)
    /// when the program ends; the pool is safe code.
    const MAX_IDLE: usize = if cfg!(miri) { 0 } else { 4 };

    /// A workqueue's end of the channel and its shared state, handed to a
    /// worker.
    pub(super) struct Assignment {
        pub(super) receiver: Receiver<Message>,
        pub(super) shared: Arc<Shared>,
    }

    /// A worker waiting for an assignment.
    struct Idle {
        id: u64,
        name: String,
        thread: Thread,
        /// Room for one assignment: sending never blocks.
        handoff: SyncSender<Assignment>,
    }

    static IDLE: Mutex<Vec<Idle>> = Mutex::new(Vec::new());
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);

    fn idle() -> std::sync::MutexGuard<'static, Vec<Idle>> {
        IDLE.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands `assignment` to an idle worker named `name`, or starts one.
    pub(super) fn start(name: String, assignment: Assignment) -> Result<Thread, Error> {
        let mut assignment = assignment;
        loop {
            let taken = {
                let mut idle = idle();
                idle.iter().position(|worker| worker.name == name).map(|at| idle.swap_remove(at))
            };
            let Some(worker) = taken else { break };
            // Taken out of the pool under its lock, the worker waits for
            // this send (see `park`); it fails only if the worker is gone.
            match worker.handoff.send(assignment) {
                Ok(()) => return Ok(worker.thread),
                Err(returned) => assignment = returned.0,
            }
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let worker_name = name.clone();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || run(id, worker_name, assignment))
            .map_err(|_| code::ENOMEM)?;
        // Detached: `shutdown` waits for `Shared::finished`.
        Ok(thread.thread().clone())
    }

    /// A worker thread: drains one workqueue after another.
    fn run(id: u64, name: String, first: Assignment) {
        // Where assignments arrive while the worker is idle; one at most
        // (the pool entry holding the sender is taken once).
        let (handoff, next) = std::sync::mpsc::sync_channel(1);
        let mut assignment = first;
        loop {
            let Assignment { receiver, shared } = assignment;
            worker_loop(&receiver, &shared);
            drop(receiver);
            // In the pool *before* `shutdown` is told the drain finished,
            // so that a workqueue created right after it finds this worker.
            let parked = park(id, &name, &handoff);
            shared.advance(|progress| progress.finished = true);
            drop(shared);
            if !parked {
                return;
            }
            match wait(id, &next) {
                Some(next) => assignment = next,
                None => return,
            }
        }
    }

    /// Enters the pool, if it has room.
    fn park(id: u64, name: &str, handoff: &SyncSender<Assignment>) -> bool {
        let mut idle = idle();
        if idle.len() >= MAX_IDLE {
            return false;
        }
        idle.push(Idle { id, name: String::from(name), thread: std::thread::current(), handoff: handoff.clone() });
        true
    }

    /// Waits in the pool for the next assignment; `None` to exit.
    fn wait(id: u64, next: &Receiver<Assignment>) -> Option<Assignment> {
        match next.recv_timeout(IDLE_FOR) {
            Ok(assignment) => Some(assignment),
            Err(RecvTimeoutError::Timeout) => {
                let mut idle = idle();
                if let Some(at) = idle.iter().position(|worker| worker.id == id) {
                    idle.swap_remove(at);
                    return None;
                }
                drop(idle);
                // Taken from the pool just now: the assignment is on its way.
                next.recv().ok()
            }
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }
}

fn worker_loop(receiver: &Receiver<Message>, shared: &Shared) {
    let clean = ContextState::current();
    // Ends when the sender is dropped and every queued item has been
    // received: shutdown drains the queue.
    while let Ok(message) = receiver.recv() {
        match message {
            Message::Work(work) => {
                shared.queued.fetch_sub(1, Ordering::AcqRel);
                run_item(work, shared, clean);
                shared.in_flight.fetch_sub(1, Ordering::AcqRel);
            }
            // The flusher may have gone (it only waits); nothing to do then.
            Message::Barrier => shared.advance(|progress| progress.barriers += 1),
        }
    }
}

/// Runs one item on the worker and puts the worker back in the state
/// `clean` every item starts from. Nothing here unwinds out: the worker
/// must outlive every item.
fn run_item(work: WorkBox, shared: &Shared, clean: ContextState) {
    let name = work.name();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: the worker thread's own loop, outside any section: the
        // token of a work item is the only one of this thread (a work item
        // runs in process context, as a kernel's does).
        unsafe { MaySleep::enter(|cx| work.run(cx)) };
    }));
    let counter = match outcome {
        Ok(()) => &shared.completed,
        Err(payload) => {
            crate::extras::drop_panic_payload(payload);
            &shared.panicked
        }
    };
    counter.fetch_add(1, Ordering::AcqRel);
    let after = ContextState::current();
    if after != clean {
        // The item leaked a section (`mem::forget` of a lock guard, a
        // leaked scope): give the next item the state every item starts
        // from, rather than refusing all later work. Restored *before* the
        // report, which allocates: inside the leaked atomic section the
        // checking allocator would take the report's own output for a
        // violation (and abort with its abort policy).
        clean.restore();
        shared.leaked.fetch_add(1, Ordering::AcqRel);
        // `eprintln!` (which a test harness captures) panics if stderr
        // fails: caught, the worker goes on.
        let reported = std::panic::catch_unwind(|| {
            std::eprintln!(
                "alloc-ctx: BUG: work item `{name}` returned with its context state changed \
                 ({after:?}, expected {clean:?}): it leaked an atomic section, interrupt-disabling \
                 section or scope; the worker's state was restored"
            );
        });
        if let Err(payload) = reported {
            crate::extras::drop_panic_payload(payload);
        }
    }
    // Interrupts are enabled on the worker again: deliver the lines raised
    // while they were off and still pending, because the item leaked its
    // irq-save section (restored above without ending it) or left it by
    // unwinding (pending lines wait while a thread unwinds).
    let delivered = std::panic::catch_unwind(crate::context::irq::deliver_pending_lines);
    if let Err(payload) = delivered {
        crate::extras::drop_panic_payload(payload);
    }
}

/// A queued work item, type-erased.
trait Job: Send {
    /// Runs the item; later calls do nothing.
    fn run(&mut self, cx: &mut MaySleep);
    /// What the item is, for reports: its type's name (for a closure, the
    /// function that wrote it).
    fn name(&self) -> &'static str;
}

/// A closure given to [`Workqueue::try_spawn`].
struct Spawned<W>(Option<W>);

impl<W: FnOnce(&mut MaySleep) + Send> Job for Spawned<W> {
    fn run(&mut self, cx: &mut MaySleep) {
        if let Some(work) = self.0.take() {
            work(cx);
        }
    }
    fn name(&self) -> &'static str {
        core::any::type_name::<W>()
    }
}

/// The deferred half of [`Workqueue::alloc_or_defer`].
struct DeferredAlloc<T, I, A, F, C> {
    parts: Option<(I, A, F, C)>,
    // `fn() -> T`: the value is made on the worker; the item does not hold one.
    value: PhantomData<fn() -> T>,
}

impl<T, I, A, F, C> Job for DeferredAlloc<T, I, A, F, C>
where
    A: Backend + Send,
    F: GfpFlags + Send,
    MaySleep: Permits<F>,
    I: FnOnce() -> T + Send,
    C: FnOnce(&mut MaySleep, Outcome<F, KBox<T, A>>) + Send,
{
    fn run(&mut self, cx: &mut MaySleep) {
        if let Some((init, backend, flags, complete)) = self.parts.take() {
            let outcome = KBox::new_in(init(), backend, flags, cx);
            complete(cx, outcome);
        }
    }
    fn name(&self) -> &'static str {
        core::any::type_name::<C>()
    }
}

/// A job and the backend its memory came from, allocated together from
/// that backend: the item carries what frees it.
struct Item<J, A> {
    job: J,
    backend: A,
}

impl<J: Job, A: Backend + Send> Job for Item<J, A> {
    fn run(&mut self, cx: &mut MaySleep) {
        self.job.run(cx);
    }
    fn name(&self) -> &'static str {
        self.job.name()
    }
}

/// Drops the `Item<J, A>` at `block` and frees its memory through the
/// item's own backend, also when the job's `Drop` panics. Works on the raw
/// pointer: no reference to the item may be live while its memory is
/// freed.
///
/// # Safety
///
/// `block` holds a live `Item<J, A>`, allocated from its backend with the
/// item's layout (or dangling for a zero-sized item), not used again.
unsafe fn release_item<J, A: Backend>(block: NonNull<u8>) {
    /// Frees the block after the job, also while unwinding from the job's
    /// panicking `Drop`; then drops the backend.
    struct FreeBlock<A: Backend> {
        backend: A,
        block: NonNull<u8>,
        layout: Layout,
    }

    impl<A: Backend> Drop for FreeBlock<A> {
        fn drop(&mut self) {
            // SAFETY: the item was allocated from this backend with
            // `layout` (zero-sized items never were, which `free_block`
            // knows), and nothing refers to it any more.
            unsafe { free_block(&self.backend, self.block, self.layout) };
        }
    }

    let item = block.cast::<Item<J, A>>().as_ptr();
    // SAFETY: the item is live (the caller's contract); its backend is
    // moved out once, and the field is not dropped again below.
    let backend = unsafe { ptr::read(&raw const (*item).backend) };
    let _free = FreeBlock { backend, block, layout: Layout::new::<Item<J, A>>() };
    // SAFETY: the job is dropped once, here, through the raw pointer.
    unsafe { ptr::drop_in_place(&raw mut (*item).job) };
}

/// Owns a queued item in memory allocated from the caller's backend
/// through the request path (so with the caller's flags, reported, checked
/// and failure-swept like any request).
///
/// `KBox` cannot hold a `dyn Job` on stable Rust (custom pointers cannot
/// unsize), so this is the small owner for the one trait object we need.
struct WorkBox {
    job: NonNull<dyn Job>,
    /// `release_item::<J, A>` for the item's types.
    release: unsafe fn(NonNull<u8>),
}

// SAFETY: a `WorkBox` owns its item exclusively, and `Job: Send` (the
// item's backend is `Send` too).
unsafe impl Send for WorkBox {}

/// Memory for an `Item<J, A>` from `backend`, not yet written.
struct WorkSlot<'b, J, A: Backend> {
    block: NonNull<Item<J, A>>,
    backend: &'b A,
}

impl<'b, J: Job + 'static, A: Backend + Send + 'static> WorkSlot<'b, J, A> {
    #[track_caller]
    fn allocate(backend: &'b A, gfp: Gfp) -> Result<Self, AllocError> {
        // Fails the build for a work item larger than kmalloc allows.
        let size = Size::<KmallocMax>::of::<Item<J, A>>();
        let block = if size.get() == 0 {
            NonNull::dangling()
        } else {
            serve::allocate(backend, Layout::new::<Item<J, A>>(), gfp)?.cast()
        };
        Ok(WorkSlot { block, backend })
    }

    /// The block, no longer freed by the slot: it is about to hold the
    /// item (and the backend that frees it).
    fn into_block(self) -> NonNull<Item<J, A>> {
        let block = self.block;
        core::mem::forget(self);
        block
    }
}

impl WorkBox {
    /// Writes the item into its block.
    ///
    /// # Safety
    ///
    /// `block` is a fresh allocation from `backend` with the item's layout
    /// (or dangling for a zero-sized item), from [`WorkSlot::into_block`].
    unsafe fn new<J: Job + 'static, A: Backend + Send + 'static>(
        block: NonNull<Item<J, A>>,
        job: J,
        backend: A,
    ) -> WorkBox {
        // SAFETY: a fresh allocation with the item's layout, valid for one
        // write (the caller's contract).
        unsafe { block.as_ptr().write(Item { job, backend }) };
        // Unsizing coercion: the `dyn Job` metadata comes from the item.
        let job: NonNull<dyn Job> = block;
        WorkBox { job, release: release_item::<J, A> }
    }
}

impl<J, A: Backend> Drop for WorkSlot<'_, J, A> {
    fn drop(&mut self) {
        // SAFETY: the block was allocated from `backend` with the item's
        // layout (zero-sized ones never were) and holds no value to drop.
        unsafe { free_block(self.backend, self.block.cast(), Layout::new::<Item<J, A>>()) };
    }
}

impl WorkBox {
    fn run(mut self, cx: &mut MaySleep) {
        // SAFETY: the box owns a live job, and `self` is unique.
        unsafe { self.job.as_mut() }.run(cx);
    }

    fn name(&self) -> &'static str {
        // SAFETY: the box owns a live job.
        unsafe { self.job.as_ref() }.name()
    }
}

impl Drop for WorkBox {
    fn drop(&mut self) {
        // SAFETY: the box owns a live item of the types `release` was made
        // for, allocated as it expects, and does not use it again.
        unsafe { (self.release)(self.job.cast()) };
    }
}
