//! Locks that know the context they create: [`SpinLock`], [`SpinLockIrq`]
//! and (with `std`) [`Mutex`].
//!
//! | lock | taken with | while held |
//! |---|---|---|
//! | [`SpinLock`] | `&mut MaySleep` ([`lock`](SpinLock::lock)) or a `NoWait` ([`lock_nowait`](SpinLock::lock_nowait)) | atomic: the guard hands out a `NoWait`; the sleep token is frozen |
//! | [`SpinLockIrq`] | the same, `lock_irqsave*` | atomic, and local interrupts disabled (see [`crate::irq`]) |
//! | [`Mutex`] | a sleep token only | the holder may keep sleeping |
//!
//! A spinlock is an atomic section, as in the kernel: `lock` borrows the
//! caller's [`MaySleep`] mutably for as long as the guard lives, so no
//! sleeping request (and no [`Mutex`]) can be reached through it, and the
//! thread's atomic depth is raised, so `might_sleep()` and the `MaySleep`
//! entry points panic if an `unsafe`-assumed token gets there anyway.
//!
//! ```
//! use alloc_ctx::{KVec, MaySleep, flags::*, sync::SpinLock};
//!
//! let tx_done = SpinLock::new(KVec::<u32>::new());
//! MaySleep::enter(|mut cx| {
//!     // Grow while sleeping is allowed, outside the lock.
//!     let mut spare = KVec::with_capacity(64, GFP_KERNEL, &cx).unwrap();
//!     let mut done = tx_done.lock(&mut cx);
//!     // Under the lock only non-blocking requests compile, through the
//!     // guard's token.
//!     let nw = done.token();
//!     done.push(42, GFP_ATOMIC, &nw).unwrap();
//!     core::mem::swap(&mut *done, &mut spare);
//!     drop(done);
//!     // Unlocked: `cx` may sleep again.
//!     spare.reserve(1024, GFP_KERNEL, &cx).unwrap();
//! });
//! ```
//!
//! While a spinlock guard lives, the sleep token cannot be used:
//!
//! ```compile_fail,E0502
//! use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}, sync::SpinLock};
//! let lock = SpinLock::new(0);
//! MaySleep::enter(|mut cx| {
//!     let guard = lock.lock(&mut cx);
//!     // error: cannot borrow `cx` as immutable because it is also borrowed as mutable
//!     let _ = cx.alloc(GFP_KERNEL, Size::<Kmalloc>::new(64).unwrap());
//!     drop(guard);
//! });
//! ```

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::context::{Mask, MaySleep, NoWait};
use crate::irq::IrqSave;
use crate::state::AtomicSection;

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
/// use alloc_ctx::{MaySleep, state::atomic_depth, sync::SpinLock};
/// let stats = SpinLock::new([0u64; 2]);
/// MaySleep::enter(|mut cx| {
///     let mut guard = stats.lock(&mut cx);
///     guard[0] += 1;
///     assert_eq!(atomic_depth(), 1);
/// });
/// assert_eq!(stats.into_inner(), [1, 0]);
/// ```
pub struct SpinLock<T: ?Sized> {
    raw: spin::mutex::SpinMutex<T>,
}

