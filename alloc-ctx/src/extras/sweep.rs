//! Failure sweeps: run a scenario once per allocation point, with that
//! point failing, and check that nothing panics or leaks.
//!
//! [`sweep`] runs the scenario once with a counting [`SweepBackend`] to find
//! its allocation points (backend calls), then once per point `N` with the
//! `N`th call failing. After every run it checks that the scenario did not
//! panic and that every byte it allocated was freed, and it returns a
//! [`SweepReport`] with the counts; any problem makes it panic with a list of
//! the failing points (use [`try_sweep`] to inspect them instead).
//!
//! An injected failure fails the whole request, sleeping or not: the request
//! path skips reclaim and retries, as the kernel's `failslab` fails a
//! `kmalloc()` before the page allocator's retry loop. `GFP_KERNEL`
//! requests therefore return their error like `GFP_ATOMIC` ones, which is
//! what a driver's error paths must survive. `__GFP_NOFAIL` requests are
//! points too, but they retry and succeed, as they promise.
//!
//! # Sweeping your own driver code
//!
//! Make the code under test take its backend as a parameter (generic over
//! [`Backend`], [`System`] by default in production) and run it with the
//! `&SweepBackend` the sweep hands to the scenario:
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::backend::Backend;
//! use alloc_ctx::sweep::{SweepBackend, sweep};
//! use alloc_ctx::{AllocError, KBox, KVec, MaySleep, flags::*};
//!
//! struct Device<A: Backend> {
//!     config: KBox<[u32; 16], A>,
//!     queues: KVec<u64, A>,
//! }
//!
//! // Production code calls `probe(System, cx, 8)`.
//! fn probe<A: Backend + Copy>(backend: A, cx: &mut MaySleep, queues: usize) -> Result<Device<A>, AllocError> {
//!     let config = KBox::new_in([0; 16], backend, GFP_KERNEL, cx)?;
//!     let mut ring = KVec::new_in(backend);
//!     for queue in 0..queues as u64 {
//!         ring.push(queue, GFP_KERNEL, cx)?; // every growth is a point
//!     }
//!     Ok(Device { config, queues: ring })
//! }
//!
//! # alloc_ctx::report::set_failure_hook(|_| {});
//! let report = sweep(|backend: &SweepBackend| {
//!     probe(backend, cx, 8).map(drop)
//! });
//! // One box and two growths of the ring (to 4, then 8 entries), each
//! // failed once; every failure came back as an `Err` and nothing leaked.
//! assert_eq!((report.points, report.runs, report.failures_handled), (3, 4, 3));
//! assert_eq!(report.errors_returned, 3);
//! println!("{report}");
//! # }
//! ```
//!
//! The scenario should be deterministic: the same allocations in the same
//! order on every run (several threads are fine if their order is fixed).
//! A point that a run never reaches is counted in
//! [`not_reached`](SweepReport::not_reached).
//!
//! To debug one point, run the scenario directly with
//! [`SweepBackend::failing_at`].

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::fmt;
use core::panic::Location;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};

use crate::request::backend::{Backend, Request, System};

/// The backend of a sweep run: the [`System`] allocator, with every call
/// counted, every live block recorded, and optionally one call failing.
///
/// Thread-safe: a scenario may share it with scoped threads.
///
/// ```
/// use alloc_ctx::sweep::SweepBackend;
/// use alloc_ctx::{KBox, NoWait, flags::*};
///
/// let backend = SweepBackend::failing_at(2);
/// NoWait::enter(|nw| {
///     let first = KBox::new_in(1u64, &backend, GFP_ATOMIC, nw);
///     let second = KBox::new_in(2u64, &backend, GFP_ATOMIC | __GFP_NOWARN, nw);
///     assert!(first.is_ok() && second.is_err());
///     assert_eq!(backend.live_bytes(), 8);
/// });
/// assert_eq!((backend.calls(), backend.failed(), backend.live_bytes()), (2, true, 0));
/// ```
#[derive(Debug)]
pub struct SweepBackend {
    fail_at: Option<usize>,
    calls: AtomicUsize,
    failed: AtomicBool,
    /// Where the failed request was made.
    failed_site: Mutex<Option<&'static Location<'static>>>,
    /// Live blocks by address.
    blocks: Mutex<BTreeMap<usize, Block>>,
}

