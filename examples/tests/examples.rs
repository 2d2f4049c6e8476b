//! Each example's logic, run as `cargo run --example NAME` runs it, with
//! its outcome checked.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, reason = "test scaffolding, not driver code")]

use std::sync::{Arc, Mutex, PoisonError};

use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx_examples::{block_writeback, btree_paths, nic_driver};

/// Shrinkers are process-wide, like the kernel's: scenarios that register
/// them or run reclaim must not overlap.
static RECLAIM: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    RECLAIM.lock().unwrap_or_else(PoisonError::into_inner)
}

#[alloc_ctx::test]
fn btree_paths_grows_nofail_then_fallibly_then_restarts() {
    let _serial = serial();
    let budget = Budget::new(1 << 20);
    let mut trace = Vec::new();
    let summary = btree_paths::run(cx, &budget, btree_paths::Config::default(), &mut trace);
    // 8 -> 128 paths of 56 bytes fit 8 KiB: five NOFAIL growths.
    assert_eq!(summary.nofail_growths, 5);
    assert!(summary.fallible_growths > 0);
    // 1 MiB cannot hold 32768 paths: the fallible request failed and the
    // transaction restarted instead of panicking.
    assert!(summary.restarted_with.is_some_and(|e| e.is_out_of_memory()));
    assert!(summary.paths < btree_paths::Config::default().paths);
    assert!(summary.impossible_request.is_some_and(|e| e.is_overflow() && e.bound() == "INT_MAX"));
    assert_eq!(budget.live_bytes(), 0, "the transaction freed its paths");
    assert!(budget.peak_bytes() <= budget.limit());
    let trace = String::from_utf8(trace).unwrap();
    assert!(trace.contains("GFP_KERNEL|__GFP_NOFAIL"), "{trace}");
    assert!(trace.contains("transaction restarts"), "{trace}");
}

#[alloc_ctx::test]
fn btree_paths_small_transactions_never_take_the_fallible_path() {
    let _serial = serial();
    let summary =
        { btree_paths::run(cx, alloc_ctx::backend::System, btree_paths::Config { paths: 100 }, &mut Vec::new()) };
    assert_eq!((summary.paths, summary.fallible_growths, summary.restarted_with), (100, 0, None));
}

#[alloc_ctx::test]
fn block_writeback_never_recurses_into_io_or_fs() {
    let _serial = serial();
    let config = block_writeback::Config::default();
    let pages = config.clean_pages + config.dirty_pages + config.inodes + config.headroom_pages;
    let budget = Arc::new(Budget::new(pages * block_writeback::PAGE_SIZE));
    let mut trace = Vec::new();
    let summary = block_writeback::run(cx, Arc::clone(&budget), config, &mut trace);
    assert_eq!(summary.writeback_flags.map(alloc_ctx::flags::Gfp::bits), Some(0xc00), "GFP_KERNEL served as GFP_NOIO");
    assert_eq!(summary.written, config.dirty_pages);
    // Reclaim ran during write-back (memory was short) but only the clean
    // page shrinker: the dirty-page and inode shrinkers were skipped.
    let [clean, dirty, inodes] = summary.during_writeback;
    assert!(clean.0 > 0 && clean.1 > 0, "{clean:?}");
    assert_eq!((dirty.0, inodes.0), (0, 0));
    // Outside the scope the same pressure runs them.
    let [_, dirty, inodes] = summary.after_pressure;
    assert!(dirty.0 > 0 && inodes.0 > 0, "{dirty:?} {inodes:?}");
    assert!(summary.pressure_allocation_ok);
    assert_eq!(summary.recursions(), 0);
    assert_eq!(budget.live_bytes(), 0);
    assert!(String::from_utf8(trace).unwrap().contains("served as GFP_NOIO"));
}

#[alloc_ctx::may_sleep]
fn nic_run(backend: Arc<FailInject<Budget>>, config: nic_driver::Config) -> (nic_driver::Summary, String) {
    alloc_ctx::report::set_failure_hook(|_| {});
    let mut trace = Vec::new();
    let summary = nic_driver::run(cx, backend, config, &mut trace);
    (summary, String::from_utf8(trace).unwrap())
}

#[alloc_ctx::test]
fn nic_driver_moves_every_frame_without_pressure() {
    let _serial = serial();
    let backend = Arc::new(FailInject::wrap(Budget::new(1 << 20)));
    let config = nic_driver::Config::default();
    let (summary, _) = nic_run(cx, Arc::clone(&backend), config);
    assert!(summary.probed);
    assert_eq!((summary.rx_frames, summary.rx_delivered, summary.rx_dropped), (config.packets, config.packets, 0));
    assert_eq!(summary.refills, (config.packets, 0, 0, 0), "every refill succeeded at once");
    assert_eq!(summary.tx_frames, config.packets.div_ceil(config.tx_every));
    assert_eq!(summary.tx_completed, summary.tx_frames);
    assert_eq!(backend.inner().live_bytes(), 0, "remove freed everything");
}

