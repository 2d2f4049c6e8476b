//! A test backend: counts calls and live bytes, records the flags it was
//! given, and fails the calls it is told to.
#![allow(dead_code, unreachable_pub)]

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, PoisonError};

use alloc_ctx::backend::{Backend, Request, System};
use alloc_ctx::flags::Gfp;

/// A `Cell` that is `Sync`, so that a [`TestBackend`] can be shared with an
/// atomic section entered with `NoWait::enter` (whose closure must be
/// `Send`, so everything it borrows must be `Sync`).
#[derive(Default)]
pub struct SyncCell<T>(Mutex<T>);

impl<T: Copy> SyncCell<T> {
    pub fn get(&self) -> T {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set(&self, value: T) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

/// A `RefCell` that is `Sync`, as [`SyncCell`].
#[derive(Default)]
pub struct SyncRefCell<T>(Mutex<T>);

impl<T> SyncRefCell<T> {
    pub fn borrow(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn borrow_mut(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
pub struct TestBackend {
    /// Calls (allocate + reallocate) made so far.
    pub calls: SyncCell<usize>,
    /// Fail every call while set.
    pub fail_all: SyncCell<bool>,
    /// Fail this many calls, then succeed.
    pub fail_next: SyncCell<usize>,
    /// Bytes currently allocated.
    pub live_bytes: SyncCell<usize>,
    /// The flags of every call, in order.
    pub seen: SyncRefCell<Vec<Gfp>>,
}

impl TestBackend {
    pub fn new() -> Self {
        Self::default()
    }

    fn should_fail(&self, gfp: Gfp) -> bool {
        self.calls.set(self.calls.get() + 1);
        self.seen.borrow_mut().push(gfp);
        if self.fail_all.get() {
            return true;
        }
        if self.fail_next.get() > 0 {
            self.fail_next.set(self.fail_next.get() - 1);
            return true;
        }
        false
    }
}

// SAFETY: forwards to `System`, adding bookkeeping only.
unsafe impl Backend for TestBackend {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        if self.should_fail(request.gfp()) {
            return None;
        }
        let ptr = System.allocate(request)?;
        self.live_bytes.set(self.live_bytes.get() + request.layout().size());
        Some(ptr)
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        self.live_bytes.set(self.live_bytes.get() - layout.size());
        // SAFETY: the caller passes a block this backend got from `System`.
        unsafe { System.free(ptr, layout) }
    }

    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        if self.should_fail(request.gfp()) {
            return None;
        }
        // SAFETY: the caller's contract is forwarded to `System`.
        let fresh = unsafe { System.reallocate(ptr, old, request) }?;
        self.live_bytes.set(self.live_bytes.get() - old.size() + request.layout().size());
        Some(fresh)
    }
}

/// Silences the stderr failure report for tests that fail on purpose.
pub fn quiet_reports() {
    fn quiet(_: &alloc_ctx::report::AllocFailure) {}
    alloc_ctx::report::set_failure_hook(quiet);
}

/// `assert_not_impl!(T: Trait)` compiles only if `T` does not implement
/// `Trait`: with an impl, the method call below would be ambiguous.
#[allow(unused_macros)]
macro_rules! assert_not_impl {
    ($ty:ty: $($trait:tt)+) => {{
        trait AmbiguousIfImpl<A> {
            fn some_item() {}
        }
        impl<T: ?Sized> AmbiguousIfImpl<()> for T {}
        #[allow(dead_code)]
        struct Invalid;
        impl<T: ?Sized + $($trait)+> AmbiguousIfImpl<Invalid> for T {}
        let _ = <$ty as AmbiguousIfImpl<_>>::some_item;
    }};
}
#[allow(unused_imports)]
pub(crate) use assert_not_impl;

/// The message of a caught panic.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(std::string::ToString::to_string))
        .unwrap_or_default()
}