#[derive(Debug)]
struct Block {
    /// Only read through `Debug`: it keeps a quarantined block reachable.
    #[allow(dead_code)]
    ptr: NonNull<u8>,
    layout: Layout,
    call: usize,
    site: &'static Location<'static>,
}

// SAFETY: a `Block` is the record of an allocation, not access to it; the
// pointer is only passed back to the global allocator or quarantined.
unsafe impl Send for Block {}

/// Blocks leaked by sweep runs. They are not freed, as something may still
/// point to them, but kept reachable so that leak checkers (Miri,
/// LeakSanitizer) report the sweep's finding and not a second leak.
static QUARANTINE: Mutex<Vec<Block>> = Mutex::new(Vec::new());

/// A block that was still allocated when a sweep run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeakedBlock {
    /// Its size in bytes.
    pub size: usize,
    /// Its alignment.
    pub align: usize,
    /// The backend call (counted from 1) that allocated it.
    pub call: usize,
    /// Where the request that allocated it was made.
    pub site: &'static Location<'static>,
}

impl SweepBackend {
    /// A backend that fails nothing: the counting run.
    pub const fn counting() -> Self {
        SweepBackend::with_failure(None)
    }

    /// A backend whose `point`th call (counted from 1) fails, together with
    /// the request that made it (see the [module documentation](self)).
    pub const fn failing_at(point: usize) -> Self {
        SweepBackend::with_failure(Some(point))
    }

    const fn with_failure(fail_at: Option<usize>) -> Self {
        SweepBackend {
            fail_at,
            calls: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
            failed_site: Mutex::new(None),
            blocks: Mutex::new(BTreeMap::new()),
        }
    }

    /// Calls so far (allocate and reallocate): the allocation points.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Acquire)
    }

    /// Whether the failing point was reached (and failed).
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Bytes currently allocated.
    pub fn live_bytes(&self) -> usize {
        self.lock().values().map(|block| block.layout.size()).sum()
    }

    /// The blocks currently allocated, oldest call first.
    pub fn live_blocks(&self) -> Vec<LeakedBlock> {
        let mut blocks: Vec<LeakedBlock> = self
            .lock()
            .values()
            .map(|block| LeakedBlock {
                size: block.layout.size(),
                align: block.layout.align(),
                call: block.call,
                site: block.site,
            })
            .collect();
        blocks.sort_by_key(|block| block.call);
        blocks
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, Block>> {
        // Every update of the map is a single insert or remove.
        self.blocks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the request that this backend failed was made, once it has.
    pub fn failed_site(&self) -> Option<&'static Location<'static>> {
        *self.failed_site.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Fails `request` as an injected fault, remembering where it was made.
    fn fail(&self, request: &Request) {
        *self.failed_site.lock().unwrap_or_else(PoisonError::into_inner) = Some(request.location());
        request.fail_as_injected();
    }

    /// Counts a call; `true` if it is the one to fail.
    fn next_call_fails(&self) -> (usize, bool) {
        let call = self.calls.fetch_add(1, Ordering::AcqRel) + 1;
        if self.fail_at == Some(call) {
            self.failed.store(true, Ordering::Release);
            return (call, true);
        }
        (call, false)
    }
}

impl Default for SweepBackend {
    fn default() -> Self {
        SweepBackend::counting()
    }
}

// SAFETY: every block comes from `System`, which upholds the contract; the
// wrapper only records blocks and refuses one call. Blocks still live when
// the backend is dropped are never freed (see `Drop`).
unsafe impl Backend for SweepBackend {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        let (call, fail) = self.next_call_fails();
        if fail {
            self.fail(request);
            return None;
        }
        let ptr = System.allocate(request)?;
        self.lock()
            .insert(ptr.as_ptr().addr(), Block { ptr, layout: request.layout(), call, site: request.location() });
        Some(ptr)
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        let block = self.lock().remove(&ptr.as_ptr().addr());
        // Refusing a block this backend does not hold (a double free, or a
        // block of another backend) keeps the bug from corrupting the heap.
        assert!(
            block.is_some_and(|block| block.layout == layout),
            "SweepBackend: free of a block it does not hold (double free, wrong layout or wrong backend)"
        );
        // SAFETY: the block was allocated by `System` with `layout` (checked
        // above) and the caller does not use it again.
        unsafe { System.free(ptr, layout) }
    }

    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        let (call, fail) = self.next_call_fails();
        if fail {
            self.fail(request);
            return None;
        }
        let mut blocks = self.lock();
        assert!(
            blocks.get(&ptr.as_ptr().addr()).is_some_and(|block| block.layout == old),
            "SweepBackend: reallocation of a block it does not hold"
        );
        // SAFETY: the block was allocated by `System` with `old` (checked
        // above); the caller guarantees the alignments match.
        let fresh = unsafe { System.reallocate(ptr, old, request) }?;
        blocks.remove(&ptr.as_ptr().addr());
        blocks.insert(
            fresh.as_ptr().addr(),
            Block { ptr: fresh, layout: request.layout(), call, site: request.location() },
        );
        Some(fresh)
    }
}

