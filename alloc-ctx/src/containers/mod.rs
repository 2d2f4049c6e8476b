//! Layer 4, containers and locks: boxes, vectors, `Arc`, fallible cloning,
//! spin locks and the mutex. Every allocation goes down through
//! [`serve`](crate::request::serve).
//!
//! Imports from the layers below.

pub mod arc;
pub(crate) mod clone;
#[cfg(feature = "alloc")]
pub(crate) mod cstring;
#[cfg(feature = "pin-init")]
mod init;
pub(crate) mod kbox;
pub(crate) mod kvec;
#[cfg(all(debug_assertions, feature = "std"))]
pub(crate) mod lockdep;
pub(crate) mod pages;
pub mod sync;

/// The containers hold what their elements hold, for the `#[nowait]`
/// parameter probe (`context::token::probe`): a `KBox<&mut MaySleep>`
/// parameter is a sleep token as much as a `Box<&mut MaySleep>` is.
mod holds_sleep_token {
    use crate::context::token::probe::HoldsSleepToken;
    use crate::request::backend::Backend;
    use crate::vocab::size::Bound;

    impl<T: HoldsSleepToken + ?Sized, A: Backend> HoldsSleepToken for super::arc::Arc<T, A> {}
    impl<T: HoldsSleepToken + ?Sized, A: Backend> HoldsSleepToken for super::arc::UniqueArc<T, A> {}
    impl<T: HoldsSleepToken + ?Sized, B: Bound, A: Backend> HoldsSleepToken for super::kbox::BoundedBox<T, B, A> {}
    impl<T: HoldsSleepToken, B: Bound, A: Backend> HoldsSleepToken for super::kvec::BoundedVec<T, B, A> {}
    impl<T: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::SpinLock<T> {}
    impl<T: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::SpinLockIrq<T> {}
    // The errors that hand a value back hold what it holds.
    impl<T: HoldsSleepToken> HoldsSleepToken for super::kvec::PushError<T> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for super::kvec::CapacityError<T> {}
    #[cfg(feature = "std")]
    impl<T: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::Mutex<T> {}
    #[cfg(feature = "std")]
    impl<T: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::MutexGuard<'_, T> {}
    // A spinlock's guard holds the token the lock was taken with (`C`),
    // which `do_unlocked` lends back: a guard taken with a sleep token is
    // one. (Its data, `T`, is not looked into: one rule per type.)
    impl<T: ?Sized, C: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::SpinLockGuard<'_, T, C> {}
    impl<T: ?Sized, C: HoldsSleepToken + ?Sized> HoldsSleepToken for super::sync::SpinLockIrqGuard<'_, T, C> {}
}