/// Proof that a [`SpinLock`] is held; unlocks when dropped.
///
/// Dereferences to the data and hands out the section's [`NoWait`] token.
/// `!Send`: the section belongs to the thread that entered it.
#[must_use = "the lock is released when the guard is dropped"]
pub struct SpinLockGuard<'g, T: ?Sized> {
    // Field order is drop order: unlock first, then end the atomic section
    // (`spin_unlock()` then `preempt_enable()`).
    raw: spin::mutex::SpinMutexGuard<'g, T>,
    _section: AtomicSection,
    token: NoWait<'g>,
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
        SpinLock { raw: spin::mutex::SpinMutex::new(value) }
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
    /// Takes the lock from a context that may sleep: enters an atomic
    /// section for as long as the guard lives.
    ///
    /// `cx` stays mutably borrowed while the guard (or a token it handed
    /// out) lives, so nothing that needs the sleep token compiles
    /// meanwhile; use [`SpinLockGuard::token`] for requests made under the
    /// lock.
    ///
    /// ```
    /// use alloc_ctx::{KBox, MaySleep, flags::*, sync::SpinLock};
    /// let slot = SpinLock::new(None);
    /// MaySleep::enter(|mut cx| {
    ///     let mut slot = slot.lock(&mut cx);
    ///     *slot = KBox::new(5u8, GFP_ATOMIC, &slot.token()).ok();
    ///     assert!(slot.is_some());
    /// });
    /// ```
    #[inline]
    pub fn lock<'g, M: Mask>(&'g self, cx: &'g mut MaySleep<'_, M>) -> SpinLockGuard<'g, T> {
        // The guard's token borrows `cx` for `'g`, like `cx.nowait()`.
        let cx: &'g MaySleep<'_, M> = cx;
        self.lock_with(cx.nowait())
    }

    /// Takes the lock from a context that must not sleep: inside another
    /// atomic section, an interrupt handler or a `#[nowait]` function.
    ///
    /// The guard cannot outlive `nw`'s section (for another guard's token:
    /// that lock's borrow of the sleep token). The atomic depth rises once
    /// more, as the kernel's `preempt_count` does for each nested spinlock.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, state::atomic_depth, sync::SpinLock};
    /// let queue = SpinLock::new(0);
    /// let stats = SpinLock::new(0);
    /// MaySleep::enter(|mut cx| {
    ///     let mut queue = queue.lock(&mut cx);
    ///     let mut stats = stats.lock_nowait(queue.token()); // nested
    ///     assert_eq!(atomic_depth(), 2);
    ///     *queue += 1;
    ///     *stats += 1;
    /// });
    /// ```
    #[inline]
    pub fn lock_nowait<'g>(&'g self, nw: NoWait<'g>) -> SpinLockGuard<'g, T> {
        self.lock_with(nw)
    }

    /// Takes the lock if it is free, from a context that must not sleep
    /// (`spin_trylock()`); `None` if another thread holds it.
    ///
    /// ```
    /// use alloc_ctx::{NoWait, sync::SpinLock};
    /// let lock = SpinLock::new(0);
    /// NoWait::enter(|nw| {
    ///     let held = lock.try_lock_nowait(nw).expect("free");
    ///     assert!(lock.try_lock_nowait(held.token()).is_none());
    /// });
    /// ```
    #[inline]
    pub fn try_lock_nowait<'g>(&'g self, nw: NoWait<'g>) -> Option<SpinLockGuard<'g, T>> {
        let section = AtomicSection::enter();
        // On `None` the section ends here, before returning.
        self.raw.try_lock().map(|raw| SpinLockGuard { raw, _section: section, token: nw })
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
    /// NoWait::enter(|nw| {
    ///     let _guard = lock.lock_nowait(nw);
    ///     assert!(lock.is_locked());
    /// });
    /// assert!(!lock.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    #[inline]
    fn lock_with<'g>(&'g self, token: NoWait<'g>) -> SpinLockGuard<'g, T> {
        // The section is entered before spinning, as `spin_lock()` disables
        // preemption first.
        let section = AtomicSection::enter();
        SpinLockGuard { raw: self.raw.lock(), _section: section, token }
    }
}

impl<'g, T: ?Sized> SpinLockGuard<'g, T> {
    /// The atomic section's token, for requests and nested locks made
    /// while the lock is held.
    ///
    /// The token lives as long as the lock's borrow (`'g`), not the borrow
    /// of the guard, so the data can be changed through the guard while the
    /// token is in hand. For a guard taken with [`SpinLock::lock`] that
    /// borrow is also the sleep token's: `cx` stays frozen while the token
    /// lives, even past the unlock.
    ///
    /// ```
    /// use alloc_ctx::{KVec, MaySleep, flags::*, sync::SpinLock};
    /// let ring = SpinLock::new(KVec::<u16>::new());
    /// MaySleep::enter(|mut cx| {
    ///     let mut ring = ring.lock(&mut cx);
    ///     let nw = ring.token();
    ///     assert!(ring.push(1, GFP_ATOMIC, &nw).is_ok());
    /// });
    /// ```
    #[inline]
    pub fn token(&self) -> NoWait<'g> {
        self.token
    }
}

