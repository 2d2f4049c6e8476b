//! Local interrupt state and a small interrupt simulation.
//!
//! What this models, and what it does not:
//!
//! * **"Local interrupts disabled"** is per thread (a thread plays a CPU):
//!   a count of open interrupt-disabling sections, raised by
//!   [`SpinLockIrq`](crate::sync::SpinLockIrq) while its guard lives and by
//!   the interrupt simulation while a handler runs, and read with
//!   [`irqs_disabled`] (the kernel's `irqs_disabled()`). A count rather
//!   than a saved flag, so that guards may be dropped in any order;
//!   interrupts are enabled again when the last section ends, also on
//!   unwind.
//! * **An interrupt** ([`raise`]) is delivered to the *current* thread's
//!   CPU: the handler runs right there, on the interrupted code's stack,
//!   with the atomic depth raised and local interrupts disabled, receiving
//!   a [`NoWait`] token; the interrupted code continues when it returns.
//!   Because the handler runs inside an atomic section, a `MaySleep` entry
//!   point or a sleeping request reached from it panics. Nothing is
//!   allocated or spawned per interrupt.
//! * **Masking**: when local interrupts are disabled on the current thread
//!   (an irq-save spinlock is held, or the current thread is itself a
//!   handler), [`raise`] does not deliver; it hands the handler back in
//!   [`Masked`]. Real hardware would keep the interrupt pending in the
//!   controller and deliver it at `local_irq_restore()`; the caller decides
//!   here (typically: raise it again after the section).
//! * **Deferral** (with `std`): an interrupt *line* ([`Line`], a `static`
//!   holding a `fn(&mut NoWait)` handler) behaves as hardware does. Raised
//!   while local interrupts are disabled, it is marked pending on this
//!   thread, and delivered when the last interrupt-disabling section ends
//!   (the unlock of the outermost `SpinLockIrq`), once however often it was
//!   raised meanwhile. Nothing is allocated: the pending lines are a small
//!   fixed-size per-thread set ([`Line::MAX_PENDING`]).
//! * Not modelled: other CPUs taking the interrupt, interrupt priorities and
//!   nesting, softirqs, and deadlock detection. As on hardware, a handler
//!   that takes a plain [`SpinLock`](crate::sync::SpinLock) held by the
//!   thread it interrupted spins forever; that is the bug
//!   [`SpinLockIrq`](crate::sync::SpinLockIrq) exists to prevent.
//!
//! Without `std` the count is one per program, like the atomic depth of
//! [`atomic_depth`](crate::atomic_depth), so `SpinLockIrq` still builds and keeps it right on
//! single-core firmware. By itself it does not mask the hardware's
//! interrupts; with the `critical-section` feature it does (below).
//!
//! # Bare metal: the `critical-section` feature
//!
//! Without `std` and with the `critical-section` feature, interrupt control
//! is the `critical-section` crate's, which the final
//! binary implements (cortex-m's `critical-section-single-core`, riscv's
//! `critical-section-single-hart`, an RTOS's):
//!
//! * the *outermost* interrupt-disabling section (count 0 to 1) calls
//!   `critical_section::acquire()`, which masks interrupts, and keeps its
//!   restore state; nested sections only count (their own `acquire` is
//!   released at once, so the crate's acquires and releases stay in
//!   reverse order as `critical-section` requires);
//! * `critical_section::release()` with that restore state runs when the
//!   count returns to 0, whichever guard ends last. Guards dropped out of
//!   order (two irq-save locks released first-taken-first) are therefore
//!   correct: interrupts stay masked until every section has ended, and
//!   are then restored to the state before the first one, not re-enabled
//!   early by the first guard dropped. An interrupt that arrives meanwhile
//!   stays pending in the interrupt controller and is taken right after
//!   that release, as with `local_irq_restore()`.
//! * The restore state is kept beside the count (one per program), not in
//!   each guard: a guard does not know whether it ends last. Both are only
//!   touched with interrupts masked, so this is right on one core; on
//!   several cores the count would be shared, so multi-core systems and
//!   kernels create tokens from their own per-CPU state instead (see
//!   [`atomic_depth`](crate::atomic_depth)).
//! * Foreign critical sections must nest with these sections: an irq-save
//!   guard taken inside `critical_section::with` must end inside it (it
//!   borrows a token and the lock, so this is the usual shape). A guard
//!   that outlives an enclosing foreign section would, at its end, restore
//!   the *masked* state it found there and leave interrupts disabled.
//! * A leaked guard (`mem::forget`) leaves interrupts masked, as a leaked
//!   `spin_lock_irqsave()` would.
//!
//! `NoWait::with_critical_section` opens such a section and lends both a
//! `critical_section::CriticalSection` (for `critical_section::Mutex` and
//! the rest of the ecosystem) and a `&mut NoWait`.
//!
//! With `std`, the feature adds only `with_critical_section` (over the
//! `critical-section` implementation the program links, e.g. the crate's
//! `std` one); the thread-local simulation above is unchanged.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{MaySleep, flags::*, irq, sync::SpinLockIrq};
//!
//! let rx_count = SpinLockIrq::new(0u32);
//! // The device interrupts this CPU; the handler runs atomically.
//! irq::raise(|cx| *rx_count.lock_irqsave(cx) += 1).unwrap();
//! {
//!     let mut count = rx_count.lock_irqsave(cx);
//!     // Masked while the irq-save lock is held: no self-deadlock.
//!     assert!(irq::raise(|cx| *rx_count.lock_irqsave(cx) += 1).is_err());
//!     *count += 10;
//! }
//! assert_eq!(*rx_count.lock_irqsave(cx), 11);
//! # }
//! ```

