//! Locks that know the context they create: [`SpinLock`], [`SpinLockIrq`]
//! and (with `std`) [`Mutex`].
//!
//! | lock | taken with | while held |
//! |---|---|---|
//! | [`SpinLock`] | any token `cx` ([`lock`](SpinLock::lock)) | atomic: the guard hands out a `NoWait`; the token used is frozen |
//! | [`SpinLockIrq`] | the same, [`lock_irqsave`](SpinLockIrq::lock_irqsave) | atomic, and local interrupts disabled (see [`crate::irq`]) |
//! | [`Mutex`] | a sleep token only | the holder may keep sleeping |
//!
//! A spinlock is an atomic section, as in the kernel: `lock` borrows the
//! caller's token (`&mut MaySleep` or `&mut NoWait`) mutably for as long as
//! the guard lives, so no sleeping request (and no [`Mutex`]) can be
//! reached through it, and the
//! thread's atomic depth is raised, so `might_sleep()` and the `MaySleep`
//! entry points panic if an `unsafe`-assumed token gets there anyway.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{KVec, flags::*, sync::SpinLock};
//!
//! let tx_done = SpinLock::new(KVec::<u32>::new());
//! // Grow while sleeping is allowed, outside the lock.
//! let mut spare = KVec::with_capacity(64, GFP_KERNEL, cx).unwrap();
//! let mut done = tx_done.lock(cx);
//! // Under the lock only non-blocking requests compile, through the
//! // guard's token.
//! let nw = done.token();
//! done.push(42, GFP_ATOMIC, nw).unwrap();
//! core::mem::swap(&mut *done, &mut spare);
//! drop(done);
//! // Unlocked: `cx` may sleep again.
//! spare.reserve(1024, GFP_KERNEL, cx).unwrap();
//! # }
//! ```
//!
//! While a spinlock guard lives, the sleep token cannot be used:
//!
//! ```compile_fail,E0499
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}, sync::SpinLock};
//! let lock = SpinLock::new(0);
//! let guard = lock.lock(cx);
//! // error: cannot borrow `*cx` as mutable more than once at a time
//! // (use `guard.token()` with `GFP_ATOMIC` under the lock)
//! let _ = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap());
//! drop(guard);
//! # }
//! ```
//!
//! A guard forgotten with `mem::forget` leaves the lock held and the
//! atomic section open, but releases the borrow of `cx`: the type system
//! cannot see that. The release-mode context check catches what follows:
//! a sleeping request through `cx` panics with "BUG: sleeping function
//! called from invalid context".

use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

use crate::context::irq::IrqSave;
use crate::context::state::AtomicSection;
use crate::context::token::{NoWait, Token};

/// A spinlock: the kernel's `spinlock_t` around a `T`.
///
/// Holding it is an atomic section: the guard yields a [`NoWait`] token
/// ([`SpinLockGuard::token`]), the sleep token used to take it is frozen by
/// the borrow checker until the guard is dropped, and the thread's atomic
/// depth is raised meanwhile (restored on unwind).
///
/// The raw lock is `spin::mutex::SpinMutex` from the `spin` crate: a small,
/// widely used `no_std` test-and-set lock that needs neither the OS nor an
/// allocator, so `SpinLock` is available without `std` (firmware, kernels).
/// This type only adds the context rules around it. As in the kernel, a
/// spinlock is not recursive: taking it again on the thread that holds it
/// spins forever.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{atomic_depth, sync::SpinLock};
/// let stats = SpinLock::new([0u64; 2]);
/// let mut guard = stats.lock(cx);
/// guard[0] += 1;
/// assert_eq!(atomic_depth(), 1);
/// drop(guard);
/// assert_eq!(stats.into_inner(), [1, 0]);
/// # }
/// ```
pub struct SpinLock<T: ?Sized> {
    /// How the lock has been taken, for the interrupt-safety check.
    #[cfg(all(debug_assertions, feature = "std"))]
    usage: crate::containers::lockdep::IrqUsage,
    raw: spin::mutex::SpinMutex<T>,
}

