//! A network driver on alloc-ctx: probe (`#[may_sleep]`), RX interrupt
//! (`#[nowait]`, `GFP_ATOMIC`), TX under a spinlock, TX completion, and RX
//! refill deferred to a workqueue when atomic memory runs out.
//!
//! ```text
//! cargo run --example nic_driver [-- --fail-every N | --fail-percent P] [--packets N]
//! ```
//!
//! Memory is tight: 1 MiB, whose last 128 KiB only `GFP_ATOMIC` may use, and
//! a page cache that takes what the driver leaves free and gives it back
//! only to reclaim (so `GFP_NOWAIT` refills fail and are deferred to the
//! workqueue, whose `GFP_KERNEL` request reclaims). On top of that, by
//! default 10% of allocation attempts fail (a fixed seed: the same run
//! every time), as under memory pressure; `--fail-percent 0` turns that
//! off and `--fail-every N` fails every Nth allocation instead. Each
//! failure is handled (a dropped or deferred packet, a retried
//! `GFP_KERNEL` request): nothing panics and nothing leaks. The binary runs with the checking
//! global allocator (debug builds, or `--cfg alloc_ctx_checks`): an
//! allocation that bypassed the tokens inside an interrupt or under a
//! spinlock would be reported.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_macros,
    reason = "a front end that sets up the simulated machine and prints, not driver code"
)]

use std::sync::Arc;

use alloc_ctx::backend::{Budget, FailInject};
#[cfg(any(debug_assertions, alloc_ctx_checks))]
use alloc_ctx::checking::{CheckingAlloc, Policy};
use alloc_ctx_examples::nic_driver::{self, Config};
use alloc_ctx_examples::numeric_options;

#[cfg(any(debug_assertions, alloc_ctx_checks))]
#[global_allocator]
static ALLOCATOR: CheckingAlloc = CheckingAlloc::with_policy(Policy::Report);

/// Allocations that bypassed the tokens in atomic context.
#[cfg(any(debug_assertions, alloc_ctx_checks))]
fn violations() -> usize {
    alloc_ctx::checking::violation_count()
}

/// Without the checking allocator nothing counts them.
#[cfg(not(any(debug_assertions, alloc_ctx_checks)))]
fn violations() -> usize {
    0
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut config = Config::default();
    let mut fail_every = 0;
    let mut fail_percent = 10;
    let known = ["--fail-every", "--fail-percent", "--packets"];
    for (name, value) in numeric_options(&known, "--fail-every N, --fail-percent P, --packets N") {
        match name.as_str() {
            "--fail-every" => fail_every = value,
            "--fail-percent" => fail_percent = value.min(100),
            _ => config.packets = value,
        }
    }
    // The machine's memory: 1 MiB, of which 128 KiB only `__GFP_HIGH`
    // (`GFP_ATOMIC`) requests may use; the page cache takes what the driver
    // leaves free. On top, injected failures.
    config.page_cache_pages = 1024;
    const MEMORY: usize = 1 << 20;
    const ATOMIC_RESERVE: usize = 128 << 10;
    let pressure = FailInject::wrap(Budget::with_reserve(MEMORY, ATOMIC_RESERVE));
    let (pressure, described) = if fail_every != 0 {
        (pressure.fail_every(fail_every), format!("one allocation in every {fail_every} fails"))
    } else if fail_percent != 0 {
        (pressure.fail_randomly(fail_percent as f64 / 100.0, 2024), format!("{fail_percent}% of allocations fail"))
    } else {
        (pressure, "no injected failures".to_owned())
    };
    let backend = Arc::new(pressure);
    // Failures are counted below; the once-per-site warning would only
    // repeat them.
    alloc_ctx::report::set_failure_hook(|_| {});
    println!(
        "nic_driver: {} frames, RX ring {}, TX ring {}; {described}",
        config.packets, config.rx_entries, config.tx_entries
    );
    let summary = nic_driver::run(cx, Arc::clone(&backend), config, &mut std::io::stdout());
    let budget = backend.inner();
    println!(
        "summary: rx {} frames, {} delivered, {} dropped; refills {} now, {} deferred ({} done on the workqueue), {} lost; \
         tx {} sent, {} dropped, {} completed; {} injected allocation failures, all handled; {} bytes leaked; \
         {} allocations bypassed the tokens in atomic context",
        summary.rx_frames,
        summary.rx_delivered,
        summary.rx_dropped,
        summary.refills.0,
        summary.refills.1,
        summary.refills.2,
        summary.refills.3,
        summary.tx_frames,
        summary.tx_dropped,
        summary.tx_completed,
        backend.failures(),
        budget.live_bytes(),
        violations(),
    );
    println!(
        "memory: peak {} of {} KiB, {} KiB of it from the {} KiB reserve only GFP_ATOMIC may use",
        budget.peak_bytes() / 1024,
        MEMORY / 1024,
        budget.peak_bytes().saturating_sub(MEMORY - ATOMIC_RESERVE) / 1024,
        ATOMIC_RESERVE / 1024,
    );
    if summary.refills.3 > 0 {
        println!(
            "  (a lost refill: the RX interrupt could neither allocate a buffer with GFP_NOWAIT nor the work item to \
             defer it; the ring runs one buffer short until a later refill, as a real NIC driver's would)"
        );
    }

    // What the run showed. The compile-time half was shown by building it:
    // the probe and the work items are `#[may_sleep]`, the RX/TX paths and
    // the interrupt handler `#[nowait]`, and a sleeping request in either
    // of the latter does not compile (the README shows the one-line change).
    println!("checked at compile time: every request's flags fit its context (GFP_KERNEL only where it may sleep)");
    let (now, deferred, done, lost) = summary.refills;
    let checks = [
        (summary.probed, "probe allocated both rings and the RX buffers with GFP_KERNEL"),
        (summary.rx_balanced(), "every received frame was delivered or counted as dropped"),
        (
            now + deferred + lost == summary.rx_frames,
            "every frame's buffer refill was done, deferred or counted as lost",
        ),
        (done <= deferred, "deferred refills ran on the workqueue, in process context"),
        (summary.tx_completed == summary.tx_frames, "every sent frame was completed by the TX interrupt"),
        (budget.live_bytes() == 0, "remove freed every byte"),
        (violations() == 0, "no allocation bypassed the tokens in atomic context"),
    ];
    for (ok, what) in checks {
        println!("  [{}] {what}", if ok { "ok" } else { "FAILED" });
    }
    let passed = checks.iter().filter(|(ok, _)| *ok).count();
    println!("checks: {passed} of {} passed", checks.len());
    if passed != checks.len() {
        std::process::exit(1);
    }
}
