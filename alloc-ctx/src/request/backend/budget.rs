//! [`Budget`]: a byte limit on another backend, with an optional reserve
//! that only `__GFP_HIGH` (`GFP_ATOMIC`) requests may use.

use core::alloc::Layout;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;
// Targets without compare-and-swap (thumbv6m) get it from portable-atomic.
#[cfg(target_has_atomic = "ptr")]
use core::sync::atomic::AtomicUsize;
#[cfg(not(target_has_atomic = "ptr"))]
use portable_atomic::AtomicUsize;

use super::{Backend, Free, Request, System};
use crate::vocab::flags::Gfp;

/// Limits the bytes live at once in `inner` to `limit`, and tracks live
/// and peak bytes. Thread-safe: share it by reference (`&Budget` is a
/// backend too).
///
/// With [`with_reserve`](Budget::with_reserve), ordinary requests may only
/// use `limit - reserve` bytes; requests with `__GFP_HIGH` (`GFP_ATOMIC`)
/// may dip into the rest, like the kernel's `ALLOC_HIGH` below the min
/// watermark.
///
/// ```
/// use alloc_ctx::backend::Budget;
/// use alloc_ctx::{NoWait, flags::*, size::{KmallocMax, Size}};
///
/// let budget = Budget::with_reserve(1024, 512);
/// let size = Size::<KmallocMax>::new(700).unwrap();
/// NoWait::enter(|nw| {
///     assert!(nw.alloc_in(&budget, GFP_NOWAIT, size).is_err()); // over 1024 - 512
///     let packet = nw.alloc_in(&budget, GFP_ATOMIC, size).unwrap(); // may use the reserve
///     assert_eq!(budget.live_bytes(), 700);
/// });
/// assert_eq!((budget.live_bytes(), budget.peak_bytes()), (0, 700));
/// ```
#[derive(Debug)]
pub struct Budget<B: Backend = System> {
    inner: B,
    limit: usize,
    reserve: usize,
    live: AtomicUsize,
    peak: AtomicUsize,
}

#[cfg(feature = "alloc")]
impl Budget<System> {
    /// A budget of `limit` bytes on the [`System`] backend.
    pub const fn new(limit: usize) -> Self {
        Budget::wrap(System, limit)
    }

    /// A budget of `limit` bytes whose last `reserve` bytes only
    /// `__GFP_HIGH` requests may use.
    pub const fn with_reserve(limit: usize, reserve: usize) -> Self {
        let mut budget = Budget::new(limit);
        budget.reserve = if reserve < limit { reserve } else { limit };
        budget
    }
}

impl<B: Backend> Budget<B> {
    /// A budget of `limit` bytes on `inner`.
    pub const fn wrap(inner: B, limit: usize) -> Self {
        Budget { inner, limit, reserve: 0, live: AtomicUsize::new(0), peak: AtomicUsize::new(0) }
    }

    /// Bytes currently allocated through this budget.
    pub fn live_bytes(&self) -> usize {
        self.live.load(Ordering::Acquire)
    }

    /// The most bytes that were ever live at once.
    pub fn peak_bytes(&self) -> usize {
        self.peak.load(Ordering::Acquire)
    }

    /// The limit.
    pub const fn limit(&self) -> usize {
        self.limit
    }

    /// The wrapped backend.
    pub const fn inner(&self) -> &B {
        &self.inner
    }

    /// The most bytes a request with `gfp` may bring the total to.
    fn ceiling(&self, gfp: Gfp) -> usize {
        if gfp.high() { self.limit } else { self.limit - self.reserve }
    }

    /// Charges `bytes` if they fit under the ceiling for `gfp`.
    fn charge(&self, bytes: usize, gfp: Gfp) -> bool {
        let ceiling = self.ceiling(gfp);
        let charged = self.live.fetch_update(Ordering::AcqRel, Ordering::Acquire, |live| {
            live.checked_add(bytes).filter(|&total| total <= ceiling)
        });
        match charged {
            Ok(previous) => {
                self.peak.fetch_max(previous + bytes, Ordering::AcqRel);
                true
            }
            Err(_) => false,
        }
    }

    fn uncharge(&self, bytes: usize) {
        self.live.fetch_sub(bytes, Ordering::AcqRel);
    }
}

// SAFETY: every block comes from `inner`, which upholds the contract; the
// budget only adds accounting and refuses some requests.
unsafe impl<B: Backend> Backend for Budget<B> {
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        let size = request.layout().size();
        if !self.charge(size, request.gfp()) {
            return None;
        }
        let block = self.inner.allocate(request);
        if block.is_none() {
            self.uncharge(size);
        }
        block
    }

    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller's contract, forwarded to the backend that
        // allocated the block.
        unsafe { self.inner.free(ptr, layout) };
        self.uncharge(layout.size());
    }

    unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
        // SAFETY: the caller's contract, forwarded to the backend that
        // allocated the block.
        unsafe { self.inner.free_with(ptr, layout, free) };
        self.uncharge(layout.size());
    }

    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        let new = request.layout();
        let growth = new.size().saturating_sub(old.size());
        // A shrinking (or same-size) reallocation needs no headroom: it is
        // not charged, so it succeeds even while the total is above the
        // request's ceiling (the reserve in use by `__GFP_HIGH` blocks).
        if growth != 0 && !self.charge(growth, request.gfp()) {
            return None;
        }
        // SAFETY: the caller's contract, forwarded.
        match unsafe { self.inner.reallocate(ptr, old, request) } {
            Some(block) => {
                self.uncharge(old.size().saturating_sub(new.size()));
                Some(block)
            }
            None => {
                self.uncharge(growth);
                None
            }
        }
    }
}