impl<T: ?Sized> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.raw
    }
}

impl<T: ?Sized> DerefMut for SpinLockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.raw
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for SpinLockGuard<'_, T> {
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
/// use alloc_ctx::{MaySleep, irq, sync::SpinLockIrq};
/// let rx_frames = SpinLockIrq::new(0u32);
/// MaySleep::enter(|mut cx| {
///     irq::raise(|nw| *rx_frames.lock_irqsave_nowait(nw) += 1).unwrap(); // the handler
///     let frames = rx_frames.lock_irqsave(&mut cx); // process context
///     assert!(irq::irqs_disabled());
///     assert_eq!(*frames, 1);
/// });
/// ```
pub struct SpinLockIrq<T: ?Sized> {
    // The same lock; only the way in differs (interrupts disabled first).
    lock: SpinLock<T>,
}

/// Proof that a [`SpinLockIrq`] is held with local interrupts disabled;
/// unlocks and restores the interrupt state when dropped.
#[must_use = "the lock is released when the guard is dropped"]
pub struct SpinLockIrqGuard<'g, T: ?Sized> {
    // Field order is drop order: unlock and end the atomic section, then
    // restore interrupts (`spin_unlock_irqrestore()`).
    guard: SpinLockGuard<'g, T>,
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
    /// Takes the lock from a context that may sleep, with local interrupts
    /// disabled; `cx` is frozen while the guard (or its token) lives.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, irq::irqs_disabled, sync::SpinLockIrq};
    /// let lock = SpinLockIrq::new(0);
    /// MaySleep::enter(|mut cx| {
    ///     *lock.lock_irqsave(&mut cx) += 1;
    ///     assert!(!irqs_disabled()); // restored at unlock
    /// });
    /// ```
    #[inline]
    pub fn lock_irqsave<'g, M: Mask>(&'g self, cx: &'g mut MaySleep<'_, M>) -> SpinLockIrqGuard<'g, T> {
        // `local_irq_save()` before spinning: an interrupt taken while this
        // thread waits for, or holds, the lock must not be delivered here.
        let irqs = IrqSave::save();
        SpinLockIrqGuard { guard: self.lock.lock(cx), _irqs: irqs }
    }

    /// Takes the lock from a context that must not sleep (an interrupt
    /// handler, another lock's section), with local interrupts disabled.
    ///
    /// ```
    /// use alloc_ctx::{irq, sync::SpinLockIrq};
    /// let events = SpinLockIrq::new(0);
    /// irq::raise(|nw| *events.lock_irqsave_nowait(nw) += 1).unwrap();
    /// assert_eq!(events.into_inner(), 1);
    /// ```
    #[inline]
    pub fn lock_irqsave_nowait<'g>(&'g self, nw: NoWait<'g>) -> SpinLockIrqGuard<'g, T> {
        let irqs = IrqSave::save();
        SpinLockIrqGuard { guard: self.lock.lock_nowait(nw), _irqs: irqs }
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

impl<'g, T: ?Sized> SpinLockIrqGuard<'g, T> {
    /// The atomic section's token; as [`SpinLockGuard::token`], it lives as
    /// long as the lock's borrow.
    ///
    /// ```
    /// use alloc_ctx::{KBox, MaySleep, flags::*, sync::SpinLockIrq};
    /// let lock = SpinLockIrq::new(None);
    /// MaySleep::enter(|mut cx| {
    ///     let mut slot = lock.lock_irqsave(&mut cx);
    ///     *slot = KBox::new(1u32, GFP_ATOMIC, &slot.token()).ok();
    /// });
    /// ```
    #[inline]
    pub fn token(&self) -> NoWait<'g> {
        self.guard.token()
    }
}

impl<T: ?Sized> Deref for SpinLockIrqGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for SpinLockIrqGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for SpinLockIrqGuard<'_, T> {
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
mod mutex {
    use super::*;

    mod sealed {
        pub trait Sealed {}
    }

