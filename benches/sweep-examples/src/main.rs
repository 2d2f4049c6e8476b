//! BENCHMARKS.md item 6: failure-sweep points per second on the examples.
//!
//! Each example is swept exactly as `examples/tests/examples.rs` sweeps it
//! (same configurations), repeatedly: every round times each example for
//! about `BENCH_SAMPLE_MS` (default 100) and the report gives the median
//! over `BENCH_ROUNDS` (default 11) rounds, the examples interleaved. A
//! sweep of P points runs the scenario P + 1 times (one counting run).
//!
//! For reference, the same rounds time the scenario alone on the `System`
//! backend (no sweep, nothing failing): the sweep's cost per run over the
//! plain run's is what the sweep machinery adds.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloc_ctx::sweep::{SweepReport, sweep, sweep_shared};
use alloc_ctx::{MaySleep, backend::System};
use alloc_ctx_examples::{block_writeback, btree_paths, nic_driver};

/// `btree_paths`, 600 paths: NOFAIL growths while small, fallible beyond.
fn btree_paths_sweep(cx: &mut MaySleep) -> SweepReport {
    sweep(|backend| {
        let summary = btree_paths::run(cx, backend, btree_paths::Config::SWEEP, &mut std::io::sink());
        summary.restarted_with.map_or(Ok(()), Err)
    })
}

/// `block_writeback`: a NOIO write-back scope with shrinkers registered.
fn block_writeback_sweep(cx: &mut MaySleep) -> SweepReport {
    let config = block_writeback::Config::SWEEP;
    sweep_shared(|backend| {
        let summary = block_writeback::run(cx, Arc::clone(backend), config, &mut std::io::sink());
        black_box(summary.recursions());
    })
}

/// `nic_driver`: probe, RX interrupts, TX under a spinlock, refill.
fn nic_driver_sweep(cx: &mut MaySleep) -> SweepReport {
    let config = nic_driver::Config::SWEEP;
    sweep_shared(|backend| {
        let summary = nic_driver::run(cx, Arc::clone(backend), config, &mut std::io::sink());
        if summary.probed { Ok(()) } else { Err("probe failed") }
    })
}

/// `btree_paths` once on `System`.
fn btree_paths_plain(cx: &mut MaySleep) {
    let summary = btree_paths::run(cx, System, btree_paths::Config::SWEEP, &mut std::io::sink());
    black_box(summary.restarted_with);
}

/// `block_writeback` once on `System`.
fn block_writeback_plain(cx: &mut MaySleep) {
    let config = block_writeback::Config::SWEEP;
    let summary = block_writeback::run(cx, System, config, &mut std::io::sink());
    black_box(summary.recursions());
}

/// `nic_driver` once on `System`.
fn nic_driver_plain(cx: &mut MaySleep) {
    let config = nic_driver::Config::SWEEP;
    let summary = nic_driver::run(cx, System, config, &mut std::io::sink());
    black_box(summary.probed);
}

/// One example: its name, its sweep and one plain run.
struct Example {
    name: &'static str,
    sweep: fn(&mut MaySleep) -> SweepReport,
    plain: fn(&mut MaySleep),
}

const EXAMPLES: &[Example] = &[
    Example { name: "btree_paths", sweep: btree_paths_sweep, plain: btree_paths_plain },
    Example { name: "block_writeback", sweep: block_writeback_sweep, plain: block_writeback_plain },
    Example { name: "nic_driver", sweep: nic_driver_sweep, plain: nic_driver_plain },
];

/// How many calls of `f` take about `sample`.
fn repeats_for(sample: Duration, mut f: impl FnMut()) -> u64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().max(Duration::from_micros(1));
    (sample.as_secs_f64() / once.as_secs_f64()).ceil().max(1.0) as u64
}

/// Seconds per call of `f`, over `repeats` calls.
fn seconds_per_call(repeats: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..repeats {
        f();
    }
    start.elapsed().as_secs_f64() / repeats as f64
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[middle] } else { (sorted[middle - 1] + sorted[middle]) / 2.0 }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    alloc_ctx::report::set_failure_hook(|_| {});
    let rounds = env_number("BENCH_ROUNDS", 11);
    let sample = Duration::from_millis(env_number("BENCH_SAMPLE_MS", 100));
    // Points per sweep, and how many sweeps and plain runs fill a sample.
    let setup: Vec<(SweepReport, u64, u64)> = EXAMPLES
        .iter()
        .map(|example| {
            let report = (example.sweep)(cx);
            let sweeps = repeats_for(sample, || drop(black_box((example.sweep)(cx))));
            let plains = repeats_for(sample, || (example.plain)(cx));
            (report, sweeps, plains)
        })
        .collect();
    // Per example: seconds per sweep, seconds per plain run, by round.
    let mut sweep_s: Vec<Vec<f64>> = vec![Vec::new(); EXAMPLES.len()];
    let mut plain_s: Vec<Vec<f64>> = vec![Vec::new(); EXAMPLES.len()];
    for round in 0..rounds as usize {
        for k in 0..EXAMPLES.len() {
            let index = (round + k) % EXAMPLES.len();
            let (_, sweeps, plains) = setup[index];
            let example = &EXAMPLES[index];
            sweep_s[index].push(seconds_per_call(sweeps, || drop(black_box((example.sweep)(cx)))));
            plain_s[index].push(seconds_per_call(plains, || (example.plain)(cx)));
        }
    }
    println!(
        "| example | points per sweep | runs per sweep | median points/s | min–max points/s | µs per sweep | µs per run in the sweep | µs per plain run (System) | sweep run / plain run |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (index, example) in EXAMPLES.iter().enumerate() {
        let report = &setup[index].0;
        let points = report.points as f64;
        let runs = report.runs as f64;
        let rates: Vec<f64> = sweep_s[index].iter().map(|s| points / s).collect();
        let (lo, hi) = rates.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        let sweep = median(&sweep_s[index]);
        let plain = median(&plain_s[index]);
        let overheads: Vec<f64> = sweep_s[index].iter().zip(&plain_s[index]).map(|(s, p)| s / runs / p).collect();
        println!(
            "| `{}` | {} | {} | {:.0} | {:.0}–{:.0} | {:.1} | {:.1} | {:.1} | {:.2}× |",
            example.name,
            report.points,
            report.runs,
            median(&rates),
            lo,
            hi,
            sweep * 1e6,
            sweep / runs * 1e6,
            plain * 1e6,
            median(&overheads)
        );
    }
}