use crate::context::state::{self, HARDIRQ_DEPTH};
use crate::context::token::NoWait;

/// Whether local interrupts are disabled on the current thread: an
/// irq-save spinlock is held, or the thread is running an interrupt
/// handler. The kernel's `irqs_disabled()`.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, irq::irqs_disabled, sync::SpinLockIrq};
/// let lock = SpinLockIrq::new(());
/// assert!(!irqs_disabled());
/// let guard = lock.lock_irqsave(cx);
/// assert!(irqs_disabled());
/// drop(guard);
/// assert!(!irqs_disabled());
/// # }
/// ```
#[inline]
pub fn irqs_disabled() -> bool {
    state::irqs_disabled()
}

/// `local_irq_save()` until dropped, then `local_irq_restore()`.
///
/// The thread keeps a count of open sections rather than each guard a saved
/// flag: a saved flag is only right when guards end in LIFO order, and safe
/// code can drop two irq-save guards in any order. Interrupts are enabled
/// again when the last section ends (also on unwind): with `std`, pending
/// [`Line`]s are delivered then; on bare metal with `critical-section`, the
/// outermost section's restore state is released then (module docs).
#[must_use = "interrupts are restored when the guard is dropped"]
pub(crate) struct IrqSave {
    // The count belongs to this thread.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl IrqSave {
    #[inline]
    pub(crate) fn save() -> IrqSave {
        platform::save();
        IrqSave { _not_send: core::marker::PhantomData }
    }
}

impl Drop for IrqSave {
    #[inline]
    fn drop(&mut self) {
        platform::restore();
    }
}

/// The count only: the `std` simulation, and bare metal without the
/// `critical-section` feature.
#[cfg(any(feature = "std", not(feature = "critical-section")))]
mod platform {
    use crate::context::state;

    #[inline]
    #[track_caller]
    pub(super) fn save() {
        state::set_irq_disable_depth(state::raised(state::irq_disable_depth(), state::IRQ_DISABLE_DEPTH));
    }

    #[inline]
    pub(super) fn restore() {
        let depth = state::irq_disable_depth().saturating_sub(1);
        state::set_irq_disable_depth(depth);
        #[cfg(feature = "std")]
        if depth == 0 {
            super::line::deliver_pending();
        }
    }
}

/// Bare metal with `critical-section`: the count, and real masking by the
/// outermost section (module docs).
#[cfg(all(feature = "critical-section", not(feature = "std")))]
mod platform {
    use core::cell::Cell;

    use critical_section::{CriticalSection, Mutex, RestoreState};

    use crate::context::state;