    /// A token that may take a [`Mutex`]: a [`MaySleep`] by value, `&` or
    /// `&mut`. Never a [`NoWait`]. Sealed.
    #[diagnostic::on_unimplemented(
        message = "`Mutex::lock` may sleep, but `{Self}` is not a sleep token",
        label = "a `Mutex` cannot be taken in a context that must not sleep",
        note = "`Mutex::lock` blocks until the holder unlocks; a `NoWait` token stands for a context that must not sleep (a spinlock or interrupt section, a `#[nowait]` function, a `nowait_scope`)",
        note = "fix: take the mutex before the atomic section, passing the `MaySleep` token (`&mut cx`), or protect data touched from atomic context with a `SpinLock`"
    )]
    pub trait MutexContext: sealed::Sealed {}

    impl<M: Mask> sealed::Sealed for MaySleep<'_, M> {}
    impl<M: Mask> sealed::Sealed for &MaySleep<'_, M> {}
    impl<M: Mask> sealed::Sealed for &mut MaySleep<'_, M> {}
    impl<M: Mask> MutexContext for MaySleep<'_, M> {}
    impl<M: Mask> MutexContext for &MaySleep<'_, M> {}
    impl<M: Mask> MutexContext for &mut MaySleep<'_, M> {}

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
    /// use alloc_ctx::{KVec, MaySleep, flags::*, sync::Mutex};
    /// let config = Mutex::new(KVec::<u32>::new());
    /// MaySleep::enter(|mut cx| {
    ///     let mut table = config.lock(&mut cx);
    ///     table.reserve(1024, GFP_KERNEL, &cx).unwrap(); // still may sleep
    ///     table.push(7, GFP_KERNEL, &cx).unwrap();
    /// });
    /// ```
    ///
    /// Locking with a `NoWait` token is a compile error:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{NoWait, sync::Mutex};
    /// let config = Mutex::new(0);
    /// NoWait::enter(|nw| {
    ///     // error: `Mutex::lock` may sleep, but `NoWait<'_>` is not a sleep token
    ///     *config.lock(nw) += 1;
    /// });
    /// ```
    ///
    /// and so is locking it under a spinlock, with its token:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, sync::{Mutex, SpinLock}};
    /// let config = Mutex::new(0);
    /// let stats = SpinLock::new(0);
    /// MaySleep::enter(|mut cx| {
    ///     let stats = stats.lock(&mut cx);
    ///     *config.lock(stats.token()) += 1; // error: not a sleep token
    /// });
    /// ```
    ///
    /// or with the frozen sleep token:
    ///
    /// ```compile_fail,E0499
    /// use alloc_ctx::{MaySleep, sync::{Mutex, SpinLock}};
    /// let config = Mutex::new(0);
    /// let stats = SpinLock::new(0);
    /// MaySleep::enter(|mut cx| {
    ///     let stats = stats.lock(&mut cx);
    ///     *config.lock(&mut cx) += 1; // error: `cx` is already borrowed by the spinlock guard
    ///     drop(stats);
    /// });
    /// ```
    pub struct Mutex<T: ?Sized> {
        inner: std::sync::Mutex<T>,
    }

    /// Proof that a [`Mutex`] is held; unlocks when dropped.
    #[must_use = "the mutex is released when the guard is dropped"]
    pub struct MutexGuard<'g, T: ?Sized> {
        inner: std::sync::MutexGuard<'g, T>,
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
        /// Inside an atomic section (reachable only with an `unsafe`-assumed
        /// token), with the "BUG: sleeping function called from invalid
        /// context" message of [`might_sleep`](crate::might_sleep), naming
        /// the caller.
        ///
        /// ```
        /// use alloc_ctx::{MaySleep, sync::Mutex};
        /// let a = Mutex::new(1);
        /// let b = Mutex::new(2);
        /// MaySleep::enter(|mut cx| {
        ///     let a = a.lock(&mut cx);
        ///     let b = b.lock(&cx); // the token is still usable
        ///     assert_eq!(*a + *b, 3);
        /// });
        /// ```
        #[inline]
        #[track_caller]
        pub fn lock<C: MutexContext>(&self, cx: C) -> MutexGuard<'_, T> {
            let _ = cx;
            crate::state::might_sleep();
            MutexGuard { inner: self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner) }
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
