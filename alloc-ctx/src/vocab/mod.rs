//! Layer 1, vocabulary: what a request is made of, with nothing at run time
//! but values. Type-level booleans, GFP flags and the rules over them,
//! checked sizes and their bounds, errors.
//!
//! Imports nothing from the layers above.

pub(crate) mod error;
pub(crate) mod family;
pub(crate) mod flags;
pub(crate) mod gfp;
pub(crate) mod rules;
pub(crate) mod size;
pub(crate) mod typelevel;
