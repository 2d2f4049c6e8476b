//! [`CondVar`]: the kernel's condition variable (`kernel::sync::CondVar`,
//! a wait queue), waited on with a lock guard.

use core::marker::PhantomPinned;
use core::time::Duration;

use super::{MutexGuard, SpinLockGuard};
use crate::context::token::MaySleep;

/// Time in jiffies, as the kernel counts timeouts
/// ([`CondVar::wait_interruptible_timeout`]). In this simulation one jiffy
/// is one millisecond ([`HZ`] is 1000).
pub type Jiffies = u64;

/// Jiffies per second in this simulation (the kernel's `CONFIG_HZ`).
pub const HZ: Jiffies = 1000;

/// A timeout that never expires (the kernel's `MAX_SCHEDULE_TIMEOUT`).
pub const MAX_SCHEDULE_TIMEOUT: Jiffies = Jiffies::MAX;

/// `ms` milliseconds in jiffies, rounded up (the kernel's
/// `msecs_to_jiffies()`).
///
/// ```
/// assert_eq!(alloc_ctx::sync::msecs_to_jiffies(20), 20);
/// ```
pub const fn msecs_to_jiffies(ms: u64) -> Jiffies {
    ms.saturating_mul(HZ).div_ceil(1000)
}

/// How a timed wait ended (Rust-for-Linux's `CondVarTimeoutResult`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondVarTimeoutResult {
    /// The timeout expired.
    Timeout,
    /// Woken by a notification (or spuriously), with this much of the
    /// timeout left.
    Woken {
        /// The jiffies left of the timeout.
        jiffies: Jiffies,
    },
    /// A signal is pending. Never returned by this simulation (it has no
    /// signals); kept so that a port's `match` is the kernel's.
    Signal {
        /// The jiffies left of the timeout.
        jiffies: Jiffies,
    },
}

mod sealed {
    // A seal: unnameable outside its module on purpose.
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// A lock guard a [`CondVar`] may wait on: a [`MutexGuard`], or a
/// [`SpinLockGuard`] taken with a sleep token
/// (`SpinLockGuard<'_, T, MaySleep>`). Waiting sleeps: a spinlock taken
/// with a [`NoWait`](crate::NoWait) (in a `#[nowait]` function, under
/// another lock, in an interrupt handler) stands for a context that must
/// not sleep, and its guard is refused. Sealed.
#[diagnostic::on_unimplemented(
    message = "`CondVar::wait` may sleep, but `{Self}` is not a guard taken with a sleep token",
    label = "waiting on this guard would sleep in a context that must not sleep",
    note = "a `SpinLockGuard` remembers the token its lock was taken with (its third parameter, `NoWait` by default); only a lock taken with the caller's `MaySleep` (`lock.lock(cx)` in a `#[may_sleep]` function) can be released to sleep and re-taken",
    note = "fix: take the lock with the caller's `MaySleep` token `cx` (not a `NoWait`, nor a guard's `token()`), or do the waiting in a context that may sleep (a workqueue)"
)]
pub trait WaitGuard: sealed::Sealed {
    /// Drops the lock (and ends its atomic section), runs `f`, and
    /// re-takes the lock (also when `f` unwinds).
    #[doc(hidden)]
    fn __unlocked(&mut self, f: &mut dyn FnMut());
}

impl<T: ?Sized> sealed::Sealed for SpinLockGuard<'_, T, MaySleep> {}
impl<T: ?Sized> WaitGuard for SpinLockGuard<'_, T, MaySleep> {
    fn __unlocked(&mut self, f: &mut dyn FnMut()) {
        self.unlocked(|_| f());
    }
}

impl<T: ?Sized> sealed::Sealed for MutexGuard<'_, T> {}
impl<T: ?Sized> WaitGuard for MutexGuard<'_, T> {
    fn __unlocked(&mut self, f: &mut dyn FnMut()) {
        self.unlocked(f);
    }
}

