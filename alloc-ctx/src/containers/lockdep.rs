//! The interrupt-safety rule of the kernel's lockdep, checked at run time
//! (debug builds with `std`).
//!
//! A plain spinlock taken in a hard interrupt handler must never be taken
//! with interrupts enabled elsewhere: if the interrupt arrives on a CPU
//! while that CPU holds the lock, the handler spins on it forever
//! (lockdep's `{IN-HARDIRQ-W} -> {HARDIRQ-ON-W}` "inconsistent lock
//! state"). Data shared with a handler belongs in a `SpinLockIrq`, whose
//! `lock_irqsave` disables interrupts first.
//!
//! The type system cannot see this: a handler's token is a `NoWait` like
//! any section's, and it converts to one on the way into a `#[nowait]`
//! function. So each `SpinLock` remembers, as lockdep does, where it was
//! first taken in each of the two ways, and the second way reports both
//! places. Hard interrupt context is what this crate's interrupts run in
//! (`irq::raise`, an `irq::Line`); a handler of the platform's own (a
//! Cortex-M exception) is not counted.

use core::panic::Location;
use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use crate::context::state;

/// Where a lock was first taken in hard interrupt context, and where with
/// interrupts enabled.
pub(crate) struct IrqUsage {
    in_hardirq: AtomicPtr<Location<'static>>,
    irqs_on: AtomicPtr<Location<'static>>,
}

impl IrqUsage {
    pub(crate) const fn new() -> IrqUsage {
        IrqUsage { in_hardirq: AtomicPtr::new(ptr::null_mut()), irqs_on: AtomicPtr::new(ptr::null_mut()) }
    }

    /// Records a lock taken at the caller's location, and panics with
    /// lockdep's report when it has now been taken both ways.
    #[track_caller]
    pub(crate) fn record(&self, kind: &str) {
        let here = Location::caller();
        let (this_way, other_way) = if state::in_hardirq() {
            (&self.in_hardirq, &self.irqs_on)
        } else if !state::irqs_disabled() {
            (&self.irqs_on, &self.in_hardirq)
        } else {
            // Interrupts off outside a handler (under a `SpinLockIrq`):
            // safe either way.
            return;
        };
        let _ = this_way.compare_exchange(
            ptr::null_mut(),
            ptr::from_ref(here).cast_mut(),
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        let other = other_way.load(Ordering::Acquire);
        if other.is_null() {
            return;
        }
        // SAFETY: the only non-null values stored are `&'static Location`s
        // (above), never freed or written through.
        let other: &'static Location<'static> = unsafe { &*other };
        let (in_hardirq, irqs_on) = if state::in_hardirq() { (here, other) } else { (other, here) };
        panic!(
            "BUG: inconsistent lock state: this `{kind}` is taken in a hard interrupt handler (at {in_hardirq}) \
             and with interrupts enabled (at {irqs_on}); an interrupt arriving while it is held spins on it \
             forever (lockdep: {{IN-HARDIRQ-W}} -> {{HARDIRQ-ON-W}}). Fix: share data with an interrupt \
             handler through a `SpinLockIrq` (`lock_irqsave`), which disables interrupts first"
        );
    }
}
