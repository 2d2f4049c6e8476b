//! Layer 5, the `std` extras: threads, the workqueue, mempools, failure
//! sweeps and the checking allocator. Built on the layers below; nothing below
//! imports them.

#[cfg(feature = "std")]
pub mod checking;
#[cfg(feature = "std")]
pub mod mempool;
#[cfg(feature = "std")]
pub mod sweep;
#[cfg(feature = "std")]
pub mod thread;
#[cfg(feature = "std")]
pub mod workqueue;
