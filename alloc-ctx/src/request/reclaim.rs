//! Shrinkers: the reclaim callbacks a sleeping request runs when the backend
//! has no memory.
//!
//! Each shrinker declares what it needs to do its work ([`ShrinkerNeeds`]).
//! Reclaim runs only those the request's *effective* flags allow: inside a
//! NOIO scope (`__GFP_IO` cleared) a shrinker that writes pages back is
//! skipped, inside a NOFS scope one that calls into the filesystem is. The
//! effective flags are computed from the thread's current scope mask, as the
//! kernel's `current_gfp_context()`, so the rule holds however the token
//! reached the request.
//!
//! Reclaim does not recurse: an allocation made by a shrinker does not run
//! shrinkers again (the kernel's `PF_MEMALLOC`).
//!
//! Without the `std` feature there is no registry and reclaim frees nothing.

use crate::context::token::SleepToken;
use crate::vocab::flags::Gfp;

/// Reclaim passes of a plain sleeping request (e.g. `GFP_KERNEL`).
pub const DEFAULT_RECLAIM_PASSES: u32 = 3;
/// Reclaim passes of a `__GFP_RETRY_MAYFAIL` request (the kernel's
/// `MAX_RECLAIM_RETRIES`).
pub const MAX_RECLAIM_RETRIES: u32 = 16;

/// What a shrinker needs from the request that runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShrinkerNeeds {
    /// Frees memory without I/O or filesystem calls (e.g. drops a clean cache).
    Nothing,
    /// Starts I/O (e.g. writes dirty buffers to a block device): needs `__GFP_IO`.
    Io,
    /// Calls into the filesystem (e.g. evicts inodes): needs `__GFP_FS` and `__GFP_IO`.
    Fs,
}

impl ShrinkerNeeds {
    /// Whether a request with effective flags `gfp` may run this shrinker.
    pub const fn allowed_by(self, gfp: Gfp) -> bool {
        match self {
            ShrinkerNeeds::Nothing => true,
            ShrinkerNeeds::Io => gfp.allows_io(),
            ShrinkerNeeds::Fs => gfp.allows_io() && gfp.allows_fs(),
        }
    }
}

#[cfg(feature = "std")]
mod registry {
    use super::ShrinkerNeeds;
    use crate::vocab::flags::Gfp;
    use alloc::sync::Arc;
    use alloc::vec::Vec;
    use core::cell::Cell;
    use core::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, PoisonError};

    pub(super) type Scan = dyn Fn(usize) -> usize + Send + Sync;

    pub(super) struct Entry {
        pub(super) id: u64,
        pub(super) name: &'static str,
        pub(super) needs: ShrinkerNeeds,
        pub(super) scan: Arc<Scan>,
        /// Set by a handle dropped where it could not take the lock: the
        /// shrinker is not called any more, and the next registry
        /// operation from a sleeping context forgets it.
        pub(super) dead: Arc<AtomicBool>,
    }

    /// Forgets the shrinkers whose handles were dropped in atomic sections.
    fn purge(entries: &mut Vec<Entry>) {
        entries.retain(|entry| !entry.dead.load(Ordering::Acquire));
    }

    pub(super) static SHRINKERS: Mutex<(u64, Vec<Entry>)> = Mutex::new((0, Vec::new()));

    std::thread_local! {
        static IN_RECLAIM: Cell<bool> = const { Cell::new(false) };
    }

    pub(super) fn register(name: &'static str, needs: ShrinkerNeeds, scan: Arc<Scan>) -> (u64, Arc<AtomicBool>) {
        let mut guard = SHRINKERS.lock().unwrap_or_else(PoisonError::into_inner);
        purge(&mut guard.1);
        guard.0 += 1;
        let id = guard.0;
        let dead = Arc::new(AtomicBool::new(false));
        guard.1.push(Entry { id, name, needs, scan, dead: Arc::clone(&dead) });
        (id, dead)
    }

    pub(super) fn unregister(id: u64) {
        let mut guard = SHRINKERS.lock().unwrap_or_else(PoisonError::into_inner);
        guard.1.retain(|entry| entry.id != id);
        purge(&mut guard.1);
    }

    /// How many shrinkers the registry holds, dead ones included (tests).
    pub(super) fn len() -> usize {
        SHRINKERS.lock().unwrap_or_else(PoisonError::into_inner).1.len()
    }

    pub(super) fn shrink(gfp: Gfp, target: usize, mut on_skip: impl FnMut(&'static str)) -> usize {
        if IN_RECLAIM.with(Cell::get) {
            return 0;
        }
        // Run the callbacks without the lock: they may allocate or register.
        type Runnable = (&'static str, ShrinkerNeeds, Arc<Scan>, Arc<AtomicBool>);
        let runnable: Vec<Runnable> = {
            let mut guard = SHRINKERS.lock().unwrap_or_else(PoisonError::into_inner);
            purge(&mut guard.1);
            guard.1.iter().map(|e| (e.name, e.needs, Arc::clone(&e.scan), Arc::clone(&e.dead))).collect()
        };
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                IN_RECLAIM.with(|flag| flag.set(false));
            }
        }
        IN_RECLAIM.with(|flag| flag.set(true));
        let _reset = Reset;
        let mut freed = 0usize;
        for (name, needs, scan, dead) in runnable {
            if dead.load(Ordering::Acquire) {
                continue;
            }
            if !needs.allowed_by(gfp) {
                on_skip(name);
                continue;
            }
            freed = freed.saturating_add(scan(target.saturating_sub(freed)));
            if freed >= target {
                break;
            }
        }
        freed
    }
}