impl Drop for SweepBackend {
    fn drop(&mut self) {
        let blocks = core::mem::take(self.blocks.get_mut().unwrap_or_else(PoisonError::into_inner));
        if !blocks.is_empty() {
            QUARANTINE.lock().unwrap_or_else(PoisonError::into_inner).extend(blocks.into_values());
        }
    }
}

/// What a scenario returns: `()` or a `Result`, whose `Err` the report
/// counts in [`errors_returned`](SweepReport::errors_returned).
pub trait ScenarioOutcome {
    /// Whether the scenario reported an error (an allocation failure it
    /// handled by giving up cleanly).
    fn is_error(&self) -> bool;
}

impl ScenarioOutcome for () {
    fn is_error(&self) -> bool {
        false
    }
}

impl<T, E> ScenarioOutcome for Result<T, E> {
    fn is_error(&self) -> bool {
        self.is_err()
    }
}

/// Something a sweep run did wrong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SweepProblem {
    /// The scenario panicked.
    Panicked {
        /// The failing point, or `None` for the counting run.
        point: Option<usize>,
        /// Where the failed request was made.
        site: Option<&'static Location<'static>>,
        /// The panic message.
        message: String,
    },
    /// Bytes were still allocated after the scenario returned.
    Leaked {
        /// The failing point, or `None` for the counting run.
        point: Option<usize>,
        /// Where the failed request was made.
        site: Option<&'static Location<'static>>,
        /// The bytes leaked.
        bytes: usize,
        /// The leaked blocks, oldest first.
        blocks: Vec<LeakedBlock>,
    },
    /// The counting run, in which nothing fails, returned an error: the
    /// points counted are those of an error path.
    CountingRunFailed,
}

impl SweepProblem {
    /// The failing point of the run, `None` for the counting run.
    pub fn point(&self) -> Option<usize> {
        match self {
            SweepProblem::Panicked { point, .. } | SweepProblem::Leaked { point, .. } => *point,
            SweepProblem::CountingRunFailed => None,
        }
    }
}

struct Run(Option<usize>, Option<&'static Location<'static>>);

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (Some(point), Some(site)) => write!(f, "with point {point} (the request at {site}) failing"),
            (Some(point), None) => write!(f, "with point {point} failing"),
            (None, _) => f.write_str("in the counting run"),
        }
    }
}

