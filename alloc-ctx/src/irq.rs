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
//! * Not modelled: other CPUs taking the interrupt, interrupt priorities and
//!   nesting, softirqs, and deadlock detection. As on hardware, a handler
//!   that takes a plain [`SpinLock`](crate::sync::SpinLock) held by the
//!   thread it interrupted spins forever; that is the bug
//!   [`SpinLockIrq`](crate::sync::SpinLockIrq) exists to prevent.
//!
//! Without `std` the count is one per program, like the atomic depth of
//! [`crate::state`], so `SpinLockIrq` still builds and keeps it right on
//! single-core firmware (it does not mask the hardware's interrupts).
//!
//! ```
//! use alloc_ctx::{MaySleep, flags::*, irq, sync::SpinLockIrq};
//!
//! let rx_count = SpinLockIrq::new(0u32);
//! MaySleep::enter(|cx| {
//!     // The device interrupts this CPU; the handler runs atomically.
//!     irq::raise(|cx| *rx_count.lock_irqsave(cx) += 1).unwrap();
//!     {
//!         let mut count = rx_count.lock_irqsave(cx);
//!         // Masked while the irq-save lock is held: no self-deadlock.
//!         assert!(irq::raise(|cx| *rx_count.lock_irqsave(cx) += 1).is_err());
//!         *count += 10;
//!     }
//!     assert_eq!(*rx_count.lock_irqsave(cx), 11);
//! });
//! ```

use crate::context::NoWait;
use crate::state;

/// Whether local interrupts are disabled on the current thread: an
/// irq-save spinlock is held, or the thread is running an interrupt
/// handler. The kernel's `irqs_disabled()`.
///
/// ```
/// use alloc_ctx::{MaySleep, irq::irqs_disabled, sync::SpinLockIrq};
/// let lock = SpinLockIrq::new(());
/// MaySleep::enter(|cx| {
///     assert!(!irqs_disabled());
///     let guard = lock.lock_irqsave(cx);
///     assert!(irqs_disabled());
///     drop(guard);
///     assert!(!irqs_disabled());
/// });
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
/// again when the last section ends (also on unwind).
#[must_use = "interrupts are restored when the guard is dropped"]
pub(crate) struct IrqSave {
    // The count belongs to this thread.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl IrqSave {
    #[inline]
    pub(crate) fn save() -> IrqSave {
        state::set_irq_disable_depth(state::irq_disable_depth() + 1);
        IrqSave { _not_send: core::marker::PhantomData }
    }
}

impl Drop for IrqSave {
    #[inline]
    fn drop(&mut self) {
        state::set_irq_disable_depth(state::irq_disable_depth().saturating_sub(1));
    }
}

/// The interrupt was not delivered: local interrupts are disabled on the
/// raising thread. Holds the handler, to raise again later.
///
/// ```
/// use alloc_ctx::{MaySleep, irq, sync::SpinLockIrq};
/// let lock = SpinLockIrq::new(0);
/// MaySleep::enter(|cx| {
///     let guard = lock.lock_irqsave(cx);
///     let masked = irq::raise(|_nw| 7).unwrap_err();
///     drop(guard);
///     assert_eq!(irq::raise(masked.into_handler()).unwrap(), 7);
/// });
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
/// use alloc_ctx::{KBox, flags::*, irq, state};
/// let frame = irq::raise(|cx| {
///     assert!(state::in_atomic() && irq::irqs_disabled());
///     KBox::new([0u8; 64], GFP_ATOMIC, cx).map(|frame| frame.len())
/// });
/// assert_eq!(frame.unwrap(), Ok(64));
/// assert!(!state::in_atomic()); // the interrupted thread is unchanged
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
    Ok(NoWait::enter_section(handler))
}
