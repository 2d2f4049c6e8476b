//! Layer 2, context: the per-thread state (atomic depth, NOFS/NOIO scope,
//! interrupt state), the capability tokens that stand for it, and local
//! interrupt control.
//!
//! Imports from the vocabulary only.

pub mod irq;
pub mod percpu;
pub(crate) mod state;
pub(crate) mod token;
