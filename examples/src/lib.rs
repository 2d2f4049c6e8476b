//! Shared helpers for the driver examples.
