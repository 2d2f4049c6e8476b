//! [`CheckingAlloc`]: a debug global allocator that catches allocations
//! bypassing the tokens.
//!
//! The type system checks every request made *through* a token. Code can
//! still allocate behind its back: a `Vec::push`, a `format!`, a
//! `Box::new` inside an atomic section (a spinlock, an interrupt handler, a
//! `nowait_scope`) reach the global allocator, which in the kernel would be
//! a sleeping `GFP_KERNEL` allocation in atomic context. Installed as the
//! global allocator of a test binary or a debug build, `CheckingAlloc`
//! catches them at run time: any allocation made while the thread's atomic
//! depth ([`crate::atomic_depth`]) is raised, and not from inside a
//! token request, is a [`Violation`], recorded with its size, thread and a
//! backtrace that shows the site.
//!
//! The checker never recurses into itself: allocations it makes while
//! recording or printing a violation are not checked. Its backtraces
//! ([`Trace`]) are captured without std's backtrace lock (frame addresses
//! only, through the `backtrace` crate) and symbolised when printed, so an
//! allocation made while std holds that lock (a panic hook printing a
//! backtrace, code formatting its own `std::backtrace::Backtrace` inside
//! an atomic section) is recorded with its backtrace instead of waiting on
//! the lock forever.
//!
//! ```no_run
//! use alloc_ctx::checking::{CheckingAlloc, Policy};
//!
//! #[global_allocator]
//! static ALLOCATOR: CheckingAlloc = CheckingAlloc::with_policy(Policy::Report);
//!
//! use alloc_ctx::{flags::*, size::{KmallocMax, Size}};
//!
//! #[alloc_ctx::may_sleep(entry)]
//! fn main() {
//!     cx.nowait_scope(|nw| {
//!         let fine = nw.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(64).unwrap()); // a token request
//!         let stray = vec![1, 2, 3]; // reported, with a backtrace to this line
//!     });
//!     assert_eq!(alloc_ctx::checking::violation_count(), 1);
//! }
//! ```
//!
//! The fast path (outside atomic sections) is one thread-local read. The
//! allocator never unwinds and never recurses into itself: recording is done
//! under a per-thread reentrancy guard, allocations made while recording
//! are passed through unchecked, and thread-local state is read with
//! `try_with`, so allocations from thread-local destructors are served.
//!
//! The module exists with `std` in debug builds, and in release builds
//! whose final binary sets `--cfg alloc_ctx_checks` (`RUSTFLAGS`): it
//! needs the in-request mark the request path sets only then.
//!
//! Violations are process-wide: tests that inspect them should not run
//! atomic sections concurrently with other tests of the same binary.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::fmt;
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};

/// At most this many violations are kept in detail; all are counted.
pub const MAX_RECORDED: usize = 64;

/// What [`CheckingAlloc`] does with a violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Policy {
    /// Record it for [`take_violations`]; print nothing.
    Record = 0,
    /// Record it and print it with its backtrace on stderr.
    #[default]
    Report = 1,
    /// Print it with its backtrace on stderr and abort the process.
    Abort = 2,
}

impl Policy {
    const fn from_u8(value: u8) -> Policy {
        match value {
            0 => Policy::Record,
            1 => Policy::Report,
            _ => Policy::Abort,
        }
    }
}

/// A [`GlobalAlloc`] that forwards to `A` and reports allocations made
/// inside atomic sections that do not come from a token request.
///
/// See the [module documentation](self).
#[derive(Debug)]
pub struct CheckingAlloc<A = std::alloc::System> {
    inner: A,
    policy: AtomicU8,
}

impl CheckingAlloc {
    /// Checks the system allocator, reporting violations on stderr.
    pub const fn new() -> Self {
        CheckingAlloc::with_policy(Policy::Report)
    }

    /// Checks the system allocator with `policy`.
    pub const fn with_policy(policy: Policy) -> Self {
        CheckingAlloc::wrap(std::alloc::System, policy)
    }
}

impl Default for CheckingAlloc {
    fn default() -> Self {
        CheckingAlloc::new()
    }
}