/// Proof that a [`SpinLock`] is held; unlocks when dropped.
///
/// Dereferences to the data and hands out the section's [`NoWait`] token.
/// `!Send`: the section belongs to the thread that entered it.
///
/// `C` is the token the lock was taken with ([`NoWait`] unless said
/// otherwise): the guard keeps the caller's `&mut C` for as long as it
/// lives, and gives it back while the lock is dropped for a moment
/// ([`do_unlocked`](Self::do_unlocked)); a guard taken with a sleep token
/// (`SpinLockGuard<'_, T, MaySleep>`) is one a
/// [`CondVar`](crate::sync::CondVar) may wait on. A helper generic over the
/// token returns `SpinLockGuard<'a, T, C>`.
#[must_use = "the lock is released when the guard is dropped"]
pub struct SpinLockGuard<'g, T: ?Sized, C: ?Sized = NoWait> {
    // Dropped by hand (`Drop`), in this order: unlock first, then end the
    // atomic section (`spin_unlock()` then `preempt_enable()`). Both are
    // live except inside `unlocked`, which re-creates them before
    // returning or unwinding.
    raw: ManuallyDrop<spin::mutex::SpinMutexGuard<'g, T>>,
    section: ManuallyDrop<AtomicSection>,
    lock: &'g spin::mutex::SpinMutex<T>,
    cx: &'g mut C,
}

impl<T: ?Sized, C: ?Sized> Drop for SpinLockGuard<'_, T, C> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: both are live (the type's invariant outside `unlocked`)
        // and dropped only here.
        unsafe {
            ManuallyDrop::drop(&mut self.raw);
            ManuallyDrop::drop(&mut self.section);
        }
    }
}

impl<T> SpinLock<T> {
    /// A new unlocked spinlock (usable in a `static`).
    ///
    /// ```
    /// use alloc_ctx::sync::SpinLock;
    /// static RX_DROPPED: SpinLock<u64> = SpinLock::new(0);
    /// ```
    #[inline]
    pub const fn new(value: T) -> Self {
        SpinLock {
            #[cfg(all(debug_assertions, feature = "std"))]
            usage: crate::containers::lockdep::IrqUsage::new(),
            raw: spin::mutex::SpinMutex::new(value),
        }
    }

    /// The data, consuming the lock (no one else can hold it).
    ///
    /// ```
    /// assert_eq!(alloc_ctx::sync::SpinLock::new(3).into_inner(), 3);
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.raw.into_inner()
    }
}

impl<T: ?Sized> SpinLock<T> {
    /// Takes the lock: enters an atomic section for as long as the guard
    /// lives (`spin_lock()`).
    ///
    /// `cx` is the caller's token, `&mut MaySleep` or `&mut NoWait`; it stays
    /// mutably borrowed while the guard (or a token it handed out) lives,
    /// so nothing that needs it compiles meanwhile. Use
    /// [`SpinLockGuard::token`] for requests and nested locks made under
    /// the lock. The atomic depth rises once per lock held, as the kernel's
    /// `preempt_count` does.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, atomic_depth, flags::*, sync::SpinLock};
    /// let slot = SpinLock::new(None);
    /// let stats = SpinLock::new(0);
    /// let mut slot = slot.lock(cx);
    /// *slot = KBox::new(5u8, GFP_ATOMIC, slot.token()).ok();
    /// let mut stats = stats.lock(slot.token()); // nested
    /// assert_eq!(atomic_depth(), 2);
    /// *stats += 1;
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// In debug builds with `std`, when the lock has been taken both in an
    /// interrupt handler and with interrupts enabled (the kernel lockdep's
    /// "inconsistent lock state": use a `SpinLockIrq` for data shared with
    /// a handler), naming both places.
    #[inline]
    #[track_caller]
    pub fn lock<'g, C: Token + ?Sized>(&'g self, cx: &'g mut C) -> SpinLockGuard<'g, T, C> {
        #[cfg(all(debug_assertions, feature = "std"))]
        self.usage.record("SpinLock");
        // The section is entered before spinning, as `spin_lock()` disables
        // preemption first.
        let section = ManuallyDrop::new(AtomicSection::enter());
        SpinLockGuard { raw: ManuallyDrop::new(self.raw.lock()), section, lock: &self.raw, cx }
    }

