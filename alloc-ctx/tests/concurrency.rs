//! Requests from several threads under one Budget: a NOFAIL request waits
//! for another thread's free, and an 8-thread stress run keeps the budget,
//! returns every byte and does not deadlock.
//! (Its own test binary: no shrinkers registered, reports silenced.)

mod common;

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, mpsc};
use std::time::Duration;

use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx::flags::*;
use alloc_ctx::mempool::{Mempool, MempoolBox};
use alloc_ctx::size::{KmallocMax, NofailMax, Size};
use alloc_ctx::{KBox, NoWait};
use common::quiet_reports;

/// Aborts the process if `f` has not returned after `limit`: a deadlock
/// fails the test run instead of hanging it.
fn within<R>(limit: Duration, f: impl FnOnce() -> R) -> R {
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(limit) == Err(mpsc::RecvTimeoutError::Timeout) {
            eprintln!("deadlock: the test did not finish within {limit:?}");
            std::process::abort();
        }
    });
    let result = f();
    drop(done);
    watchdog.join().unwrap();
    result
}

#[alloc_ctx::test]
fn a_nofail_request_waits_until_another_thread_frees_memory() {
    let budget = Budget::new(4096);
    // Counts the NOFAIL request's attempts; fails nothing itself.
    let counted = FailInject::wrap(&budget);
    let barrier = Barrier::new(2);
    within(Duration::from_secs(60), || {
        alloc_ctx::thread::scope(cx, |scope, cx| {
            let holder = scope.spawn(cx, |_cx| {
                let all = NoWait::enter(|nw| nw.alloc_in(&budget, GFP_ATOMIC, Size::<KmallocMax>::new(4096).unwrap()));
                let all = all.expect("the budget is empty");
                barrier.wait();
                // Free only once the NOFAIL request has failed and retried.
                while counted.calls() < 3 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                assert_eq!(budget.live_bytes(), 4096, "nothing was freed yet");
                drop(all);
            });
            barrier.wait();
            let block = cx.alloc_in(&counted, GFP_KERNEL | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 2048]>());
            assert_eq!(block.len(), 2048);
            assert!(counted.calls() >= 4, "failed at least three times, then succeeded");
            holder.join(cx).unwrap();
        });
    });
    assert_eq!(counted.failures(), 0, "only the budget refused");
    assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 4096));
}

/// xorshift64*: a tiny deterministic generator for the stress test.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const THREADS: usize = 8;
/// Under Miri, a short run: enough for its data-race detector to see the
/// budget, the pool and the request path shared by eight threads.
const ITERATIONS: usize = if cfg!(miri) { 100 } else { 10_000 };
const LIMIT: usize = if cfg!(miri) { 16 * 1024 } else { 64 * 1024 };
const RESERVE: usize = LIMIT / 8;
const MAX_HELD: usize = 24;

#[alloc_ctx::test]
fn stress_eight_threads_keep_the_budget_and_return_every_byte() {
    quiet_reports();
    let budget = Budget::with_reserve(LIMIT, RESERVE);
    let pool = Mempool::<[u64; 32], _>::new_in(4, &budget, GFP_KERNEL, cx).unwrap();
    let succeeded = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    within(Duration::from_secs(120), || {
        alloc_ctx::thread::scope(cx, |scope, cx| {
            for thread in 0..THREADS {
                let (budget, pool, succeeded, failed) = (&budget, &pool, &succeeded, &failed);
                scope.spawn(cx, move |cx| {
                    let mut rng = Rng::new(thread as u64 + 1);
                    let mut held: Vec<KBox<[MaybeUninit<u8>], &Budget>> = Vec::new();
                    let mut pooled: Vec<MempoolBox<'_, [u64; 32], &Budget>> = Vec::new();
                    {
                        for _ in 0..ITERATIONS {
                            if rng.below(2) == 0 && held.len() + pooled.len() < MAX_HELD {
                                let size = Size::<KmallocMax>::new(16 + rng.below(4080)).unwrap();
                                let result = match rng.below(7) {
                                    0 => cx.alloc_in(budget, GFP_KERNEL | __GFP_NORETRY, size),
                                    1 => cx.alloc_in(budget, GFP_KERNEL | __GFP_NOWARN, size),
                                    2 => cx.nowait_scope(|nw| nw.alloc_in(budget, GFP_ATOMIC, size)),
                                    3 => cx.nowait().alloc_in(budget, GFP_NOWAIT, size),
                                    // NOFAIL only with nothing held: a thread that
                                    // waits never keeps others from progressing.
                                    4 if held.is_empty() && pooled.is_empty() => {
                                        let size = size.recheck::<NofailMax>().unwrap();
                                        Ok(cx.alloc_in(budget, GFP_KERNEL | __GFP_NOFAIL, size))
                                    }
                                    // Sleeping pool requests likewise, as the
                                    // kernel's mempool rules demand.
                                    5 if pooled.is_empty() => {
                                        pooled.push(pool.alloc([thread as u64; 32], GFP_NOIO, cx));
                                        continue;
                                    }
                                    _ => {
                                        match cx.nowait_scope(|nw| pool.alloc([0; 32], GFP_ATOMIC, nw)) {
                                            Ok(element) => pooled.push(element),
                                            Err(_) => drop(failed.fetch_add(1, Ordering::Relaxed)),
                                        }
                                        continue;
                                    }
                                };
                                match result {
                                    Ok(block) => {
                                        succeeded.fetch_add(1, Ordering::Relaxed);
                                        held.push(block);
                                    }
                                    Err(_) => drop(failed.fetch_add(1, Ordering::Relaxed)),
                                }
                            } else if !held.is_empty() && (pooled.is_empty() || rng.below(2) == 0) {
                                drop(held.swap_remove(rng.below(held.len())));
                            } else if !pooled.is_empty() {
                                let element = pooled.swap_remove(rng.below(pooled.len()));
                                assert!(element.iter().all(|&word| word == element[0]), "pool element corrupted");
                                drop(element);
                            }
                            assert!(budget.live_bytes() <= LIMIT, "budget exceeded: {}", budget.live_bytes());
                        }
                    }
                    drop(held);
                    drop(pooled);
                });
            }
        });
    });
    assert!(budget.peak_bytes() <= LIMIT, "peak {} over the limit {LIMIT}", budget.peak_bytes());
    assert!(
        failed.load(Ordering::Relaxed) > 0,
        "the budget should have been under pressure: {} succeeded",
        succeeded.load(Ordering::Relaxed)
    );
    assert!(
        succeeded.load(Ordering::Relaxed) > THREADS * ITERATIONS / 10,
        "most requests should succeed: {} succeeded, {} failed",
        succeeded.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    assert_eq!(pool.available(), 4, "every pool element came back");
    drop(pool);
    assert_eq!(budget.live_bytes(), 0, "every byte was returned");
}
