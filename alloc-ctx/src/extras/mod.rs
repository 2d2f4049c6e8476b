//! Layer 5, the `std` extras: the workqueue, mempools, failure sweeps and
//! the checking allocator. Built on the layers below; nothing below
//! imports them.

#[cfg(feature = "std")]
pub mod checking;
#[cfg(feature = "std")]
pub mod mempool;
#[cfg(feature = "std")]
pub mod sweep;
#[cfg(feature = "std")]
pub mod workqueue;

/// Drops a payload caught with `catch_unwind`, catching a panic of its own
/// `Drop` too (whose payload is forgotten: it could panic again): code that
/// catches a panic to go on (the workqueue's worker, the sweep runner) must
/// not die when the payload is dropped outside `catch_unwind`.
#[cfg(feature = "std")]
pub(crate) fn drop_panic_payload(payload: std::boxed::Box<dyn core::any::Any + Send>) {
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
    if let Err(nested) = dropped {
        core::mem::forget(nested);
    }
}
