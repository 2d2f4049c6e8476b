//! Interrupt lines for the `std` simulation: deferral while local
//! interrupts are disabled, delivery when the last interrupt-disabling
//! section ends.

use core::cell::Cell;

use super::{IrqSave, irqs_disabled};
use crate::context::state::{self, HARDIRQ_DEPTH};
use crate::context::token::NoWait;

/// An interrupt line with its handler, for the `std` simulation: raised
/// while local interrupts are disabled on this thread, it is deferred
/// (marked pending) and delivered when the last interrupt-disabling
/// section ends, as the interrupt controller does at
/// `local_irq_restore()`; otherwise it is delivered at once.
///
/// The handler is a plain `fn(&mut NoWait)` (a `#[nowait]` function
/// taking `&mut NoWait`, or a closure that captures nothing), so a line
/// can be a `static`; data it shares with the interrupted code lives in
/// statics too, behind a [`SpinLockIrq`](crate::sync::SpinLockIrq).
/// It runs as [`raise`](super::raise) runs a handler: on the current
/// thread, in an atomic section, with local interrupts disabled.
///
/// Deferral is per thread (a thread plays a CPU), allocates nothing and
/// keeps at most [`Line::MAX_PENDING`] distinct lines pending; a line
/// raised again while pending is delivered once (an edge-triggered
/// line's pending bit). Pending lines are delivered in the order they
/// were first raised. A handler that raises a line (itself included)
/// sees it deferred until it returns, since local interrupts are
/// disabled while it runs. When the last section ends by unwinding (a
/// panic), the pending lines are kept and delivered at the next end of
/// a section or [`raise`](Line::raise) with interrupts enabled.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, NoWait, irq::{Line, Raised}, sync::SpinLockIrq};
///
/// static RX_FRAMES: SpinLockIrq<u32> = SpinLockIrq::new(0);
/// fn rx_interrupt(cx: &mut NoWait) {
///     *RX_FRAMES.lock_irqsave(cx) += 1;
/// }
/// static RX: Line = Line::new(rx_interrupt);
///
/// assert_eq!(RX.raise(), Raised::Delivered);
/// let frames = RX_FRAMES.lock_irqsave(cx);
/// assert_eq!(RX.raise(), Raised::Pending); // masked: deferred, not lost
/// assert_eq!(*frames, 1);
/// drop(frames); // local_irq_restore(): the pending interrupt is taken here
/// assert_eq!(*RX_FRAMES.lock_irqsave(cx), 2);
/// # }
/// ```
pub struct Line {
    handler: fn(&mut NoWait),
}

/// What [`Line::raise`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    /// The handler ran before `raise` returned.
    Delivered,
    /// Local interrupts are disabled on this thread: the line is pending
    /// and its handler runs when the last interrupt-disabling section
    /// ends.
    Pending,
}

std::thread_local! {
    /// The lines pending on this thread, in the order they were raised.
    static PENDING: Cell<[Option<&'static Line>; Line::MAX_PENDING]> =
        const { Cell::new([None; Line::MAX_PENDING]) };
}

impl Line {
    /// How many distinct lines may be pending on one thread at once.
    pub const MAX_PENDING: usize = 16;

    /// A line whose interrupts run `handler`.
    pub const fn new(handler: fn(&mut NoWait)) -> Line {
        Line { handler }
    }

    /// Raises the line: delivers the interrupt now, or, when local
    /// interrupts are disabled on this thread, marks it pending until
    /// the last interrupt-disabling section ends.
    ///
    /// # Panics
    ///
    /// If [`MAX_PENDING`](Self::MAX_PENDING) other lines are already
    /// pending on this thread; and if the handler panics (after the
    /// interrupt state and the atomic depth are restored).
    pub fn raise(&'static self) -> Raised {
        if irqs_disabled() {
            self.mark_pending();
            return Raised::Pending;
        }
        // Lines left pending by a section that ended by unwinding.
        deliver_pending();
        self.deliver();
        Raised::Delivered
    }

    /// Whether the line is pending on this thread.
    pub fn is_pending(&'static self) -> bool {
        PENDING.with(|pending| pending.get().iter().flatten().any(|line| core::ptr::eq(*line, self)))
    }

    fn deliver(&'static self) {
        // As `raise`: interrupts off and the atomic depth raised while
        // the handler runs. Lines it raises are pending until it returns
        // and are delivered when this section ends.
        let _irqs = IrqSave::save();
        let _hardirq = state::Raised::<HARDIRQ_DEPTH>::enter();
        NoWait::enter_section(self.handler);
    }

    fn mark_pending(&'static self) {
        PENDING.with(|pending| {
            let mut lines = pending.get();
            if lines.iter().flatten().any(|line| core::ptr::eq(*line, self)) {
                return;
            }
            let Some(slot) = lines.iter_mut().find(|slot| slot.is_none()) else {
                panic!("irq: more than {} interrupt lines pending on this thread", Line::MAX_PENDING);
            };
            *slot = Some(self);
            pending.set(lines);
        });
    }
}

impl core::fmt::Debug for Line {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Line").field("handler", &(self.handler as *const ())).finish()
    }
}

/// The oldest pending line, removed from the set.
fn take_pending() -> Option<&'static Line> {
    // `try_with`: a section may end in a TLS destructor.
    PENDING
        .try_with(|pending| {
            let mut lines = pending.get();
            let first = lines[0].take()?;
            lines.rotate_left(1);
            pending.set(lines);
            Some(first)
        })
        .ok()
        .flatten()
}

/// Delivers the pending lines: called when the last
/// interrupt-disabling section ends, and by `raise`. While the thread
/// unwinds the lines stay pending (a handler panicking then would
/// abort).
pub(super) fn deliver_pending() {
    if std::thread::panicking() {
        return;
    }
    while let Some(line) = take_pending() {
        line.deliver();
    }
}
