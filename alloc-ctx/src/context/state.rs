//! The run-time context state: atomic depth, scope mask and the simulated
//! local-interrupt flag ([`crate::irq`]).
//!
//! The type system carries the rules; this state backs them where types
//! cannot see: at the entry points that create the first token (a
//! `MaySleep` created inside an atomic section panics, like the kernel's
//! `might_sleep()`), at every request that may sleep when [`CHECKS`] are
//! on (a sleep token captured into a token-less section, a leaked lock
//! guard, an `unsafe`-assumed token), and for every request and the reclaim path,
//! which serve flags with the NOFS/NOIO mask of the *current* section: the
//! mask is thread state, not part of the token's type (the kernel's
//! `current_gfp_context()`).
//!
//! Under `std` the state is thread-local. Without `std` it is one global per
//! program, which is right for single-core firmware; kernel or RTOS glue with
//! several CPUs should instead create tokens from its own per-CPU state
//! (`preempt_count()`) through the `unsafe` `assume` constructors.
//!
//! Every change is made through a guard whose `Drop` restores the previous
//! value, so the state stays balanced when a section unwinds.

use crate::vocab::gfp::{Gfp, bits};

/// Whether the request path checks its context at run time: in debug
/// builds of this crate, and in release builds whose final binary sets
/// `--cfg alloc_ctx_checks` (in `RUSTFLAGS`). A build-level cfg rather
/// than a Cargo feature, because features are additive: any dependency
/// could turn a feature on for the whole build, while the checks are the
/// final binary's choice (the kernel's `CONFIG_DEBUG_ATOMIC_SLEEP`).
/// Off, a sleeping request does not read the atomic depth and a
/// non-blocking one sets no in-request mark: the request path is the
/// backend call and nothing else.
pub(crate) const CHECKS: bool = cfg!(any(debug_assertions, alloc_ctx_checks));

/// The fields of the thread's context state, each a `u32`.
mod field {
    /// Open atomic sections (spinlocks, handlers, nowait scopes).
    pub(crate) const ATOMIC_DEPTH: usize = 0;
    /// The NOFS/NOIO bits the current section clears from requests.
    pub(crate) const SCOPE_MASK: usize = 1;
    /// Open interrupt-disabling sections (irq-save locks, handlers).
    pub(crate) const IRQ_DISABLE_DEPTH: usize = 2;
    /// `#[nowait]` functions on the stack (debug builds).
    pub(crate) const NOWAIT_MARKS: usize = 3;
    /// 1 inside a non-blocking token request (for the checking allocator,
    /// which exists with `std` and [`CHECKS`](super::CHECKS) on).
    pub(crate) const IN_REQUEST: usize = 4;
    /// Interrupt handlers running on this thread's stack (`irq::raise`, an
    /// `irq::Line`): hard interrupt context, for the lock checks.
    pub(crate) const HARDIRQ_DEPTH: usize = 5;
    /// How many there are.
    pub(crate) const COUNT: usize = 6;
}
pub(crate) use field::{ATOMIC_DEPTH, HARDIRQ_DEPTH, IN_REQUEST, IRQ_DISABLE_DEPTH, NOWAIT_MARKS, SCOPE_MASK};

/// With `std`: one thread-local holding every field, so that code reading
/// or changing several of them computes the thread-local's address once
/// (one `__tls_get_addr` in a shared library, not one per field). A thread
/// is a CPU here.
#[cfg(all(feature = "std", not(feature = "per-core")))]
mod storage {
    use core::cell::Cell;

    use super::field::COUNT;

    std::thread_local! {
        static STATE: Cell<[u32; COUNT]> = const { Cell::new([0; COUNT]) };
    }

    // `try_with`: the checking global allocator reads the state on every
    // allocation, including those made by TLS destructors, and a lock may
    // be taken from one; the state then reads as all zero.
    #[inline(always)]
    pub(super) fn get(field: usize) -> u32 {
        STATE.try_with(|state| state.get()[field]).unwrap_or(0)
    }
    #[inline(always)]
    pub(super) fn set(field: usize, value: u32) {
        let _ = STATE.try_with(|state| {
            let mut fields = state.get();
            fields[field] = value;
            state.set(fields);
        });
    }
    #[inline]
    pub(super) fn all() -> [u32; COUNT] {
        STATE.try_with(Cell::get).unwrap_or([0; COUNT])
    }
    #[inline]
    pub(super) fn set_all(fields: [u32; COUNT]) {
        let _ = STATE.try_with(|state| state.set(fields));
    }
}

