//! The `btree_paths_realloc` pattern: NOFAIL while the growth is proven
//! small, a fallible kvmalloc-bounded request with a real error path beyond.
//!
//! ```text
//! cargo run --example btree_paths [-- --memory-limit BYTES --paths N]
//! ```
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_macros,
    reason = "a front end that sets up the simulated machine and prints, not driver code"
)]

use alloc_ctx::backend::Budget;
use alloc_ctx_examples::btree_paths::{self, Config};
use alloc_ctx_examples::numeric_options;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut config = Config::default();
    let mut memory_limit = 1 << 20;
    let options = numeric_options(&["--memory-limit", "--paths"], "--memory-limit BYTES, --paths N");
    for (name, value) in options {
        match name.as_str() {
            "--memory-limit" => memory_limit = value,
            _ => config.paths = value,
        }
    }
    let budget = Budget::new(memory_limit);
    println!("btree_paths: taking {} paths with {memory_limit} bytes of memory", config.paths);
    let summary = btree_paths::run(cx, &budget, config, &mut std::io::stdout());
    println!(
        "summary: {} paths held; {} NOFAIL growths, {} fallible growths; restart: {}; peak {} bytes, {} leaked",
        summary.paths,
        summary.nofail_growths,
        summary.fallible_growths,
        summary.restarted_with.map_or_else(|| "none".to_owned(), |e| e.to_string()),
        budget.peak_bytes(),
        budget.live_bytes(),
    );
}