impl fmt::Display for SweepProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepProblem::Panicked { point, site, message } => {
                write!(f, "panicked {}: {message}", Run(*point, *site))
            }
            SweepProblem::Leaked { point, site, bytes, blocks } => {
                write!(f, "leaked {bytes} bytes {} in {} blocks:", Run(*point, *site), blocks.len())?;
                for block in blocks {
                    write!(
                        f,
                        " {} bytes (align {}) from call {} at {};",
                        block.size, block.align, block.call, block.site
                    )?;
                }
                Ok(())
            }
            SweepProblem::CountingRunFailed => f.write_str("the counting run, where nothing fails, returned an error"),
        }
    }
}

/// A problem is an error, so a test can return it or wrap it.
///
/// ```
/// use alloc_ctx::sweep::SweepProblem;
/// let error: Box<dyn std::error::Error> = Box::new(SweepProblem::CountingRunFailed);
/// assert_eq!(error.to_string(), "the counting run, where nothing fails, returned an error");
/// ```
impl std::error::Error for SweepProblem {}

/// The outcome of a sweep.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SweepReport {
    /// Allocation points (backend calls) of the counting run.
    pub points: usize,
    /// Scenario runs: the counting run and one per point.
    pub runs: usize,
    /// Runs whose injected failure happened and that ended without a panic
    /// or a leak.
    pub failures_handled: usize,
    /// Runs with an injected failure whose scenario returned an error.
    pub errors_returned: usize,
    /// Runs that never reached their failing point (the scenario is not
    /// deterministic, or an earlier failure changed its path).
    pub not_reached: usize,
    /// What went wrong, by run; empty when the sweep passed.
    pub problems: Vec<SweepProblem>,
}

impl SweepReport {
    /// Whether no run panicked or leaked.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failure sweep: {} allocation points, {} runs, {} failures handled ({} returned an error), {} points not reached",
            self.points, self.runs, self.failures_handled, self.errors_returned, self.not_reached
        )?;
        if !self.problems.is_empty() {
            write!(f, "; {} problems:", self.problems.len())?;
            for problem in &self.problems {
                write!(f, "\n  - {problem}")?;
            }
        }
        Ok(())
    }
}

/// A sweep found problems; the report lists them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{report}")]
pub struct SweepError {
    /// The full report.
    pub report: SweepReport,
}

/// Runs `scenario` once per allocation point with that point failing, and
/// panics if any run panicked or leaked; returns the counts.
///
/// See the [module documentation](self) for an example and the semantics.
///
/// # Panics
///
/// When a run panicked or leaked, with the list of failing points.
#[track_caller]
pub fn sweep<R, S>(scenario: S) -> SweepReport
where
    R: ScenarioOutcome,
    S: FnMut(&SweepBackend) -> R,
{
    match try_sweep(scenario) {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    }
}

/// As [`sweep`], returning the problems instead of panicking.
///
/// Panics of the scenario are caught (their message is still printed by the
/// panic hook); the scenario's captured state is used again after a panic,
/// so it should not rely on invariants a panic could break.
///
/// ```
/// use alloc_ctx::sweep::{SweepBackend, SweepProblem, try_sweep};
/// use alloc_ctx::{KBox, NoWait, flags::*};
///
/// # alloc_ctx::report::set_failure_hook(|_| {});
/// let error = try_sweep(|backend: &SweepBackend| {
///     NoWait::enter(|nw| {
///         let header = KBox::new_in([0u8; 32], backend, GFP_ATOMIC, nw)?;
///         if KBox::new_in([0u8; 64], backend, GFP_ATOMIC, nw).is_err() {
///             core::mem::forget(header); // the bug
///         }
///         Ok::<_, alloc_ctx::AllocError>(())
///     })
/// })
/// .unwrap_err();
/// assert_eq!(error.report.problems.len(), 1);
/// assert!(matches!(error.report.problems[0], SweepProblem::Leaked { point: Some(2), bytes: 32, .. }));
/// ```
pub fn try_sweep<R, S>(mut scenario: S) -> Result<SweepReport, SweepError>
where
    R: ScenarioOutcome,
    S: FnMut(&SweepBackend) -> R,
{
    try_sweep_shared(|backend: &Arc<SweepBackend>| scenario(backend))
}

