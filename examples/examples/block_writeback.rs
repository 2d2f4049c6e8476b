//! A block device's write-back inside a NOIO scope: reclaim skips the
//! shrinkers that would recurse into I/O or the filesystem.
//!
//! ```text
//! cargo run --example block_writeback
//! ```
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_macros,
    reason = "a front end that sets up the simulated machine and prints, not driver code"
)]

use std::sync::Arc;

use alloc_ctx::backend::Budget;
use alloc_ctx_examples::block_writeback::{self, Config, PAGE_SIZE};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let config = Config::default();
    let pages = config.clean_pages + config.dirty_pages + config.inodes + config.headroom_pages;
    let budget = Arc::new(Budget::new(pages * PAGE_SIZE));
    println!("block_writeback: {pages} pages of memory, {} dirty pages to write back", config.dirty_pages);
    let summary = block_writeback::run(cx, Arc::clone(&budget), config, &mut std::io::stdout());
    println!(
        "summary: {} pages written back, {} failed, served as {}; {} recursions into I/O or the filesystem; {} bytes leaked",
        summary.written,
        summary.failed,
        summary.writeback_flags.map_or_else(|| "?".to_owned(), |f| f.to_string()),
        summary.recursions(),
        budget.live_bytes(),
    );
    assert_eq!(summary.recursions(), 0, "a shrinker ran where its needs were masked");
}