impl<A> CheckingAlloc<A> {
    /// Checks `inner` with `policy`.
    pub const fn wrap(inner: A, policy: Policy) -> Self {
        CheckingAlloc { inner, policy: AtomicU8::new(policy as u8) }
    }

    /// The current policy.
    pub fn policy(&self) -> Policy {
        Policy::from_u8(self.policy.load(Ordering::Relaxed))
    }

    /// Changes the policy, e.g. to make a test binary abort on the first
    /// violation.
    ///
    /// ```
    /// use alloc_ctx::checking::{CheckingAlloc, Policy};
    /// static CHECKER: CheckingAlloc = CheckingAlloc::new();
    /// CHECKER.set_policy(Policy::Record);
    /// assert_eq!(CHECKER.policy(), Policy::Record);
    /// ```
    pub fn set_policy(&self, policy: Policy) {
        self.policy.store(policy as u8, Ordering::Relaxed);
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }

    #[inline(always)]
    fn check(&self, size: usize, align: usize, kind: AllocKind) {
        let depth = crate::context::state::atomic_depth();
        if depth != 0 {
            self.in_atomic_section(size, align, kind, depth);
        }
    }

    #[cold]
    #[inline(never)]
    fn in_atomic_section(&self, size: usize, align: usize, kind: AllocKind, depth: u32) {
        if crate::context::state::in_request() {
            return;
        }
        let Some(_checking) = Checking::enter() else {
            // Recording a violation allocates: those allocations are ours.
            return;
        };
        COUNT.fetch_add(1, Ordering::Relaxed);
        let policy = self.policy();
        // Never unwind out of the allocator.
        let _ = catch_unwind(AssertUnwindSafe(|| record(size, align, kind, depth, policy)));
        if policy == Policy::Abort {
            std::process::abort();
        }
    }
}

// SAFETY: every call is forwarded to `inner` with the caller's arguments;
// the check before it neither unwinds (`catch_unwind`) nor touches the
// memory, and allocations it makes go through this allocator guarded by the
// reentrancy flag, which forwards them unchecked.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CheckingAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.check(layout.size(), layout.align(), AllocKind::Alloc);
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.check(layout.size(), layout.align(), AllocKind::AllocZeroed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.check(new_size, layout.align(), AllocKind::Realloc);
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.realloc(ptr, layout, new_size) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Freeing is allowed in atomic context (`kfree()`).
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.dealloc(ptr, layout) }
    }
}

/// Which allocator entry point saw the violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocKind {
    /// `alloc`.
    Alloc,
    /// `alloc_zeroed`.
    AllocZeroed,
    /// `realloc` (a growing `Vec`, `String`, …); the size is the new size.
    Realloc,
}

/// An allocation made inside an atomic section that did not come from a
/// token request.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The size in bytes (the new size of a `realloc`).
    pub size: usize,
    /// The alignment.
    pub align: usize,
    /// The allocator entry point.
    pub kind: AllocKind,
    /// The thread's atomic depth at the time.
    pub atomic_depth: u32,
    /// The thread's name, if it has one.
    pub thread: Option<String>,
    /// Where the allocation was made (always captured, whatever
    /// `RUST_BACKTRACE` says).
    pub backtrace: Arc<Trace>,
}

/// Where a [`Violation`] was made: the call stack's frames, captured
/// without resolving symbols and without taking std's backtrace lock (held
/// while a `std::backtrace::Backtrace` is formatted, which allocates);
/// symbols are resolved when the trace is printed.
///
/// ```
/// let trace = alloc_ctx::checking::Trace::capture();
/// assert!(trace.frame_count() > 0);
/// let printed = trace.to_string(); // resolves the symbols
/// assert!(!printed.is_empty());
/// ```
#[derive(Clone)]
pub struct Trace {
    frames: backtrace::Backtrace,
}

impl Trace {
    /// The current thread's call stack, unresolved.
    pub fn capture() -> Trace {
        Trace { frames: backtrace::Backtrace::new_unresolved() }
    }