/// As [`sweep`], for scenarios that need a `'static` backend: the scenario
/// gets an `Arc<SweepBackend>` (itself a [`Backend`]) to clone into
/// shrinkers, work items or threads. Every clone must be dropped by the
/// time the scenario returns (join the threads, shut the workqueues down),
/// or its blocks count as leaked.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use std::sync::Arc;
/// use alloc_ctx::sweep::{SweepBackend, sweep_shared};
/// use alloc_ctx::{KBox, flags::*, thread};
///
/// # alloc_ctx::report::set_failure_hook(|_| {});
/// let report = sweep_shared(|backend: &Arc<SweepBackend>| {
///     let backend = Arc::clone(backend);
///     thread::spawn(cx, move |cx| KBox::new_in(7u32, backend, GFP_KERNEL, cx).map(drop))
///         .join(cx)
///         .unwrap()
/// });
/// assert_eq!((report.points, report.failures_handled), (1, 1));
/// # }
/// ```
///
/// # Panics
///
/// When a run panicked or leaked, with the list of failing points.
#[track_caller]
pub fn sweep_shared<R, S>(scenario: S) -> SweepReport
where
    R: ScenarioOutcome,
    S: FnMut(&Arc<SweepBackend>) -> R,
{
    match try_sweep_shared(scenario) {
        Ok(report) => report,
        Err(error) => panic!("{error}"),
    }
}

/// As [`sweep_shared`], returning the problems instead of panicking.
pub fn try_sweep_shared<R, S>(mut scenario: S) -> Result<SweepReport, SweepError>
where
    R: ScenarioOutcome,
    S: FnMut(&Arc<SweepBackend>) -> R,
{
    let mut report = SweepReport::default();
    let counting = Arc::new(SweepBackend::counting());
    let outcome = run(&mut scenario, &counting, None, &mut report);
    report.points = counting.calls();
    if outcome == Some(true) {
        report.problems.push(SweepProblem::CountingRunFailed);
    }
    drop(counting);
    for point in 1..=report.points {
        let backend = Arc::new(SweepBackend::failing_at(point));
        let problems_before = report.problems.len();
        let outcome = run(&mut scenario, &backend, Some(point), &mut report);
        if !backend.failed() {
            report.not_reached += 1;
            continue;
        }
        report.errors_returned += usize::from(outcome == Some(true));
        report.failures_handled += usize::from(report.problems.len() == problems_before);
    }
    if report.passed() { Ok(report) } else { Err(SweepError { report }) }
}

/// One run: `Some(is_error)` if the scenario returned, `None` if it
/// panicked. Problems are added to `report`.
fn run<R, S>(
    scenario: &mut S,
    backend: &Arc<SweepBackend>,
    point: Option<usize>,
    report: &mut SweepReport,
) -> Option<bool>
where
    R: ScenarioOutcome,
    S: FnMut(&Arc<SweepBackend>) -> R,
{
    report.runs += 1;
    let outcome = catch_unwind(AssertUnwindSafe(|| scenario(backend).is_error()));
    let outcome = match outcome {
        Ok(is_error) => Some(is_error),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(alloc::string::ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(a panic payload that is not a string)".to_string());
            // Its `Drop` may panic too: that must not end the sweep.
            crate::extras::drop_panic_payload(payload);
            report.problems.push(SweepProblem::Panicked { point, site: backend.failed_site(), message });
            None
        }
    };
    let leaked = backend.live_blocks();
    if !leaked.is_empty() {
        let bytes = leaked.iter().map(|block| block.size).sum();
        report.problems.push(SweepProblem::Leaked { point, site: backend.failed_site(), bytes, blocks: leaked });
    }
    outcome
}