    /// Takes the lock if it is free (`spin_trylock()`); `None` if another
    /// thread holds it. `cx` is borrowed as by [`lock`](Self::lock).
    ///
    /// ```
    /// use alloc_ctx::{NoWait, sync::SpinLock};
    /// let lock = SpinLock::new(0);
    /// NoWait::enter(|cx| {
    ///     let held = lock.try_lock(cx).expect("free");
    ///     assert!(lock.try_lock(held.token()).is_none());
    /// });
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "if unused the lock, when taken, is released at once"]
    pub fn try_lock<'g, C: Token + ?Sized>(&'g self, cx: &'g mut C) -> Option<SpinLockGuard<'g, T, C>> {
        #[cfg(all(debug_assertions, feature = "std"))]
        self.usage.record("SpinLock");
        let section = AtomicSection::enter();
        // On `None` the section ends here, before returning.
        let raw = self.raw.try_lock()?;
        Some(SpinLockGuard { raw: ManuallyDrop::new(raw), section: ManuallyDrop::new(section), lock: &self.raw, cx })
    }

    /// The data, through exclusive access to the lock (no locking needed).
    ///
    /// ```
    /// let mut lock = alloc_ctx::sync::SpinLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.raw.get_mut()
    }

    /// Whether some thread holds the lock now (a racy hint, for
    /// diagnostics and assertions).
    ///
    /// ```
    /// use alloc_ctx::{NoWait, sync::SpinLock};
    /// let lock = SpinLock::new(());
    /// NoWait::enter(|cx| {
    ///     let _guard = lock.lock(cx);
    ///     assert!(lock.is_locked());
    /// });
    /// assert!(!lock.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }
}

impl<'g, T: ?Sized, C: ?Sized> SpinLockGuard<'g, T, C> {
    /// The atomic section's token, for requests and nested locks made
    /// while the lock is held.
    ///
    /// The token lives as long as the lock's borrow (`'g`), not the borrow
    /// of the guard, so the data can be changed through the guard while the
    /// token is in hand. That borrow is also the caller's token's: `cx`
    /// stays frozen while the returned token lives, even past the unlock.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*, sync::SpinLock};
    /// let ring = SpinLock::new(KVec::<u16>::new());
    /// let mut ring = ring.lock(cx);
    /// let nw = ring.token();
    /// assert!(ring.push(1, GFP_ATOMIC, nw).is_ok());
    /// # }
    /// ```
    #[inline]
    pub fn token(&self) -> &'g mut NoWait {
        NoWait::for_section()
    }

    /// The data and the section's token at once, for a request made for
    /// the data in one call (`guard.push(x, GFP_ATOMIC, guard.token())`
    /// does not borrow-check: the call borrows the guard mutably first).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*, sync::SpinLock};
    /// let ring = SpinLock::new(KVec::<u16>::new());
    /// let mut guard = ring.lock(cx);
    /// let (ring, cx) = guard.split();
    /// assert!(ring.push(1, GFP_ATOMIC, cx).is_ok());
    /// # }
    /// ```
    #[inline]
    pub fn split(&mut self) -> (&mut T, &'g mut NoWait) {
        (&mut self.raw, NoWait::for_section())
    }

    /// Drops the lock, runs `cb` with the token the lock was taken with,
    /// and takes the lock again (Rust-for-Linux's `Guard::do_unlocked`,
    /// with the token). Meanwhile the atomic section is over: taken with a
    /// sleep token, `cb` may sleep (allocate with `GFP_KERNEL` after a
    /// `GFP_NOWAIT` attempt under the lock failed); taken with a
    /// [`NoWait`], it gets that `NoWait` and may not.
    ///
    /// The data may have changed when `cb` returns: another thread may have
    /// taken the lock meanwhile. The lock is taken again also when `cb`
    /// panics.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, atomic_depth, flags::*, sync::SpinLock};
    /// let slot = SpinLock::new(None);
    /// let mut guard = slot.lock(cx);
    /// let page = match KBox::new([0u8; 4096], GFP_NOWAIT | __GFP_NOWARN, guard.token()) {
    ///     Ok(page) => page,
    ///     // No memory without sleeping: unlock, sleep for it, relock.
    ///     Err(_) => guard.do_unlocked(|cx| {
    ///         assert_eq!(atomic_depth(), 0);
    ///         KBox::new([0u8; 4096], GFP_KERNEL, cx).unwrap()
    ///     }),
    /// };
    /// assert_eq!(atomic_depth(), 1);
    /// *guard = Some(page);
    /// # }
    /// ```
    ///
    /// A lock taken with a `NoWait` lends that `NoWait`, so a sleeping
    /// request does not compile in `cb`:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{KBox, NoWait, flags::*, sync::SpinLock};
    /// let slot = SpinLock::new(None);
    /// NoWait::enter(|nw| {
    ///     let mut guard = slot.lock(nw);
    ///     // error: `GFP_KERNEL` may sleep
    ///     *guard = guard.do_unlocked(|cx| KBox::new(0u8, GFP_KERNEL, cx).ok());
    /// });
    /// ```
    ///
    /// A token obtained from [`token`](Self::token) before the call lives
    /// on through it; a nested lock taken with it stays held while `cb`
    /// runs, so the section does not end and a sleeping request in `cb`
    /// panics with "BUG: sleeping function called from invalid context" (the
    /// run-time check; the type system does not see that nesting).
    #[inline]
    pub fn do_unlocked<U>(&mut self, cb: impl FnOnce(&mut C) -> U) -> U {
        self.unlocked(cb)
    }

    /// Unlocks and ends the section, runs `f` with the caller's token,
    /// then re-enters the section and relocks (also when `f` unwinds).
    fn unlocked<U>(&mut self, f: impl FnOnce(&mut C) -> U) -> U {
        /// Re-takes the lock when dropped: on return and on unwind.
        struct Relock<'a, 'g, T: ?Sized, C: ?Sized>(&'a mut SpinLockGuard<'g, T, C>);
        impl<T: ?Sized, C: ?Sized> Drop for Relock<'_, '_, T, C> {
            fn drop(&mut self) {
                let guard = &mut *self.0;
                // As `lock`: the section first, then spin. The old values
                // were dropped in `unlocked`; `ManuallyDrop` assignment
                // drops nothing.
                guard.section = ManuallyDrop::new(AtomicSection::enter());
                guard.raw = ManuallyDrop::new(guard.lock.lock());
            }
        }
        // SAFETY: both are live (the guard's invariant) and are re-created
        // by `Relock` before the guard is used or dropped again, whether
        // `f` returns or unwinds.
        unsafe {
            ManuallyDrop::drop(&mut self.raw);
            ManuallyDrop::drop(&mut self.section);
        }
        let relock = Relock(self);
        f(&mut *relock.0.cx)
    }
}