    /// How many frames were captured.
    pub fn frame_count(&self) -> usize {
        self.frames.frames().len()
    }
}

impl fmt::Display for Trace {
    /// Resolves the symbols (of a copy: printing does not change the
    /// trace) and prints one frame a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut resolved = self.frames.clone();
        resolved.resolve();
        fmt::Debug::fmt(&resolved, f)
    }
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trace").field("frames", &self.frame_count()).finish_non_exhaustive()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Symbolising the trace allocates: unchecked, so that printing a
        // violation inside an atomic section does not record another.
        unchecked(|| self.write(f))
    }
}

/// A violation is an error, so code that checks for them (a test, a
/// shutdown hook) can return it with `?`.
impl std::error::Error for Violation {}

impl Violation {
    fn write(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "alloc-ctx: BUG: allocation of {} bytes (align {}, {:?}) in an atomic section (depth {}) on thread '{}', \
             not through a token request; use the section's NoWait token (e.g. `ring.push(value, GFP_ATOMIC, cx)` with the section's `cx`) \
             or allocate before entering the section\n{}",
            self.size,
            self.align,
            self.kind,
            self.atomic_depth,
            self.thread.as_deref().unwrap_or("<unnamed>"),
            self.backtrace
        )
    }
}

static COUNT: AtomicUsize = AtomicUsize::new(0);
static RECORDED: Mutex<Vec<Violation>> = Mutex::new(Vec::new());

std::thread_local! {
    /// Set while this thread records a violation or reads the record.
    static CHECKING: Cell<bool> = const { Cell::new(false) };
}

/// The reentrancy guard: `None` if this thread is already checking (or its
/// thread-local state is gone).
struct Checking;

impl Checking {
    fn enter() -> Option<Checking> {
        match CHECKING.try_with(|flag| flag.replace(true)) {
            Ok(false) => Some(Checking),
            _ => None,
        }
    }
}

impl Drop for Checking {
    fn drop(&mut self) {
        let _ = CHECKING.try_with(|flag| flag.set(false));
    }
}

fn record(size: usize, align: usize, kind: AllocKind, atomic_depth: u32, policy: Policy) {
    let violation = Violation {
        size,
        align,
        kind,
        atomic_depth,
        thread: std::thread::current().name().map(String::from),
        // Frames only, without std's backtrace lock: the thread may hold it
        // (a panic hook printing a backtrace, code formatting its own
        // `std::backtrace::Backtrace`), and taking it again would hang.
        backtrace: Arc::new(Trace::capture()),
    };
    if policy != Policy::Record {
        std::eprintln!("{violation}");
    }
    if policy != Policy::Abort {
        let mut recorded = RECORDED.lock().unwrap_or_else(PoisonError::into_inner);
        if recorded.len() < MAX_RECORDED {
            recorded.push(violation);
        }
    }
}

/// Runs `f` with the reentrancy guard set, so that allocations it makes
/// while holding the record's lock are not checked (which would deadlock).
fn unchecked<R>(f: impl FnOnce() -> R) -> R {
    let _checking = Checking::enter();
    f()
}

/// Violations since the last [`take_violations`] (or the start), including
/// those beyond [`MAX_RECORDED`].
pub fn violation_count() -> usize {
    COUNT.load(Ordering::Relaxed)
}

/// A copy of the recorded violations (at most [`MAX_RECORDED`]).
pub fn violations() -> Vec<Violation> {
    unchecked(|| RECORDED.lock().unwrap_or_else(PoisonError::into_inner).clone())
}

/// Takes the recorded violations and resets the record and the count.
///
/// ```
/// let _ = alloc_ctx::checking::take_violations();
/// assert_eq!(alloc_ctx::checking::violation_count(), 0);
/// ```
pub fn take_violations() -> Vec<Violation> {
    unchecked(|| {
        let mut recorded = RECORDED.lock().unwrap_or_else(PoisonError::into_inner);
        COUNT.store(0, Ordering::Relaxed);
        core::mem::take(&mut *recorded)
    })
}
