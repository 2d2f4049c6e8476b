//! The run-time context state: atomic depth, scope mask and the simulated
//! local-interrupt flag ([`crate::irq`]).
//!
//! The type system carries the rules; this state backs them where types
//! cannot see: at the entry points that create the first token (a
//! `MaySleep` created inside an atomic section panics, like the kernel's
//! `might_sleep()`), at every request that may sleep (release builds too:
//! a sleep token captured into a token-less section, a leaked lock guard,
//! an `unsafe`-assumed token), and for every request and the reclaim path,
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

use crate::vocab::flags::{Gfp, bits};

#[cfg(feature = "std")]
mod storage {
    use core::cell::Cell;

    std::thread_local! {
        static ATOMIC_DEPTH: Cell<u32> = const { Cell::new(0) };
        static SCOPE_MASK: Cell<u32> = const { Cell::new(0) };
        static IRQ_DISABLE_DEPTH: Cell<u32> = const { Cell::new(0) };
        static NOWAIT_MARKS: Cell<u32> = const { Cell::new(0) };
    }

    #[inline]
    pub(super) fn atomic_depth() -> u32 {
        // `try_with`: the checking global allocator reads the depth on every
        // allocation, including those made by TLS destructors.
        ATOMIC_DEPTH.try_with(Cell::get).unwrap_or(0)
    }
    #[inline]
    pub(super) fn set_atomic_depth(depth: u32) {
        ATOMIC_DEPTH.with(|cell| cell.set(depth));
    }
    #[inline]
    pub(super) fn scope_mask() -> u32 {
        SCOPE_MASK.with(Cell::get)
    }
    #[inline]
    pub(super) fn set_scope_mask(mask: u32) {
        SCOPE_MASK.with(|cell| cell.set(mask));
    }
    #[inline]
    pub(super) fn irq_disable_depth() -> u32 {
        // `try_with`: a lock may be taken from a TLS destructor.
        IRQ_DISABLE_DEPTH.try_with(Cell::get).unwrap_or(0)
    }
    #[inline]
    pub(super) fn set_irq_disable_depth(depth: u32) {
        let _ = IRQ_DISABLE_DEPTH.try_with(|cell| cell.set(depth));
    }
    #[inline]
    pub(super) fn nowait_marks() -> u32 {
        NOWAIT_MARKS.try_with(Cell::get).unwrap_or(0)
    }
    #[inline]
    pub(super) fn set_nowait_marks(marks: u32) {
        let _ = NOWAIT_MARKS.try_with(|cell| cell.set(marks));
    }
}

#[cfg(not(feature = "std"))]
mod storage {
    use core::sync::atomic::{AtomicU32, Ordering};

    // Loads and stores only (no read-modify-write), so this builds on targets
    // without compare-and-swap; correct for one CPU, see the module docs.
    static ATOMIC_DEPTH: AtomicU32 = AtomicU32::new(0);
    static SCOPE_MASK: AtomicU32 = AtomicU32::new(0);
    static IRQ_DISABLE_DEPTH: AtomicU32 = AtomicU32::new(0);
    static NOWAIT_MARKS: AtomicU32 = AtomicU32::new(0);