impl<T: ?Sized, C: ?Sized> Deref for SpinLockGuard<'_, T, C> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: ?Sized, C: ?Sized> DerefMut for SpinLockGuard<'_, T, C> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.raw
    }
}

impl<T: ?Sized + fmt::Debug, C: ?Sized> fmt::Debug for SpinLockGuard<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never spins: showing a lock must not take it.
        f.debug_struct("SpinLock").field("locked", &self.is_locked()).finish_non_exhaustive()
    }
}

impl<T: Default> Default for SpinLock<T> {
    fn default() -> Self {
        SpinLock::new(T::default())
    }
}

/// A spinlock for data shared with interrupt handlers: the kernel's
/// `spin_lock_irqsave()` / `spin_unlock_irqrestore()`.
///
/// Taking it disables local interrupts on the current thread (see
/// [`crate::irq`]) and enters an atomic section, until the guard is
/// dropped; the previous interrupt state is restored then (also on unwind),
/// so it nests. With interrupts disabled, an interrupt raised on this
/// thread through [`irq::raise`](crate::irq::raise) is not delivered, so a
/// handler that takes the same lock cannot spin on the lock its own
/// interrupted thread holds.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{irq, sync::SpinLockIrq};
/// let rx_frames = SpinLockIrq::new(0u32);
/// irq::raise(|cx| *rx_frames.lock_irqsave(cx) += 1).unwrap(); // the handler
/// let frames = rx_frames.lock_irqsave(cx); // process context
/// assert!(irq::irqs_disabled());
/// assert_eq!(*frames, 1);
/// # }
/// ```
pub struct SpinLockIrq<T: ?Sized> {
    // The same lock; only the way in differs (interrupts disabled first).
    lock: SpinLock<T>,
}

/// Proof that a [`SpinLockIrq`] is held with local interrupts disabled;
/// unlocks and restores the interrupt state when dropped.
#[must_use = "the lock is released when the guard is dropped"]
///
/// `C` is the token the lock was taken with, as for [`SpinLockGuard`].
pub struct SpinLockIrqGuard<'g, T: ?Sized, C: ?Sized = NoWait> {
    // Field order is drop order: unlock and end the atomic section, then
    // restore interrupts (`spin_unlock_irqrestore()`).
    guard: SpinLockGuard<'g, T, C>,
    _irqs: IrqSave,
}