    /// The restore state of the outermost section's `acquire`, released
    /// when the count returns to 0. Only touched with interrupts masked.
    static OUTERMOST: Mutex<Cell<RestoreState>> = Mutex::new(Cell::new(RestoreState::invalid()));

    #[inline]
    pub(super) fn save() {
        // SAFETY: released exactly once: at once below for a nested section,
        // or by `restore` when the count returns to 0 for the outermost one.
        // Every nested acquire is released before the outermost one, so the
        // crate's acquires and releases are in reverse order.
        let restore = unsafe { critical_section::acquire() };
        let depth = state::irq_disable_depth();
        let Some(next) = depth.checked_add(1) else {
            // SAFETY: the acquire just above, released before the overflow
            // panic, so a caught panic leaves interrupts as they were.
            unsafe { critical_section::release(restore) };
            state::raised(depth, state::IRQ_DISABLE_DEPTH);
            unreachable!("`raised` panics at the maximum count");
        };
        state::set_irq_disable_depth(next);
        if depth == 0 {
            // SAFETY: inside the critical section acquired above; the token
            // does not leave this block.
            let cs = unsafe { CriticalSection::new() };
            OUTERMOST.borrow(cs).set(restore);
        } else {
            // SAFETY: the acquire just above, released right away (reverse
            // order); the outermost section keeps interrupts masked.
            unsafe { critical_section::release(restore) };
        }
    }

    #[inline]
    pub(super) fn restore() {
        let depth = state::irq_disable_depth();
        if depth == 0 {
            // Unbalanced (the count was reset): there is nothing to release.
            return;
        }
        state::set_irq_disable_depth(depth - 1);
        if depth == 1 {
            // SAFETY: the count was 1, so the outermost section is still
            // held: interrupts are masked. The token does not leave this block.
            let cs = unsafe { CriticalSection::new() };
            let restore = OUTERMOST.borrow(cs).replace(RestoreState::invalid());
            // SAFETY: the restore state of the outermost `acquire`, released
            // once, after every nested one.
            unsafe { critical_section::release(restore) };
        }
    }
}

/// The interrupt was not delivered: local interrupts are disabled on the
/// raising thread. Holds the handler, to raise again later.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, irq, sync::SpinLockIrq};
/// let lock = SpinLockIrq::new(0);
/// let guard = lock.lock_irqsave(cx);
/// let masked = irq::raise(|_nw| 7).unwrap_err();
/// drop(guard);
/// assert_eq!(irq::raise(masked.into_handler()).unwrap(), 7);
/// # }
/// ```
pub struct Masked<F> {
    handler: F,
}

impl<F> Masked<F> {
    /// The handler that was not run.
    pub fn into_handler(self) -> F {
        self.handler
    }
}

impl<F> core::fmt::Debug for Masked<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Masked").finish_non_exhaustive()
    }
}

impl<F> core::fmt::Display for Masked<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("interrupt not delivered: local interrupts are disabled on this CPU")
    }
}

impl<F> core::error::Error for Masked<F> {}