/// A condition variable: the kernel's `CondVar` (a wait queue), waited on
/// with a held lock that is released while waiting and re-taken before the
/// wait returns.
///
/// Waiting sleeps, so the guard must be one whose lock was taken with a
/// sleep token ([`WaitGuard`]): a [`MutexGuard`], or a [`SpinLockGuard`]
/// from `lock(cx)` with the caller's `&mut MaySleep`. While waiting, the
/// spinlock is released and its atomic section is over (the atomic depth
/// is back to what it was before the lock); it is entered again and the
/// lock re-taken before the wait returns. Notifying never sleeps and needs
/// no token.
///
/// The simulation (`std` only) parks the thread on a `std::sync::Condvar`
/// and a notification count: a waiter reads the count while it still holds
/// the lock, so a notification sent after the waiter last looked at the
/// data (under the lock) always wakes it. Waits may also end spuriously,
/// as the kernel's: wait in a loop on the condition.
///
/// Rust-for-Linux's own example, with the tokens:
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use core::pin::Pin;
/// use alloc_ctx::prelude::*;
/// use alloc_ctx::init::{pin_data, pin_init};
/// use alloc_ctx::sync::{CondVar, Mutex};
///
/// #[pin_data]
/// pub struct Example {
///     #[pin]
///     value: Mutex<u32>,
///     #[pin]
///     value_changed: CondVar,
/// }
///
/// /// Waits for `e.value` to become `v`.
/// #[may_sleep]
/// fn wait_for_value(e: &Example, v: u32) {
///     let mut guard = e.value.lock(cx);
///     while *guard != v {
///         e.value_changed.wait(&mut guard);
///     }
/// }
///
/// /// Increments `e.value` and notifies all potential waiters.
/// #[may_sleep]
/// fn increment(e: &Example) {
///     *e.value.lock(cx) += 1;
///     e.value_changed.notify_all();
/// }
///
/// /// Allocates a new boxed `Example`.
/// #[may_sleep]
/// fn new_example() -> Result<Pin<KBox<Example>>> {
///     KBox::pin_init(pin_init!(Example {
///         value <- new_mutex!(0),
///         value_changed <- new_condvar!(),
///     }), GFP_KERNEL, cx)
/// }
///
/// let e = new_example(cx).unwrap();
/// alloc_ctx::thread::scope(cx, |s, cx| {
///     s.spawn(cx, |cx| increment(cx, &e));
///     wait_for_value(cx, &e, 1);
/// });
/// # }
/// ```
///
/// A wait on a spinlock taken with a `NoWait` does not compile:
///
/// ```compile_fail,E0277
/// use alloc_ctx::{NoWait, sync::{CondVar, SpinLock}};
/// let ready = SpinLock::new(false);
/// let cv = CondVar::new();
/// NoWait::enter(|nw| {
///     let mut guard = ready.lock(nw);
///     cv.wait(&mut guard); // error: `CondVar::wait` may sleep, but … is not a guard taken with a sleep token
/// });
/// ```
pub struct CondVar {
    /// Notifications sent so far; waiters sleep until it moves.
    sent: std::sync::Mutex<u64>,
    parked: std::sync::Condvar,
    // The kernel's `CondVar` is a pinned wait queue; kept `!Unpin` so that
    // code written for it (pinned fields, `new_condvar!`) ports unchanged.
    _pin: PhantomPinned,
}

impl CondVar {
    /// A new condition variable with no waiters (usable in a `static`).
    ///
    /// ```
    /// use alloc_ctx::sync::CondVar;
    /// static TX_DONE: CondVar = CondVar::new();
    /// TX_DONE.notify_all(); // no waiters: nothing happens
    /// ```
    pub const fn new() -> Self {
        CondVar { sent: std::sync::Mutex::new(0), parked: std::sync::Condvar::new(), _pin: PhantomPinned }
    }

    /// Releases the guard's lock, sleeps until notified, and re-takes the
    /// lock (`wait_event`-style; wait in a loop, wakeups may be spurious).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{atomic_depth, sync::{CondVar, SpinLock}};
    /// let ready = SpinLock::new(false);
    /// let cv = CondVar::new();
    /// alloc_ctx::thread::scope(cx, |s, cx| {
    ///     s.spawn(cx, |cx| {
    ///         *ready.lock(cx) = true;
    ///         cv.notify_one();
    ///     });
    ///     let mut guard = ready.lock(cx); // a sleep token: this guard may wait
    ///     while !*guard {
    ///         cv.wait(&mut guard);
    ///         assert_eq!(atomic_depth(), 1); // the section is entered again
    ///     }
    /// });
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// With "BUG: sleeping function called from invalid context" when the
    /// thread is still in an atomic section once the lock is released
    /// (another spinlock held, reachable only past the type system: a
    /// guard's `token()` kept across, or an `unsafe`-assumed token).
    #[track_caller]
    pub fn wait<G: WaitGuard + ?Sized>(&self, guard: &mut G) {
        let _ = self.sleep(guard, None);
    }

    /// As [`wait`](Self::wait), and also ends when a signal is pending;
    /// returns whether one is (Rust-for-Linux's `wait_interruptible`).
    /// This simulation has no signals: always `false`.
    #[track_caller]
    #[must_use = "a pending signal must be handled (returned as `ERESTARTSYS`)"]
    pub fn wait_interruptible<G: WaitGuard + ?Sized>(&self, guard: &mut G) -> bool {
        let _ = self.sleep(guard, None);
        false
    }

