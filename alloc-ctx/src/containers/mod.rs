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