impl<T> SpinLockIrq<T> {
    /// A new unlocked irq-safe spinlock (usable in a `static`).
    ///
    /// ```
    /// use alloc_ctx::sync::SpinLockIrq;
    /// static RX_RING_HEAD: SpinLockIrq<usize> = SpinLockIrq::new(0);
    /// ```
    #[inline]
    pub const fn new(value: T) -> Self {
        SpinLockIrq { lock: SpinLock::new(value) }
    }

    /// The data, consuming the lock.
    ///
    /// ```
    /// assert_eq!(alloc_ctx::sync::SpinLockIrq::new('x').into_inner(), 'x');
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.lock.into_inner()
    }
}

impl<T: ?Sized> SpinLockIrq<T> {
    /// Takes the lock with local interrupts disabled
    /// (`spin_lock_irqsave()`); `cx` (either token) is frozen while the
    /// guard (or its token) lives, and the interrupt state is restored at
    /// unlock.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{irq::{self, irqs_disabled}, sync::SpinLockIrq};
    /// let lock = SpinLockIrq::new(0);
    /// {
    ///     *lock.lock_irqsave(cx) += 1;
    ///     assert!(!irqs_disabled()); // restored at unlock
    /// };
    /// irq::raise(|cx| *lock.lock_irqsave(cx) += 1).unwrap(); // from a handler
    /// assert_eq!(lock.into_inner(), 2);
    /// # }
    /// ```
    #[inline]
    pub fn lock_irqsave<'g, C: Token + ?Sized>(&'g self, cx: &'g mut C) -> SpinLockIrqGuard<'g, T, C> {
        // `local_irq_save()` before spinning: an interrupt taken while this
        // thread waits for, or holds, the lock must not be delivered here.
        let irqs = IrqSave::save();
        SpinLockIrqGuard { guard: self.lock.lock(cx), _irqs: irqs }
    }

    /// Takes the lock with local interrupts disabled if it is free
    /// (`spin_trylock_irqsave()`); `None` if another thread holds it, with
    /// the interrupt state restored. `cx` is borrowed as by
    /// [`lock_irqsave`](Self::lock_irqsave).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, irq::irqs_disabled, sync::SpinLockIrq};
    /// let lock = SpinLockIrq::new(0);
    /// {
    ///     let mut held = lock.try_lock(cx).expect("free");
    ///     assert!(irqs_disabled());
    ///     *held += 1;
    ///     assert!(lock.try_lock(held.token()).is_none()); // held: no spinning
    ///     assert!(irqs_disabled()); // still, for the first guard
    /// };
    /// assert!(!irqs_disabled());
    /// # }
    /// ```
    #[inline]
    #[must_use = "if unused the lock, when taken, is released at once"]
    pub fn try_lock<'g, C: Token + ?Sized>(&'g self, cx: &'g mut C) -> Option<SpinLockIrqGuard<'g, T, C>> {
        let irqs = IrqSave::save();
        // On `None` the interrupt state is restored here, before returning.
        self.lock.try_lock(cx).map(|guard| SpinLockIrqGuard { guard, _irqs: irqs })
    }

    /// The data, through exclusive access to the lock.
    ///
    /// ```
    /// let mut lock = alloc_ctx::sync::SpinLockIrq::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.lock.get_mut()
    }

    /// Whether some thread holds the lock now (a racy hint).
    ///
    /// ```
    /// assert!(!alloc_ctx::sync::SpinLockIrq::new(()).is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }
}

impl<'g, T: ?Sized, C: ?Sized> SpinLockIrqGuard<'g, T, C> {
    /// The atomic section's token; as [`SpinLockGuard::token`], it lives as
    /// long as the lock's borrow.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, flags::*, sync::SpinLockIrq};
    /// let lock = SpinLockIrq::new(None);
    /// let mut slot = lock.lock_irqsave(cx);
    /// *slot = KBox::new(1u32, GFP_ATOMIC, slot.token()).ok();
    /// # }
    /// ```
    #[inline]
    pub fn token(&self) -> &'g mut NoWait {
        self.guard.token()
    }

    /// The data and the section's token at once; see
    /// [`SpinLockGuard::split`].
    #[inline]
    pub fn split(&mut self) -> (&mut T, &'g mut NoWait) {
        self.guard.split()
    }
}

