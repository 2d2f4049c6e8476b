//! Layer 3, the request path: backends, the one function that serves a
//! request (first attempt, reclaim, retry), shrinkers and failure reports.
//!
//! Imports from the vocabulary and the context.

pub mod backend;
pub mod reclaim;
pub mod report;
pub(crate) mod serve;