/// Without `std` (or with `per-core`): one set of fields per core, the
/// kernel's per-CPU `preempt_count()`. The core is
/// [`crate::percpu::core_id`] (always 0 without the `per-core` feature:
/// one global set, right for single-core firmware). Loads and stores only
/// (no read-modify-write), so this builds on targets without
/// compare-and-swap: each core changes only its own fields, and an
/// interrupt on that core restores what it changed before it returns.
#[cfg(any(not(feature = "std"), feature = "per-core"))]
mod storage {
    use core::sync::atomic::{AtomicU32, Ordering};

    use super::field::COUNT;
    use crate::context::percpu::{MAX_CORES, core_id};

    static STATE: [[AtomicU32; COUNT]; MAX_CORES] = [const { [const { AtomicU32::new(0) }; COUNT] }; MAX_CORES];

    #[inline(always)]
    fn fields() -> &'static [AtomicU32; COUNT] {
        &STATE[core_id()]
    }
    #[inline(always)]
    pub(super) fn get(field: usize) -> u32 {
        fields()[field].load(Ordering::Relaxed)
    }
    #[inline(always)]
    pub(super) fn set(field: usize, value: u32) {
        fields()[field].store(value, Ordering::Relaxed);
    }
    #[cfg(feature = "std")]
    #[inline]
    pub(super) fn all() -> [u32; COUNT] {
        let fields = fields();
        core::array::from_fn(|field| fields[field].load(Ordering::Relaxed))
    }
    #[cfg(feature = "std")]
    #[inline]
    pub(super) fn set_all(values: [u32; COUNT]) {
        for (field, value) in fields().iter().zip(values) {
            field.store(value, Ordering::Relaxed);
        }
    }
}

/// Raises a counting field (`ATOMIC_DEPTH`, `IRQ_DISABLE_DEPTH`,
/// `NOWAIT_MARKS`) by one until dropped. Named by the macros' expansion
/// through `alloc_ctx::__private` (not public API).
///
/// A count rather than a saved value, so that guards may end in any order
/// (two spinlock guards dropped in the order they were taken); saturating,
/// so a count reset by the workqueue under a leaked guard stays at zero.
#[must_use = "the section ends when the guard is dropped"]
pub(crate) struct Raised<const FIELD: usize> {
    // The count belongs to this thread.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<const FIELD: usize> Raised<FIELD> {
    /// Raises the count.
    #[inline(always)]
    pub(crate) fn enter() -> Raised<FIELD> {
        storage::set(FIELD, raised(storage::get(FIELD), FIELD));
        Raised { _not_send: core::marker::PhantomData }
    }
}