    #[inline]
    pub(super) fn atomic_depth() -> u32 {
        ATOMIC_DEPTH.load(Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn set_atomic_depth(depth: u32) {
        ATOMIC_DEPTH.store(depth, Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn scope_mask() -> u32 {
        SCOPE_MASK.load(Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn set_scope_mask(mask: u32) {
        SCOPE_MASK.store(mask, Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn irq_disable_depth() -> u32 {
        IRQ_DISABLE_DEPTH.load(Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn set_irq_disable_depth(depth: u32) {
        IRQ_DISABLE_DEPTH.store(depth, Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn nowait_marks() -> u32 {
        NOWAIT_MARKS.load(Ordering::Relaxed)
    }
    #[inline]
    pub(super) fn set_nowait_marks(marks: u32) {
        NOWAIT_MARKS.store(marks, Ordering::Relaxed)
    }
}

/// How many atomic sections (spinlocks, interrupt handlers, nowait scopes)
/// the current thread is inside.
#[inline]
pub fn atomic_depth() -> u32 {
    storage::atomic_depth()
}

/// Whether the current thread is inside an atomic section.
#[inline]
pub fn in_atomic() -> bool {
    atomic_depth() != 0
}

/// Panics if the current thread may not sleep: the kernel's `might_sleep()`.
///
/// Called by every entry point that creates a [`MaySleep`](crate::MaySleep)
/// token, by every request that may sleep (in release builds too, as the
/// kernel's `might_alloc()`), by `Mutex::lock` and the other blocking
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
        let marks = storage::nowait_marks();
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

/// Marks the thread as running a `#[nowait]` function until dropped, so
/// that [`might_sleep`] fires inside it even when its caller could sleep.
/// Emitted by `#[nowait]` in debug builds only (a marked function compiles
/// without it in release builds).
#[doc(hidden)]
#[must_use = "the mark ends when the guard is dropped"]
pub struct NoWaitMark {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl NoWaitMark {
    /// Enters the mark.
    #[inline]
    pub fn enter() -> NoWaitMark {
        storage::set_nowait_marks(storage::nowait_marks() + 1);
        NoWaitMark { _not_send: core::marker::PhantomData }
    }
}

impl Drop for NoWaitMark {
    #[inline]
    fn drop(&mut self) {
        storage::set_nowait_marks(storage::nowait_marks().saturating_sub(1));
    }
}

/// The NOFS/NOIO bits the current section clears from every request.
#[inline]
pub(crate) fn scope_mask() -> u32 {
    storage::scope_mask()
}

/// Whether local interrupts are disabled on this thread (see
/// [`crate::irq::irqs_disabled`], which documents it).
#[inline]
pub(crate) fn irqs_disabled() -> bool {
    storage::irq_disable_depth() != 0
}

/// How many interrupt-disabling sections (irq-save locks, handlers) are
/// open on this thread. A count, not a saved flag, so that sections may end
/// in any order (two irq-save guards dropped out of order, hand-over-hand
/// locking): interrupts are enabled again only when the last one ends.
#[inline]
pub(crate) fn irq_disable_depth() -> u32 {
    storage::irq_disable_depth()
}

/// Sets the count [`irq_disable_depth`] reads; only `irq::IrqSave` changes it.
#[inline]
pub(crate) fn set_irq_disable_depth(depth: u32) {
    storage::set_irq_disable_depth(depth);
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

/// Raises the atomic depth until dropped.
#[must_use = "the atomic section ends when the guard is dropped"]
pub(crate) struct AtomicSection {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl AtomicSection {
    #[inline]
    pub(crate) fn enter() -> AtomicSection {
        storage::set_atomic_depth(atomic_depth() + 1);
        AtomicSection { _not_send: core::marker::PhantomData }
    }
}

impl Drop for AtomicSection {
    #[inline]
    fn drop(&mut self) {
        storage::set_atomic_depth(atomic_depth() - 1);
    }
}

/// Adds bits to the scope mask until dropped, then restores the old mask
/// (nested scopes therefore combine, and unwind restores them in order).
#[must_use = "the scope ends when the guard is dropped"]
pub(crate) struct ScopeMask {
    previous: u32,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl ScopeMask {
    #[inline]
    pub(crate) fn enter(clear: u32) -> ScopeMask {
        let previous = scope_mask();
        storage::set_scope_mask(previous | clear);
        ScopeMask { previous, _not_send: core::marker::PhantomData }
    }
}

impl Drop for ScopeMask {
    #[inline]
    fn drop(&mut self) {
        storage::set_scope_mask(self.previous);
    }
}

/// The thread's whole context state, for code that runs unrelated pieces of
/// work one after another on one thread (the workqueue's worker) and must
/// start each from the state it had before: a piece that leaked a section
/// (`mem::forget` of a lock guard) must not poison the next one.
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ContextState {
    pub(crate) atomic_depth: u32,
    pub(crate) scope_mask: u32,
    pub(crate) irq_disable_depth: u32,
    pub(crate) nowait_marks: u32,
}

#[cfg(feature = "std")]
impl ContextState {
    /// The current thread's state.
    pub(crate) fn current() -> ContextState {
        ContextState {
            atomic_depth: storage::atomic_depth(),
            scope_mask: storage::scope_mask(),
            irq_disable_depth: storage::irq_disable_depth(),
            nowait_marks: storage::nowait_marks(),
        }
    }

    /// Makes `self` the current thread's state.
    pub(crate) fn restore(self) {
        storage::set_atomic_depth(self.atomic_depth);
        storage::set_scope_mask(self.scope_mask);
        storage::set_irq_disable_depth(self.irq_disable_depth);
        storage::set_nowait_marks(self.nowait_marks);
    }
}
