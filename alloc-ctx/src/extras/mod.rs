//! Layer 5, the `std` extras: threads, the workqueue, mempools, failure
//! sweeps and the checking allocator. Built on the layers below; nothing below
//! imports them.

// Only where requests mark themselves (`context::state::enter_request`):
// without the mark it could not tell a token request's own allocation from
// a stray one.
#[cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))]
pub mod checking;
#[cfg(feature = "std")]
pub mod mempool;
#[cfg(feature = "std")]
pub mod sweep;
#[cfg(feature = "std")]
pub mod thread;
#[cfg(feature = "std")]
pub mod workqueue;

/// Drops a payload caught with `catch_unwind`, catching a panic of its own
/// `Drop` too: code that catches a panic to go on (the workqueue's worker,
/// the sweep runner) must not die when the payload is dropped outside
/// `catch_unwind`. The payload of a panicking `Drop` is dropped the same
/// way; after a few such nested payloads (a payload whose drop panics with
/// another such payload, forever) the last one is forgotten.
#[cfg(feature = "std")]
pub(crate) fn drop_panic_payload(payload: std::boxed::Box<dyn core::any::Any + Send>) {
    let mut payload = payload;
    for _ in 0..8 {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload))) {
            Ok(()) => return,
            Err(nested) => payload = nested,
        }
    }
    core::mem::forget(payload);
}