/// Delivers an interrupt to the current thread's CPU: runs `handler` as a
/// hard interrupt handler and returns its result, or hands it back in
/// [`Masked`] when local interrupts are disabled on this thread.
///
/// The handler runs on the current thread (the interrupted code waits for
/// it), inside an atomic section with local interrupts disabled, and gets
/// that section's [`NoWait`] token, so only non-blocking requests compile
/// in it and a `MaySleep` entry point reached from it panics. A handler
/// written as a `#[nowait]` function is passed by name (`raise(handler)`,
/// or `raise(|cx| handler(cx, dev))`); one written with the
/// `#[nowait(entry)]` form creates its own (`raise(|_| handler())`). It
/// must be `Send`, as data shared with an interrupt handler must be; that
/// also keeps a captured sleep token out of it.
///
/// If the handler panics, the panic unwinds through the caller, after the
/// interrupt state and the atomic depth are restored.
///
/// ```
/// use alloc_ctx::{KBox, flags::*, in_atomic, irq};
/// let frame = irq::raise(|cx| {
///     assert!(in_atomic() && irq::irqs_disabled());
///     KBox::new([0u8; 64], GFP_ATOMIC, cx).map(|frame| frame.len())
/// });
/// assert_eq!(frame.unwrap(), Ok(64));
/// assert!(!in_atomic()); // the interrupted thread is unchanged
/// ```
///
/// A sleeping request in a handler does not compile:
///
/// ```compile_fail,E0277
/// use alloc_ctx::{KBox, flags::*, irq};
/// let _ = irq::raise(|cx| KBox::new(0u64, GFP_KERNEL, cx));
/// ```
pub fn raise<F, R>(handler: F) -> Result<R, Masked<F>>
where
    F: FnOnce(&mut NoWait) -> R + Send,
{
    if irqs_disabled() {
        return Err(Masked { handler });
    }
    // Taken on this thread, as a CPU takes an interrupt on the stack of the
    // code it interrupts: interrupts off and the atomic depth raised while
    // the handler runs, both restored when it returns or unwinds. Nothing is
    // allocated, so a checking allocator sees nothing of the simulation.
    let _irqs = IrqSave::save();
    let _hardirq = state::Raised::<HARDIRQ_DEPTH>::enter();
    Ok(NoWait::enter_section(handler))
}

#[cfg(feature = "std")]
pub use self::line::{Line, Raised};

#[cfg(feature = "std")]
mod line;

/// Delivers the [`Line`]s pending on this thread if local interrupts are
/// enabled: for code that restored the interrupt state without ending the
/// sections that disabled it (the workqueue's worker after an item leaked an
/// irq-save section), where no section end would deliver them.
#[cfg(feature = "std")]
pub(crate) fn deliver_pending_lines() {
    if !irqs_disabled() {
        line::deliver_pending();
    }
}

#[cfg(feature = "critical-section")]
impl NoWait {
    /// Runs `f` inside a critical section, with the section's
    /// `critical_section::CriticalSection` and a [`NoWait`] token: code
    /// written against the embedded ecosystem's token
    /// (`critical_section::Mutex::borrow(cs)`, drivers, allocators) and
    /// alloc-ctx requests (`GFP_ATOMIC` only) work side by side.
    ///
    /// It is an interrupt-disabling section like an irq-save lock's: the
    /// atomic depth is raised and [`irqs_disabled`] holds while `f` runs;
    /// on bare metal the outermost section masks interrupts through
    /// `critical_section::acquire()` (module docs), and the
    /// `critical_section::with` inside it nests. With `std`, pending
    /// [`Line`]s are delivered when it ends.
    ///
    /// Why a closure and not a conversion from a `CriticalSection` the
    /// caller already has (`fn(CriticalSection<'cs>) -> &'cs mut NoWait`):
    /// a token made from someone else's critical section would have no
    /// guard to raise and restore the atomic depth and the interrupt count
    /// at its ends, so the run-time checks (`might_sleep()`,
    /// [`irqs_disabled`]) would not see the section. Here both are scoped
    /// to `f`, the token and the `CriticalSection` cannot outlive it, and
    /// the release is in reverse order by construction.
    ///
    /// Like [`NoWait::enter`], `f` must be `Send`: it is what keeps a
    /// captured sleep token (`!Send`) out of the section, since this entry
    /// takes no token to freeze. The bound also refuses a captured `&Cell`
    /// (a `Cell` is not `Sync`) that `critical_section::with` accepts. Code
    /// that has a token, which is most code, calls
    /// [`cx.critical_section(|cs, nw| …)`](NoWait::critical_section)
    /// instead: the same section without the `Send` bound, the caller's
    /// token frozen (mutably borrowed) for its duration, which keeps the
    /// guarantee by the borrow checker. Without a token, capture a `&mut`
    /// to the local in a `move` closure (`&mut Cell<T>` is `Send`) or keep
    /// the data in a `critical_section::Mutex`.
    ///
    /// ```
    /// # #[cfg(feature = "critical-section")] { // (tests link critical-section's `std` implementation)
    /// use alloc_ctx::{KBox, NoWait, flags::*, irq::irqs_disabled};
    /// use core::cell::Cell;
    /// static TICKS: critical_section::Mutex<Cell<u32>> = critical_section::Mutex::new(Cell::new(0));
    ///
    /// NoWait::with_critical_section(|cs, cx| {
    ///     TICKS.borrow(cs).set(TICKS.borrow(cs).get() + 1); // the ecosystem's token
    ///     assert!(irqs_disabled());
    ///     let event = KBox::new(7u16, GFP_ATOMIC, cx); // alloc-ctx's token
    ///     assert!(event.is_ok());
    /// });
    /// # }
    /// ```
    pub fn with_critical_section<R>(
        f: impl for<'cs> FnOnce(critical_section::CriticalSection<'cs>, &mut NoWait) -> R + Send,
    ) -> R {
        critical_section_with(f)
    }

    /// [`NoWait::with_critical_section`] for code that holds a token: the
    /// section borrows this token mutably (frozen until `f` returns, as a
    /// spinlock guard does), so `f` need not be `Send` and may capture
    /// locals such as a `&Cell`.
    ///
    /// ```
    /// # #[cfg(feature = "critical-section")] {
    /// use alloc_ctx::{KBox, NoWait, flags::*};
    /// use core::cell::Cell;
    ///
    /// #[alloc_ctx::nowait]
    /// fn tick(seen: &Cell<u32>) {
    ///     cx.critical_section(|_cs, nw| {
    ///         seen.set(seen.get() + 1); // a captured `&Cell`: not `Send`
    ///         assert!(KBox::new(1u8, GFP_ATOMIC, nw).is_ok());
    ///     });
    /// }
    ///
    /// NoWait::enter(|cx| {
    ///     let seen = Cell::new(0);
    ///     tick(cx, &seen);
    ///     assert_eq!(seen.get(), 1);
    /// });
    /// # }
    /// ```
    #[inline]
    pub fn critical_section<R>(
        &mut self,
        f: impl for<'cs> FnOnce(critical_section::CriticalSection<'cs>, &mut NoWait) -> R,
    ) -> R {
        critical_section_with(f)
    }
}

