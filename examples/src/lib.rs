//! Driver-shaped programs built on alloc-ctx. Each example's logic lives
//! here, so the test suite runs (and failure-sweeps) exactly what
//! `cargo run --example NAME` runs; the binaries in `examples/` only parse
//! options and print.

pub mod block_writeback;
pub mod btree_paths;
pub mod nic_driver;
pub mod pages;

/// The example binaries' command line: `--name NUMBER` pairs, each name one
/// of `known`, in the order given.
///
/// # Panics
///
/// On an unknown option (with `usage`, the list of known ones) or an
/// option without a number after it: these are demo programs.
#[expect(clippy::disallowed_methods, reason = "the demo programs' command line, not driver code")]
pub fn numeric_options(known: &[&str], usage: &str) -> Vec<(String, usize)> {
    let mut args = std::env::args().skip(1);
    let mut options = Vec::new();
    while let Some(name) = args.next() {
        if !known.contains(&name.as_str()) {
            panic!("unknown option {name}; expected {usage}");
        }
        let value = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} needs a number"));
        options.push((name, value));
    }
    options
}