#[alloc_ctx::test]
fn nic_driver_defers_refills_and_counts_drops_under_failures() {
    let _serial = serial();
    let backend = Arc::new(FailInject::wrap(Budget::new(1 << 20)).fail_every(3));
    let config = nic_driver::Config::default();
    let (summary, trace) = nic_run(cx, Arc::clone(&backend), config);
    assert!(summary.probed, "GFP_KERNEL retried past the injected failures");
    assert!(backend.failures() > 0);
    assert!(summary.rx_balanced(), "{summary:?}");
    let (_, deferred, deferred_done, _) = summary.refills;
    assert!(deferred > 0, "the workqueue fallback ran: {summary:?}");
    assert_eq!(deferred_done, deferred, "every deferred refill completed with GFP_KERNEL");
    assert!(summary.tx_dropped > 0);
    assert_eq!(backend.inner().live_bytes(), 0);
    assert!(trace.contains("deferred to the nic-refill workqueue"), "{trace}");
}

#[alloc_ctx::test]
fn nic_driver_under_memory_pressure_defers_refills_to_reclaim_and_atomic_uses_the_reserve() {
    let _serial = serial();
    // 1 MiB with a 128 KiB GFP_ATOMIC reserve; the page cache takes every
    // ordinary byte the driver leaves free. No injected failures.
    let backend = Arc::new(FailInject::wrap(Budget::with_reserve(1 << 20, 128 << 10)));
    let config = nic_driver::Config { page_cache_pages: 1024, ..nic_driver::Config::default() };
    let (summary, trace) = nic_run(cx, Arc::clone(&backend), config);
    assert!(summary.probed);
    assert!(summary.page_cache.0 > 512 << 10, "the cache filled the free memory: {summary:?}");
    let (_, deferred, deferred_done, lost) = summary.refills;
    assert!(deferred > 0, "GFP_NOWAIT refills found no free memory: {summary:?}");
    assert_eq!((deferred_done, lost), (deferred, 0), "the worker's GFP_KERNEL reclaimed and succeeded");
    assert!(summary.page_cache.1 > 0, "reclaim took pages back from the cache");
    assert_eq!(summary.rx_dropped, 0, "atomic backlog growth never lacked memory: {summary:?}");
    assert_eq!(summary.tx_dropped, 0, "GFP_ATOMIC frame copies could use the reserve: {summary:?}");
    assert_eq!(backend.inner().live_bytes(), 0, "the cache and the driver freed everything");
    assert!(trace.contains("reclaim took"), "{trace}");
}

#[alloc_ctx::test]
fn nic_driver_probe_failure_is_an_error_not_a_panic() {
    let _serial = serial();
    let backend = Arc::new(FailInject::wrap(Budget::new(1 << 20)).fail_every(1));
    let (summary, trace) = nic_run(cx, Arc::clone(&backend), nic_driver::Config::default());
    assert!(!summary.probed);
    assert!(trace.contains("-ENOMEM"), "{trace}");
    assert_eq!(backend.inner().live_bytes(), 0);
}

#[alloc_ctx::test]
fn nic_driver_rejects_an_absurd_ring_size_before_allocating() {
    let _serial = serial();
    let backend = Arc::new(FailInject::wrap(Budget::new(1 << 20)));
    let config = nic_driver::Config { rx_entries: usize::MAX / 4, ..nic_driver::Config::default() };
    let (summary, trace) = nic_run(cx, Arc::clone(&backend), config);
    assert!(!summary.probed);
    assert!(trace.contains("-EINVAL") && trace.contains("INT_MAX"), "{trace}");
    assert_eq!(backend.calls(), 0, "nothing reached the allocator");
}

// Failure sweeps: each example's logic, once per allocation point with
// that point failing. The sweep itself asserts that no run panicked and no
// run leaked; these tests add what each example promises on top.

#[alloc_ctx::test]
fn sweep_btree_paths() {
    let _serial = serial();
    alloc_ctx::report::set_failure_hook(|_| {});
    let report = alloc_ctx::sweep::sweep(|backend| {
        let summary = btree_paths::run(cx, backend, btree_paths::Config::SWEEP, &mut std::io::sink());
        summary.restarted_with.map_or(Ok(()), Err)
    });
    println!("btree_paths: {report}");
    // Five NOFAIL growths are points too, but cannot fail: the rest can.
    assert!(report.points >= 7, "{report}");
    assert_eq!(report.failures_handled, report.points - report.not_reached);
    assert_eq!(report.errors_returned, report.points - 5, "every fallible growth failed cleanly: {report}");
}

#[alloc_ctx::test]
fn sweep_block_writeback() {
    let _serial = serial();
    alloc_ctx::report::set_failure_hook(|_| {});
    let config = block_writeback::Config::SWEEP;
    let report = alloc_ctx::sweep::sweep_shared(|backend| {
        let summary = block_writeback::run(cx, Arc::clone(backend), config, &mut std::io::sink());
        assert_eq!(summary.recursions(), 0);
    });
    println!("block_writeback: {report}");
    assert!(report.points >= 10, "{report}");
    assert_eq!(report.failures_handled, report.points - report.not_reached);
}

#[alloc_ctx::test]
fn sweep_nic_driver() {
    let _serial = serial();
    alloc_ctx::report::set_failure_hook(|_| {});
    let config = nic_driver::Config::SWEEP;
    let report = alloc_ctx::sweep::sweep_shared(|backend| {
        let summary = nic_driver::run(cx, Arc::clone(backend), config, &mut std::io::sink());
        assert!(!summary.probed || summary.rx_balanced(), "{summary:?}");
        if summary.probed { Ok(()) } else { Err("probe failed") }
    });
    println!("nic_driver: {report}");
    assert!(report.points >= 8 + 24, "{report}");
    assert_eq!(report.failures_handled, report.points - report.not_reached);
}
