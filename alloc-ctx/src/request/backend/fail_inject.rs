//! [`FailInject`]: makes chosen requests fail, so error paths can be tested.

use core::alloc::Layout;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;
// Targets without compare-and-swap (thumbv6m) get it from portable-atomic,
// and so do 32-bit targets without 64-bit atomics (thumbv7m, riscv32imac).
#[cfg(target_has_atomic = "64")]
use core::sync::atomic::AtomicU64;
#[cfg(target_has_atomic = "ptr")]
use core::sync::atomic::AtomicUsize;
#[cfg(not(target_has_atomic = "64"))]
use portable_atomic::AtomicU64;
#[cfg(not(target_has_atomic = "ptr"))]
use portable_atomic::AtomicUsize;

use super::{Backend, Free, Request, System};
use crate::vocab::flags::{Gfp, GfpFlags};

/// Fails requests by rule, otherwise forwards to `inner`.
///
/// Rules combine (a request fails if any rule says so); calls are counted
/// from 1 and include every attempt, so a retried request counts each try.
/// Thread-safe.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::backend::FailInject;
/// use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
///
/// let backend = FailInject::new().fail_nth(2);
/// let size = Size::<KmallocMax>::new(64).unwrap();
/// cx.nowait_scope(|nw| {
///     assert!(nw.alloc_in(&backend, GFP_NOWAIT, size).is_ok()); // call 1
///     assert!(nw.alloc_in(&backend, GFP_NOWAIT, size).is_err()); // call 2 fails
///     assert!(nw.alloc_in(&backend, GFP_NOWAIT, size).is_ok()); // call 3
/// });
/// assert_eq!((backend.calls(), backend.failures()), (3, 1));
/// # }
/// ```
#[derive(Debug)]
pub struct FailInject<B: Backend = System> {
    inner: B,
    nth: usize,
    every: usize,
    min_size: usize,
    flags: Option<Gfp>,
    /// Probability in parts per 2^32, and the generator state.
    probability: u64,
    rng: AtomicU64,
    calls: AtomicUsize,
    failures: AtomicUsize,
}

#[cfg(feature = "alloc")]
impl FailInject<System> {
    /// Injects failures into the [`System`] backend; no rule is set, so
    /// nothing fails yet.
    pub const fn new() -> Self {
        FailInject::wrap(System)
    }
}

#[cfg(feature = "alloc")]
impl Default for FailInject<System> {
    fn default() -> Self {
        FailInject::new()
    }
}

impl<B: Backend> FailInject<B> {
    /// Injects failures into `inner`; no rule is set, so nothing fails yet.
    ///
    /// Backends that wrap another are made with `wrap(inner, …)`, and on
    /// the [`System`] backend with `new(…)`, as [`Budget`](super::Budget).
    pub const fn wrap(inner: B) -> Self {
        FailInject {
            inner,
            nth: 0,
            every: 0,
            min_size: usize::MAX,
            flags: None,
            probability: 0,
            rng: AtomicU64::new(0),
            calls: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
        }
    }

    /// Fails call number `n` (counted from 1); 0 disables the rule.
    #[must_use = "a builder method returns the configured backend"]
    pub const fn fail_nth(mut self, n: usize) -> Self {
        self.nth = n;
        self
    }

    /// Fails every `n`th call (`n`, `2n`, …); 0 disables the rule.
    #[must_use = "a builder method returns the configured backend"]
    pub const fn fail_every(mut self, n: usize) -> Self {
        self.every = n;
        self
    }

    /// Fails every request of at least `bytes` bytes.
    #[must_use = "a builder method returns the configured backend"]
    pub const fn fail_at_least(mut self, bytes: usize) -> Self {
        self.min_size = bytes;
        self
    }

    /// Fails every request whose effective flags contain all bits of
    /// `flags` (e.g. `GFP_ATOMIC` to fail atomic requests only).
    #[must_use = "a builder method returns the configured backend"]
    pub fn fail_flags<F: GfpFlags>(mut self, flags: F) -> Self {
        self.flags = Some(flags.gfp());
        self
    }

    /// Fails each call with probability `p` (0.0 to 1.0), from a generator
    /// seeded with `seed`: the same seed fails the same calls. `p = 1.0`
    /// fails every call and `p = 0.0` none.
    ///
    /// # Panics
    ///
    /// If `p` is not in `0.0..=1.0` (NaN included): a probability that
    /// silently disabled the injection would make a sweep pass for nothing.
    #[track_caller]
    #[must_use = "a builder method returns the configured backend"]
    pub fn fail_randomly(mut self, p: f64, seed: u64) -> Self {
        assert!((0.0..=1.0).contains(&p), "fail_randomly: the probability {p} is not in 0.0..=1.0");
        // A threshold over the generator's 32 high bits, out of 2^32, so that
        // 1.0 is 2^32: above every value, failing every call.
        self.probability = (p * 4_294_967_296.0) as u64;
        // Scrambled (splitmix64, a bijection) so that every seed gives its
        // own sequence, even neighbouring ones; xorshift needs a non-zero
        // state, which only one seed would map to.
        let mut state = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        state = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        state = (state ^ (state >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        state ^= state >> 31;
        self.rng = AtomicU64::new(if state == 0 { 0x9E37_79B9_7F4A_7C15 } else { state });
        self
    }

    /// Calls so far (allocate and reallocate).
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::Acquire)
    }

    /// Calls that were made to fail.
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::Acquire)
    }

    /// The wrapped backend.
    pub const fn inner(&self) -> &B {
        &self.inner
    }

    fn random_says_fail(&self) -> bool {
        if self.probability == 0 {
            return false;
        }
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let update = || self.rng.fetch_update(Ordering::AcqRel, Ordering::Acquire, |x| Some(step(x)));
        // Without native 64-bit atomics, portable-atomic's `AtomicU64` takes
        // a global spinlock: with interrupts masked meanwhile, a handler
        // drawing from the same generator cannot interrupt the holder and
        // spin on its lock (single core). Without the `critical-section`
        // feature, do not share a randomly failing backend with interrupt
        // handlers on those targets.
        #[cfg(all(feature = "critical-section", not(target_has_atomic = "64")))]
        let previous = critical_section::with(|_| update());
        #[cfg(not(all(feature = "critical-section", not(target_has_atomic = "64"))))]
        let previous = update();
        let value = step(previous.unwrap_or_else(|x| x));
        (value >> 32) < self.probability
    }

    /// Counts a call and applies the rules to its request (for a
    /// reallocation, the new size).
    fn should_fail(&self, request: &Request) -> bool {
        let call = self.calls.fetch_add(1, Ordering::AcqRel) + 1;
        let fail = call == self.nth
            || (self.every != 0 && call.is_multiple_of(self.every))
            || request.layout().size() >= self.min_size
            || self.flags.is_some_and(|flags| request.gfp().contains(flags))
            || self.random_says_fail();
        if fail {
            self.failures.fetch_add(1, Ordering::AcqRel);
        }
        fail
    }
}

// SAFETY: forwards to `inner` or returns `None` without touching memory.
unsafe impl<B: Backend> Backend for FailInject<B> {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        if self.should_fail(request) {
            return None;
        }
        self.inner.allocate(request)
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.free(ptr, layout) }
    }

    unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.free_with(ptr, layout, free) }
    }

    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        if self.should_fail(request) {
            return None;
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.inner.reallocate(ptr, old, request) }
    }
}