impl<T: ?Sized, C: ?Sized> Deref for SpinLockIrqGuard<'_, T, C> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized, C: ?Sized> DerefMut for SpinLockIrqGuard<'_, T, C> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: ?Sized + fmt::Debug, C: ?Sized> fmt::Debug for SpinLockIrqGuard<'_, T, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> fmt::Debug for SpinLockIrq<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpinLockIrq").field("locked", &self.is_locked()).finish_non_exhaustive()
    }
}

impl<T: Default> Default for SpinLockIrq<T> {
    fn default() -> Self {
        SpinLockIrq::new(T::default())
    }
}

#[cfg(feature = "std")]
pub use self::mutex::{Mutex, MutexContext, MutexGuard};

#[cfg(feature = "std")]
mod condvar;
#[cfg(feature = "std")]
pub use self::condvar::{
    CondVar, CondVarTimeoutResult, HZ, Jiffies, MAX_SCHEDULE_TIMEOUT, WaitGuard, msecs_to_jiffies,
};

#[cfg(feature = "std")]
mod mutex {
    use super::*;
    use crate::context::token::SleepToken;

    mod sealed {
        // A seal: unnameable outside its module on purpose, so that only this
        // crate implements the traits it seals (`unnameable_types` flags every
        // seal).
        #[allow(unnameable_types)]
        pub trait Sealed {}
    }