#[cfg(feature = "critical-section")]
impl crate::context::token::MaySleep {
    /// [`NoWait::with_critical_section`] from a sleep token, which is
    /// frozen (mutably borrowed) until `f` returns: inside, only the
    /// section's `NoWait` can be used, so a sleeping request there does not
    /// compile, and `f` need not be `Send`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// # #[cfg(feature = "critical-section")] {
    /// use alloc_ctx::{KBox, MaySleep, flags::*, irq::irqs_disabled};
    /// use core::cell::Cell;
    /// let ticks = Cell::new(0u32);
    /// let event = cx.critical_section(|_cs, nw| {
    ///     ticks.set(ticks.get() + 1); // a captured `&Cell`
    ///     assert!(irqs_disabled());
    ///     KBox::new(7u16, GFP_ATOMIC, nw)
    /// });
    /// assert!(event.is_ok() && !irqs_disabled());
    /// # }
    /// # }
    /// ```
    ///
    /// The caller's sleep token cannot be used inside:
    ///
    /// ```compile_fail,E0499
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, MaySleep, flags::*};
    /// // error[E0499]: cannot borrow `*cx` as mutable more than once at a time
    /// cx.critical_section(|_cs, _nw| KBox::new(7u16, GFP_KERNEL, cx));
    /// # }
    /// ```
    #[inline]
    pub fn critical_section<R>(
        &mut self,
        f: impl for<'cs> FnOnce(critical_section::CriticalSection<'cs>, &mut NoWait) -> R,
    ) -> R {
        critical_section_with(f)
    }
}

/// The section of [`NoWait::with_critical_section`] and the token methods.
#[cfg(feature = "critical-section")]
#[inline]
fn critical_section_with<R>(f: impl for<'cs> FnOnce(critical_section::CriticalSection<'cs>, &mut NoWait) -> R) -> R {
    // Interrupts first, as `lock_irqsave`; both end after the
    // `critical_section::with` inside, in reverse order.
    let _irqs = IrqSave::save();
    let _section = state::AtomicSection::enter();
    critical_section::with(|cs| f(cs, NoWait::for_section()))
}