/// `count + 1`, or a panic (release builds too) rather than a silent wrap
/// to 0, which would turn every section on the thread into "may sleep".
/// Nothing is raised when it panics, so the state stays balanced.
#[inline(always)]
#[track_caller]
pub(crate) fn raised(count: u32, field: usize) -> u32 {
    match count.checked_add(1) {
        Some(count) => count,
        None => count_overflow(field),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn count_overflow(field: usize) -> ! {
    let what = match field {
        ATOMIC_DEPTH => "atomic depth",
        IRQ_DISABLE_DEPTH => "interrupt-disable depth",
        _ => "#[nowait] mark count",
    };
    panic!(
        "BUG: the {what} of this thread would pass u32::MAX: a section is entered in a loop \
         and its guard leaked (`mem::forget`); the section was not entered"
    );
}

impl<const FIELD: usize> Drop for Raised<FIELD> {
    #[inline(always)]
    fn drop(&mut self) {
        storage::set(FIELD, storage::get(FIELD).saturating_sub(1));
    }
}

/// Sets a field ([`SCOPE_MASK`], [`IN_REQUEST`]) until dropped, then
/// restores its previous value: nested scopes combine, and unwinding
/// restores them in order.
#[must_use = "the scope ends when the guard is dropped"]
pub(crate) struct Set<const FIELD: usize> {
    previous: u32,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<const FIELD: usize> Set<FIELD> {
    /// Sets the field to `value`.
    #[inline(always)]
    pub(crate) fn enter(value: u32) -> Set<FIELD> {
        let previous = storage::get(FIELD);
        storage::set(FIELD, value);
        Set { previous, _not_send: core::marker::PhantomData }
    }
}

impl<const FIELD: usize> Drop for Set<FIELD> {
    #[inline(always)]
    fn drop(&mut self) {
        storage::set(FIELD, self.previous);
    }
}

/// An atomic section: raises the atomic depth until dropped.
pub(crate) type AtomicSection = Raised<ATOMIC_DEPTH>;

/// Marks the thread as running a `#[nowait]` function until dropped, so
/// that [`might_sleep`] fires inside it even when its caller could sleep.
/// Emitted by `#[nowait]` in every function; it marks only in debug builds
/// of alloc-ctx and is nothing otherwise, so the expansion needs no
/// `#[cfg]` of its own (a statement attribute that every `cargo check`
/// would pay for). Not with `--cfg alloc_ctx_checks` alone: reading the
/// mark would add a second thread-local read to every sleeping request of
/// a release build with checks on.
#[doc(hidden)]
#[must_use = "the mark ends when the guard is dropped"]
pub struct NoWaitMark {
    _raised: Option<Raised<NOWAIT_MARKS>>,
}

impl NoWaitMark {
    /// Marks the thread, in debug builds.
    #[inline(always)]
    pub fn enter() -> NoWaitMark {
        NoWaitMark { _raised: if cfg!(debug_assertions) { Some(Raised::enter()) } else { None } }
    }
}

/// Marks the thread as inside a token request until dropped, so that the
/// checking global allocator (`crate::checking`) lets the backend's own
/// allocations (and the failure report's) through. That allocator only
/// judges allocations made inside atomic sections, so requests that may
/// sleep, which have just been checked to be outside any, are not marked
/// (their flags are constants, so the test folds away); non-blocking
/// requests are (reading the depth first would cost as much as the mark).
/// Nested requests stay marked. Nothing where there is no checking
/// allocator: without `std`, or with [`CHECKS`] off.
#[inline(always)]
pub(crate) fn enter_request(gfp: Gfp) -> Option<Set<IN_REQUEST>> {
    if cfg!(all(feature = "std", any(debug_assertions, alloc_ctx_checks))) && !gfp.may_sleep() {
        Some(Set::enter(1))
    } else {
        None
    }
}

/// Whether the current thread is inside a non-blocking token request
/// (false during thread teardown, when the state is gone).
#[cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))]
#[inline(always)]
pub(crate) fn in_request() -> bool {
    storage::get(IN_REQUEST) != 0
}

/// Adds NOFS/NOIO bits to the scope mask until dropped.
#[inline]
pub(crate) fn mask_scope(clear: u32) -> Set<SCOPE_MASK> {
    Set::enter(storage::get(SCOPE_MASK) | clear)
}

/// How many atomic sections (spinlocks, interrupt handlers, nowait scopes)
/// are open on this thread: the part of the kernel's `preempt_count()` that
/// `in_atomic()` tests.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, atomic_depth};
/// assert_eq!(atomic_depth(), 0);
/// cx.nowait_scope(|_| assert_eq!(atomic_depth(), 1));
/// # }
/// ```
#[inline]
pub fn atomic_depth() -> u32 {
    storage::get(ATOMIC_DEPTH)
}

/// Whether the current thread is inside an atomic section.
#[inline]
pub fn in_atomic() -> bool {
    atomic_depth() != 0
}

/// Whether the current thread may block: not in an atomic section, not
/// in a `#[nowait]` function (marked in debug builds), interrupts enabled.
/// What a free that may sleep (`vfree`) asks before it does
/// ([`Free`](crate::backend::Free)).
#[inline]
pub(crate) fn may_block() -> bool {
    atomic_depth() == 0 && storage::get(NOWAIT_MARKS) == 0 && !irqs_disabled()
}

/// Panics if the current thread may not sleep: the kernel's `might_sleep()`.
///
/// Called by every entry point that creates a [`MaySleep`](crate::MaySleep)
/// token, by every request that may sleep (in debug builds, and in release
/// builds built with `--cfg alloc_ctx_checks`, as the kernel's
/// `might_alloc()` with `CONFIG_DEBUG_ATOMIC_SLEEP`), by `Mutex::lock` and the other blocking
/// operations, and available for code that is about to block by other
/// means. It fires inside an atomic section (a spinlock, an interrupt
/// handler, a nowait scope) and, in debug builds, inside a `#[nowait]`
/// function: the cases a token captured or assumed past the type system
/// can reach.
///
/// ```
/// alloc_ctx::might_sleep(); // fine: not inside an atomic section
/// ```
#[track_caller]
#[inline(always)]
pub fn might_sleep() {
    let depth = atomic_depth();
    if depth != 0 {
        sleeping_in_atomic(depth);
    }
    if cfg!(debug_assertions) {
        let marks = storage::get(NOWAIT_MARKS);
        if marks != 0 {
            sleeping_in_nowait_function(marks);
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn sleeping_in_atomic(depth: u32) -> ! {
    let location = core::panic::Location::caller();
    panic!(
        "BUG: sleeping function called from invalid context at {location}\n\
         in_atomic(): 1, atomic depth: {depth}\n\
         a sleep was requested while this thread is inside an atomic section \
         (spinlock, interrupt handler or nowait scope); use the section's \
         NoWait token with GFP_ATOMIC or GFP_NOWAIT instead, or move this call \
         out of the section"
    );
}

#[cold]
#[inline(never)]
#[track_caller]
fn sleeping_in_nowait_function(marks: u32) -> ! {
    let location = core::panic::Location::caller();
    panic!(
        "BUG: sleeping function called from a #[nowait] function at {location}\n\
         #[nowait] functions on the stack: {marks}\n\
         a #[nowait] function must be callable from atomic context, so nothing \
         it calls may sleep; make this call from a #[may_sleep] caller, or \
         defer it to a workqueue"
    );
}

/// Whether an interrupt handler is running on this thread (hard interrupt
/// context: the kernel's `in_hardirq()`).
#[inline]
#[cfg(all(debug_assertions, feature = "std"))] // for the lock checks
pub(crate) fn in_hardirq() -> bool {
    storage::get(HARDIRQ_DEPTH) != 0
}

/// The NOFS/NOIO bits the current section clears from every request.
#[inline]
pub(crate) fn scope_mask() -> u32 {
    storage::get(SCOPE_MASK)
}

/// Whether local interrupts are disabled on this thread (see
/// [`crate::irq::irqs_disabled`], which documents it).
#[inline]
pub(crate) fn irqs_disabled() -> bool {
    storage::get(IRQ_DISABLE_DEPTH) != 0
}

/// How many interrupt-disabling sections (irq-save locks, handlers) are
/// open on this thread. A count, not a saved flag, so that sections may end
/// in any order (two irq-save guards dropped out of order, hand-over-hand
/// locking): interrupts are enabled again only when the last one ends.
#[inline]
pub(crate) fn irq_disable_depth() -> u32 {
    storage::get(IRQ_DISABLE_DEPTH)
}

/// Sets the count [`irq_disable_depth`] reads; only `irq::IrqSave` changes it.
#[inline]
pub(crate) fn set_irq_disable_depth(depth: u32) {
    storage::set(IRQ_DISABLE_DEPTH, depth);
}

/// `gfp` as the current section serves it: without `__GFP_FS` inside a
/// NOFS scope, without `__GFP_IO | __GFP_FS` inside a NOIO scope (the
/// kernel's `current_gfp_context()`). Reads the thread state only when
/// `gfp` has a bit a scope could clear.
#[inline]
pub fn current_gfp_context(gfp: Gfp) -> Gfp {
    // Masked to the bits a scope may clear, so the compiler sees that every
    // other bit (`__GFP_DIRECT_RECLAIM`, `__GFP_NOFAIL`) of a constant `gfp`
    // stays constant: the request path's decisions on them fold away.
    if gfp.bits() & (bits::IO | bits::FS) == 0 { gfp } else { gfp.without(scope_mask() & (bits::IO | bits::FS)) }
}

/// The thread's whole context state, for code that runs unrelated pieces of
/// work one after another on one thread (the workqueue's worker) and must
/// start each from the state it had before: a piece that leaked a section
/// (`mem::forget` of a lock guard) must not poison the next one.
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ContextState([u32; field::COUNT]);

#[cfg(feature = "std")]
impl ContextState {
    /// The current thread's state.
    pub(crate) fn current() -> ContextState {
        ContextState(storage::all())
    }

    /// Makes `self` the current thread's state.
    pub(crate) fn restore(self) {
        storage::set_all(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_count_at_its_maximum_panics_instead_of_wrapping() {
        let before = storage::get(ATOMIC_DEPTH);
        storage::set(ATOMIC_DEPTH, u32::MAX);
        let entered = std::panic::catch_unwind(|| core::mem::forget(AtomicSection::enter()));
        let after = storage::get(ATOMIC_DEPTH);
        storage::set(ATOMIC_DEPTH, before);
        assert!(entered.is_err(), "entering a section at the maximum depth did not panic");
        assert_eq!(after, u32::MAX, "the depth wrapped");
        assert!(in_atomic() == (before != 0));
    }

    #[test]
    fn the_interrupt_disable_depth_does_not_wrap_either() {
        set_irq_disable_depth(u32::MAX);
        let entered = std::panic::catch_unwind(|| core::mem::forget(crate::context::irq::IrqSave::save()));
        let after = irq_disable_depth();
        set_irq_disable_depth(0);
        assert!(entered.is_err());
        assert_eq!(after, u32::MAX);
    }
}