/// A registered shrinker. Unregister it with [`unregister`](Self::unregister)
/// and the caller's sleep token, as the kernel's `unregister_shrinker()`
/// (which may sleep: it takes the registry's lock and waits for running
/// passes).
///
/// Dropping the handle instead never blocks, wherever it happens: the
/// shrinker is marked dead at once (no reclaim pass calls it from then
/// on) and, outside an atomic section, removed from the registry; inside
/// one (a spinlock's section, an interrupt handler) the removal is
/// deferred, as `vfree_atomic()` defers a free, to the registry's next
/// use from a context that may sleep (a registration, a reclaim pass).
#[must_use = "dropping the handle unregisters the shrinker; keep it for as long as the cache exists"]
#[derive(Debug)]
pub struct ShrinkerHandle {
    #[cfg(feature = "std")]
    id: u64,
    #[cfg(feature = "std")]
    dead: alloc::sync::Arc<core::sync::atomic::AtomicBool>,
}

impl ShrinkerHandle {
    /// Unregisters the shrinker now: when this returns, it is out of the
    /// registry and its callback has been dropped (unless a reclaim pass on
    /// another thread still holds it). Takes the registry's lock, so it
    /// takes a sleep token: it does not compile under a spinlock or in a
    /// `#[nowait]` function (drop the handle there, which defers).
    ///
    /// ```
    /// use alloc_ctx::reclaim::{register_shrinker, ShrinkerNeeds};
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// let cache = register_shrinker(cx, "demo-cache", ShrinkerNeeds::Nothing, |_target| 0);
    /// cache.unregister(cx);
    /// # }
    /// ```
    #[track_caller]
    pub fn unregister(self, cx: &mut impl SleepToken) {
        let _ = cx.may_sleep();
        crate::context::state::might_sleep();
        // `self` is dropped as the call returns, outside any atomic section
        // (checked just above): the drop removes the shrinker at once, one
        // removal path for both.
    }
}

#[cfg(feature = "std")]
impl Drop for ShrinkerHandle {
    /// Marks the shrinker dead (never called again) and removes it from
    /// the registry now, or, inside an atomic section, at the registry's
    /// next use from a sleeping context. Never blocks.
    fn drop(&mut self) {
        self.dead.store(true, core::sync::atomic::Ordering::Release);
        if !crate::context::state::in_atomic() {
            registry::unregister(self.id);
        }
    }
}

/// How many shrinkers the registry holds, including those dropped in an
/// atomic section and not yet removed. For tests of the deferral.
#[cfg(feature = "std")]
#[doc(hidden)]
pub fn registered_shrinkers() -> usize {
    registry::len()
}

/// Registers a shrinker: `scan(target)` should free up to `target` bytes
/// and return how many it freed.
///
/// Registering allocates and takes the registry's lock, so it may sleep,
/// like `register_shrinker()`: it takes the caller's sleep token, so it
/// does not compile under a spinlock or in a `#[nowait]` function.
/// Register at probe time.
///
/// ```
/// use alloc_ctx::reclaim::{register_shrinker, ShrinkerNeeds};
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// let _cache = register_shrinker(cx, "demo-cache", ShrinkerNeeds::Nothing, |_target| 0);
/// # }
/// ```
#[cfg(feature = "std")]
#[track_caller]
pub fn register_shrinker(
    cx: &mut impl SleepToken,
    name: &'static str,
    needs: ShrinkerNeeds,
    scan: impl Fn(usize) -> usize + Send + Sync + 'static,
) -> ShrinkerHandle {
    let _ = cx.may_sleep();
    crate::context::state::might_sleep();
    let (id, dead) = registry::register(name, needs, alloc::sync::Arc::new(scan));
    ShrinkerHandle { id, dead }
}

/// Runs the shrinkers the current context allows for a request with flags
/// `gfp`, aiming to free `target` bytes; returns the bytes freed.
///
/// Shrinkers may sleep (write back, wait for I/O), so this takes the
/// caller's sleep token, like every operation that may sleep. The thread's
/// scope mask is applied first, so a NOIO section never runs an I/O
/// shrinker. The request path runs the same reclaim by itself; this is for
/// tests and drivers that exercise reclaim directly.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, flags::*, reclaim::shrink};
/// let freed = shrink(cx, GFP_KERNEL.gfp(), 4096);
/// # let _ = freed;
/// # }
/// ```
pub fn shrink(cx: &mut impl SleepToken, gfp: Gfp, target: usize) -> usize {
    shrink_reporting(cx, gfp, target, |_| {})
}

/// As [`shrink`], calling `on_skip` with the name of each shrinker skipped
/// because the effective flags lack what it needs.
pub fn shrink_reporting(cx: &mut impl SleepToken, gfp: Gfp, target: usize, on_skip: impl FnMut(&'static str)) -> usize {
    let _ = cx;
    crate::context::state::might_sleep();
    run_shrinkers(gfp, target, on_skip)
}

/// The reclaim pass of a sleeping request (the request path has checked
/// the context already).
pub(crate) fn run_shrinkers(gfp: Gfp, target: usize, on_skip: impl FnMut(&'static str)) -> usize {
    let effective = crate::context::state::current_gfp_context(gfp);
    #[cfg(feature = "std")]
    return registry::shrink(effective, target, on_skip);
    #[cfg(not(feature = "std"))]
    {
        let _ = (effective, target, on_skip);
        0
    }
}
