//! Layer 5, the `std` extras: the workqueue, mempools, failure sweeps and
//! the checking allocator. Built on the layers below; nothing below
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
pub mod workqueue;
