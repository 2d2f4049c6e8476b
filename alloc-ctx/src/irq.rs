//! Local interrupt state and a small interrupt simulation.
//!
//! What this models, and what it does not:
//!
//! * **"Local interrupts disabled"** is one flag per thread (a thread plays
//!   a CPU), set by [`SpinLockIrq`](crate::sync::SpinLockIrq) while its
//!   guard lives and by the interrupt simulation while a handler runs, and
//!   read with [`irqs_disabled`] (the kernel's `irqs_disabled()`). Like
//!   `local_irq_save()`/`local_irq_restore()`, each section saves the
//!   previous value and restores it when it ends, also on unwind.
//! * **An interrupt** ([`raise`], std only) is delivered to the *current*
//!   thread's CPU: the current thread stops until the handler returns, and
//!   the handler runs on a thread of its own (its own stack and context
//!   state, like the kernel's interrupt stacks) with the atomic depth raised
//!   and local interrupts disabled, receiving a [`NoWait`] token. Because
//!   the handler runs inside an atomic section, a `MaySleep` entry point or
//!   `might_sleep()` reached from it panics.
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
//! Without `std` only the flag exists (one per program, like the atomic
//! depth of [`crate::state`]), so `SpinLockIrq` still builds and keeps it
//! right on single-core firmware.
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

#[cfg(feature = "std")]
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

/// `local_irq_save()` until dropped, then `local_irq_restore()`: the
/// previous state comes back, so nested sections and unwinding stay right.
#[must_use = "interrupts are restored when the guard is dropped"]
pub(crate) struct IrqSave {
    previous: bool,
    // The flag belongs to this thread.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl IrqSave {
    #[inline]
    pub(crate) fn save() -> IrqSave {
        let previous = state::irqs_disabled();
        state::set_irqs_disabled(true);
        IrqSave { previous, _not_send: core::marker::PhantomData }
    }
}

impl Drop for IrqSave {
    #[inline]
    fn drop(&mut self) {
        state::set_irqs_disabled(self.previous);
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
#[cfg(feature = "std")]
pub struct Masked<F> {
    handler: F,
}

#[cfg(feature = "std")]
impl<F> Masked<F> {
    /// The handler that was not run.
    pub fn into_handler(self) -> F {
        self.handler
    }
}

#[cfg(feature = "std")]
impl<F> core::fmt::Debug for Masked<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Masked").finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
impl<F> core::fmt::Display for Masked<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("interrupt not delivered: local interrupts are disabled on this CPU")
    }
}

#[cfg(feature = "std")]
impl<F> core::error::Error for Masked<F> {}

/// Delivers an interrupt to the current thread's CPU: runs `handler` as a
/// hard interrupt handler and returns its result, or hands it back in
/// [`Masked`] when local interrupts are disabled on this thread.
///
/// The current thread waits while the handler runs (it is the interrupted
/// code). The handler runs on its own thread inside an atomic section with
/// local interrupts disabled, and gets that section's [`NoWait`] token, so
/// only non-blocking requests compile in it and a `MaySleep` entry point
/// reached from it panics. A handler written as a `#[nowait]` function is
/// called with the token; one written with the `#[nowait(entry)]` form
/// creates its own (`raise(|_| handler())`).
///
/// If the handler panics, the panic is resumed on the current thread.
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
#[cfg(feature = "std")]
pub fn raise<F, R>(handler: F) -> Result<R, Masked<F>>
where
    F: FnOnce(&mut NoWait) -> R + Send,
    R: Send,
{
    if irqs_disabled() {
        return Err(Masked { handler });
    }
    let outcome = std::thread::scope(|scope| {
        let hardirq = std::thread::Builder::new().name("hardirq".into()).spawn_scoped(scope, move || {
            // Entered like the `#[nowait(entry)]` form; interrupts stay off
            // while a hard interrupt handler runs.
            let _irqs = IrqSave::save();
            NoWait::enter_section(handler)
        });
        match hardirq {
            Ok(thread) => thread.join(),
            Err(error) => panic!("cannot start the interrupt thread: {error}"),
        }
    });
    match outcome {
        Ok(value) => Ok(value),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}