    /// As [`wait_interruptible`](Self::wait_interruptible), for at most
    /// `jiffies` ([`MAX_SCHEDULE_TIMEOUT`]: no limit); binder's wait loops
    /// call it on a spinlock guard.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::sync::{CondVar, CondVarTimeoutResult, SpinLock, msecs_to_jiffies};
    /// let work = SpinLock::new(0u32);
    /// let cv = CondVar::new();
    /// let mut guard = work.lock(cx);
    /// // Nobody notifies: the wait times out, with the lock held again.
    /// let r = cv.wait_interruptible_timeout(&mut guard, msecs_to_jiffies(5));
    /// assert_eq!(r, CondVarTimeoutResult::Timeout);
    /// *guard += 1;
    /// # }
    /// ```
    #[track_caller]
    pub fn wait_interruptible_timeout<G: WaitGuard + ?Sized>(
        &self,
        guard: &mut G,
        jiffies: Jiffies,
    ) -> CondVarTimeoutResult {
        let timeout =
            (jiffies != MAX_SCHEDULE_TIMEOUT).then(|| Duration::from_millis(jiffies.saturating_mul(1000) / HZ));
        match self.sleep(guard, timeout) {
            None => CondVarTimeoutResult::Woken { jiffies: MAX_SCHEDULE_TIMEOUT },
            Some(left) if left.is_zero() => CondVarTimeoutResult::Timeout,
            Some(left) => {
                let jiffies = u64::try_from(left.as_millis()).unwrap_or(u64::MAX).saturating_mul(HZ).div_ceil(1000);
                CondVarTimeoutResult::Woken { jiffies: jiffies.max(1) }
            }
        }
    }

    /// Wakes one waiter, if any (`wake_up()`). Never sleeps.
    pub fn notify_one(&self) {
        *self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.parked.notify_one();
    }

    /// Wakes every waiter (`wake_up_all()`). Never sleeps.
    pub fn notify_all(&self) {
        *self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        self.parked.notify_all();
    }

    /// Sleeps on the guard until notified or `timeout` passes; the time
    /// left (zero: timed out), `None` without a timeout.
    #[track_caller]
    fn sleep<G: WaitGuard + ?Sized>(&self, guard: &mut G, timeout: Option<Duration>) -> Option<Duration> {
        // Read while the caller's lock is still held: a notification sent
        // after the caller last looked at the data moves the count past it.
        let sent = self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen = *sent;
        // Moved into the one call of the closure below.
        let mut sent = Some(sent);
        let mut left = timeout;
        let mut still_atomic = false;
        guard.__unlocked(&mut || {
            // The lock is released and its section over: nothing else may
            // keep the thread atomic while it sleeps. If something does,
            // do not sleep; report it below, with the caller's place.
            // The count's own lock is released (dropped) before this
            // closure returns, so the lock is never re-taken while holding
            // it (a notifier holding the lock would wait for it).
            let Some(mut sent) = sent.take() else { return };
            if crate::context::state::atomic_depth() != 0 {
                still_atomic = true;
                return;
            }
            let start = std::time::Instant::now();
            while *sent == seen {
                match timeout {
                    None => sent = self.parked.wait(sent).unwrap_or_else(std::sync::PoisonError::into_inner),
                    Some(limit) => {
                        let elapsed = start.elapsed();
                        if elapsed >= limit {
                            left = Some(Duration::ZERO);
                            return;
                        }
                        sent = self
                            .parked
                            .wait_timeout(sent, limit - elapsed)
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .0;
                    }
                }
            }
            left = timeout.map(|limit| limit.saturating_sub(start.elapsed()).max(Duration::from_nanos(1)));
        });
        if still_atomic {
            // Panics: the thread is in an atomic section (at least the
            // re-taken lock's, and the one that stayed).
            crate::context::state::might_sleep();
        }
        left
    }
}

impl Default for CondVar {
    fn default() -> Self {
        CondVar::new()
    }
}

impl core::fmt::Debug for CondVar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CondVar").finish_non_exhaustive()
    }
}

/// A [`CondVar`] initialiser, for `pin_init!` (Rust-for-Linux's
/// `new_condvar!`): `new_condvar!()` or `new_condvar!("name")` (the name is
/// accepted and unused).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, init::{pin_data, pin_init}, new_condvar, new_spinlock, sync::{CondVar, SpinLock}};
/// #[pin_data]
/// struct Waitable { #[pin] ready: SpinLock<bool>, #[pin] changed: CondVar }
/// let w = KBox::pin_init(pin_init!(Waitable { ready <- new_spinlock!(false), changed <- new_condvar!("Waitable::changed") }), GFP_KERNEL, cx)
///     .unwrap();
/// w.changed.notify_all();
/// assert!(!*w.ready.lock(cx));
/// # }
/// ```
#[cfg(feature = "pin-init")]
#[macro_export]
macro_rules! new_condvar {
    ($($name:literal)? $(,)?) => {
        ::core::result::Result::<_, ::core::convert::Infallible>::Ok($crate::sync::CondVar::new())
    };
}