    /// A token that may take a [`Mutex`]: every sleep token
    /// ([`MaySleep`](crate::MaySleep), or generic code's `impl SleepToken`),
    /// passed as `&mut`. Never a [`NoWait`]. Sealed.
    #[diagnostic::on_unimplemented(
        message = "a `Mutex` belongs to process context (`lock` may sleep, `try_lock` needs a task to own it), but `{Self}` is not a sleep token",
        label = "a `Mutex` cannot be taken in a context that must not sleep",
        note = "`Mutex::lock` blocks until the holder unlocks, and the kernel forbids `mutex_trylock()` in interrupt context; a `NoWait` token stands for a context that must not sleep (a spinlock or interrupt section, a `#[nowait]` function, a `nowait_scope`)",
        note = "fix: take the mutex before the atomic section, passing the caller's `MaySleep` token `cx`, or protect data touched from atomic context with a `SpinLock`"
    )]
    // `HoldsSleepToken`, as `SleepToken`'s supertrait: a bound that implies
    // `MutexContext` makes the type a sleep token to the `#[nowait]`
    // parameter probe.
    pub trait MutexContext: sealed::Sealed + crate::context::token::probe::HoldsSleepToken {}

    // Every sleep token (`MaySleep`, and generic code's `impl SleepToken`).
    impl<T: SleepToken + ?Sized> sealed::Sealed for T {}
    impl<T: SleepToken + ?Sized> MutexContext for T {}

    /// A sleeping lock: the kernel's `struct mutex` around a `T`, over
    /// `std::sync::Mutex`.
    ///
    /// Taking it may block, so it needs a sleep token: a [`NoWait`] (a
    /// spinlock guard's, an interrupt handler's) does not compile, and
    /// inside an atomic section the caller's `MaySleep` is frozen anyway.
    /// The guard does not borrow the token: the holder may keep sleeping
    /// (allocate with `GFP_KERNEL`, take more mutexes).
    ///
    /// Poisoning is ignored, as the kernel's mutex has none: when a holder
    /// panics, the next `lock` gets the data as the panicking holder left
    /// it. Keep the data consistent at every point a holder may panic, or
    /// rebuild it when a panic is caught.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, flags::*, sync::Mutex};
    /// let config = Mutex::new(KVec::<u32>::new());
    /// let mut table = config.lock(cx);
    /// table.reserve(1024, GFP_KERNEL, cx).unwrap(); // still may sleep
    /// table.push(7, GFP_KERNEL, cx).unwrap();
    /// # }
    /// ```
    ///
    /// Locking with a `NoWait` token is a compile error:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{NoWait, sync::Mutex};
    /// let config = Mutex::new(0);
    /// NoWait::enter(|cx| {
    ///     // error: `Mutex::lock` may sleep, but `NoWait` is not a sleep token
    ///     *config.lock(cx) += 1;
    /// });
    /// ```
    ///
    /// and so is locking it under a spinlock, with its token:
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, sync::{Mutex, SpinLock}};
    /// let config = Mutex::new(0);
    /// let stats = SpinLock::new(0);
    /// {
    ///     let stats = stats.lock(cx);
    ///     *config.lock(stats.token()) += 1; // error: not a sleep token
    /// };
    /// # }
    /// ```
    ///
    /// or with the frozen sleep token:
    ///
    /// ```compile_fail,E0499
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, sync::{Mutex, SpinLock}};
    /// let config = Mutex::new(0);
    /// let stats = SpinLock::new(0);
    /// let stats = stats.lock(cx);
    /// *config.lock(cx) += 1; // error: `*cx` is already borrowed by the spinlock guard
    /// drop(stats);
    /// # }
    /// ```
    pub struct Mutex<T: ?Sized> {
        inner: std::sync::Mutex<T>,
    }

    /// Proof that a [`Mutex`] is held; unlocks when dropped.
    #[must_use = "the mutex is released when the guard is dropped"]
    pub struct MutexGuard<'g, T: ?Sized> {
        // Live except inside `unlocked`, which re-creates it before
        // returning or unwinding; dropped by hand (`Drop`).
        pub(super) inner: ManuallyDrop<std::sync::MutexGuard<'g, T>>,
        pub(super) lock: &'g std::sync::Mutex<T>,
    }

    impl<T: ?Sized> Drop for MutexGuard<'_, T> {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: live (the invariant outside `unlocked`), dropped only
            // here.
            unsafe { ManuallyDrop::drop(&mut self.inner) };
        }
    }

    impl<'g, T: ?Sized> MutexGuard<'g, T> {
        #[inline]
        fn new(inner: std::sync::MutexGuard<'g, T>, lock: &'g std::sync::Mutex<T>) -> Self {
            MutexGuard { inner: ManuallyDrop::new(inner), lock }
        }

        /// Drops the mutex, runs `cb`, and takes the mutex again
        /// (Rust-for-Linux's `Guard::do_unlocked`). A mutex guard does not
        /// hold the caller's token (the holder keeps sleeping with it), so
        /// `cb` uses the caller's `cx` directly. The data may have changed
        /// when `cb` returns; the mutex is taken again also when `cb`
        /// panics.
        ///
        /// ```
        /// # #[alloc_ctx::may_sleep(entry)] fn main() {
        /// use alloc_ctx::{KVec, flags::*, sync::Mutex};
        /// let table = Mutex::new(KVec::<u32>::new());
        /// let mut guard = table.lock(cx);
        /// // Build the spare outside the mutex, so that readers are not held up.
        /// let spare = guard.do_unlocked(|| KVec::<u32>::with_capacity(1024, GFP_KERNEL, cx).unwrap());
        /// *guard = spare;
        /// assert!(guard.capacity() >= 1024);
        /// # }
        /// ```
        #[inline]
        pub fn do_unlocked<U>(&mut self, cb: impl FnOnce() -> U) -> U {
            self.unlocked(cb)
        }

        /// Unlocks, runs `f`, relocks (also when `f` unwinds).
        pub(super) fn unlocked<U>(&mut self, f: impl FnOnce() -> U) -> U {
            struct Relock<'a, 'g, T: ?Sized>(&'a mut MutexGuard<'g, T>);
            impl<T: ?Sized> Drop for Relock<'_, '_, T> {
                fn drop(&mut self) {
                    let guard = &mut *self.0;
                    let inner = guard.lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    // The old guard was dropped in `unlocked`; assigning a
                    // `ManuallyDrop` drops nothing.
                    guard.inner = ManuallyDrop::new(inner);
                }
            }
            // SAFETY: live (the invariant), and re-created by `Relock`
            // before the guard is used or dropped again, whether `f`
            // returns or unwinds.
            unsafe { ManuallyDrop::drop(&mut self.inner) };
            let _relock = Relock(self);
            f()
        }
    }

    impl<T> Mutex<T> {
        /// A new unlocked mutex (usable in a `static`).
        ///
        /// ```
        /// use alloc_ctx::sync::Mutex;
        /// static FIRMWARE_NAME: Mutex<&str> = Mutex::new("none");
        /// ```
        #[inline]
        pub const fn new(value: T) -> Self {
            Mutex { inner: std::sync::Mutex::new(value) }
        }

        /// The data, consuming the mutex (poisoning ignored).
        ///
        /// ```
        /// assert_eq!(alloc_ctx::sync::Mutex::new(5).into_inner(), 5);
        /// ```
        #[inline]
        pub fn into_inner(self) -> T {
            self.inner.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }

    impl<T: ?Sized> Mutex<T> {
        /// Takes the mutex, blocking until it is free.
        ///
        /// `cx` is only borrowed for the call; the guard lives on its own,
        /// so the holder may keep using its sleep token.
        ///
        /// # Panics
        ///
        /// Inside an atomic section (reachable only past the type system: a
        /// captured, leaked or `unsafe`-assumed token), with the "BUG: sleeping function called from invalid
        /// context" message of [`might_sleep`](crate::might_sleep), naming
        /// the caller.
        ///
        /// ```
        /// # #[alloc_ctx::may_sleep(entry)] fn main() {
        /// use alloc_ctx::sync::Mutex;
        /// let a = Mutex::new(1);
        /// let b = Mutex::new(2);
        /// let a = a.lock(cx);
        /// let b = b.lock(cx); // the token is still usable
        /// assert_eq!(*a + *b, 3);
        /// # }
        /// ```
        #[inline]
        #[track_caller]
        pub fn lock<C: MutexContext + ?Sized>(&self, cx: &mut C) -> MutexGuard<'_, T> {
            let _ = cx;
            crate::context::state::might_sleep();
            MutexGuard::new(self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner), &self.inner)
        }

        /// Takes the mutex if it is free (`mutex_trylock()`); `None`, at
        /// once, if someone holds it. It never sleeps, but it still takes a
        /// sleep token, as [`lock`](Self::lock): the kernel's
        /// `mutex_trylock()` must not be used in interrupt context, and a
        /// [`NoWait`] may stand for one. Poisoning is ignored.
        ///
        /// ```
        /// # #[alloc_ctx::may_sleep(entry)] fn main() {
        /// use alloc_ctx::{MaySleep, sync::Mutex};
        /// let config = Mutex::new(1);
        /// let held = config.try_lock(cx).expect("free");
        /// assert!(config.try_lock(cx).is_none()); // held: no waiting
        /// drop(held);
        /// *config.try_lock(cx).expect("free again") += 1;
        /// assert_eq!(config.into_inner(), 2);
        /// # }
        /// ```
        ///
        /// With a `NoWait` token it does not compile, as `lock`:
        ///
        /// ```compile_fail,E0277
        /// use alloc_ctx::{NoWait, sync::Mutex};
        /// let config = Mutex::new(0);
        /// NoWait::enter(|cx| {
        ///     let _ = config.try_lock(cx); // error: `NoWait` is not a sleep token
        /// });
        /// ```
        #[inline]
        #[must_use = "if unused the mutex, when taken, is released at once"]
        pub fn try_lock<C: MutexContext + ?Sized>(&self, cx: &mut C) -> Option<MutexGuard<'_, T>> {
            let _ = cx;
            match self.inner.try_lock() {
                Ok(inner) => Some(MutexGuard::new(inner, &self.inner)),
                Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                    Some(MutexGuard::new(poisoned.into_inner(), &self.inner))
                }
                Err(std::sync::TryLockError::WouldBlock) => None,
            }
        }

        /// The data, through exclusive access to the mutex.
        ///
        /// ```
        /// let mut m = alloc_ctx::sync::Mutex::new(1);
        /// *m.get_mut() += 1;
        /// assert_eq!(m.into_inner(), 2);
        /// ```
        #[inline]
        pub fn get_mut(&mut self) -> &mut T {
            self.inner.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }

    impl<T: ?Sized> Deref for MutexGuard<'_, T> {
        type Target = T;
        #[inline]
        fn deref(&self) -> &T {
            &self.inner
        }
    }

    impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
        #[inline]
        fn deref_mut(&mut self) -> &mut T {
            &mut self.inner
        }
    }

    impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(&**self, f)
        }
    }

    impl<T: ?Sized> fmt::Debug for Mutex<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Mutex").finish_non_exhaustive()
        }
    }

    impl<T: Default> Default for Mutex<T> {
        fn default() -> Self {
            Mutex::new(T::default())
        }
    }
}
