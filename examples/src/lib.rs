//! Driver-shaped programs built on alloc-ctx. Each example's logic lives
//! here, so the test suite runs (and failure-sweeps) exactly what
//! `cargo run --example NAME` runs; the binaries in `examples/` only parse
//! options and print.

pub mod block_writeback;
pub mod btree_paths;
pub mod nic_driver;
pub mod pages;
