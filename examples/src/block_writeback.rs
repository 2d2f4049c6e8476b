//! A block device's write-back path inside a NOIO scope.
//!
//! Write-back allocates (a bio and a bounce buffer per dirty page) while
//! memory is short, and the allocator may reclaim to serve it. Some
//! reclaim must not run then: a shrinker that writes dirty pages back
//! would re-enter the block layer that is waiting for this very
//! allocation, and a filesystem shrinker would take locks the write-back
//! holds. The kernel's answer is `memalloc_noio_save()`: inside the scope
//! every request loses `__GFP_IO` and `__GFP_FS`, and reclaim skips what
//! needs them.
//!
//! Here the scope is `cx.noio(|cx| …)`. The write-back code keeps writing
//! `GFP_KERNEL` (it is shared with paths where I/O is fine); inside the
//! scope the request is served as `GFP_NOIO`, the clean-page shrinker runs,
//! and the dirty-page and inode shrinkers are skipped. Each shrinker checks
//! the context it was called in and counts a *recursion* if it ever runs
//! where its needs are masked: the scenario asserts there are none.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::arc::Arc;
use alloc_ctx::flags::{Gfp, GfpFlags as _};
use alloc_ctx::prelude::*;
use alloc_ctx::reclaim::{ShrinkerHandle, ShrinkerNeeds, register_shrinker};
use alloc_ctx::{backend::Backend, may_sleep};

use crate::pages::PageList;
pub use crate::pages::{PAGE_SIZE, Page};

/// What each shrinker did.
#[derive(Debug, Default)]
pub struct ShrinkerStats {
    /// Times reclaim called it.
    pub calls: AtomicUsize,
    /// Bytes it freed.
    pub freed: AtomicUsize,
    /// Times it was called where its needs were masked (must stay 0).
    pub recursions: AtomicUsize,
}

impl ShrinkerStats {
    fn snapshot(&self) -> (usize, usize, usize) {
        (
            self.calls.load(Ordering::Relaxed),
            self.freed.load(Ordering::Relaxed),
            self.recursions.load(Ordering::Relaxed),
        )
    }
}

/// A toy page cache: clean pages (free to drop), dirty pages (need I/O to
/// drop) and cached inodes (need the filesystem to drop), all allocated
/// from the device's backend.
pub struct PageCache<A: Backend> {
    clean: PageList<A>,
    dirty: PageList<A>,
    inodes: PageList<A>,
    /// The clean-page shrinker's counters.
    pub clean_stats: ShrinkerStats,
    /// The dirty-page (write-back, needs `__GFP_IO`) shrinker's counters.
    pub dirty_stats: ShrinkerStats,
    /// The inode (needs `__GFP_FS`) shrinker's counters.
    pub inode_stats: ShrinkerStats,
}

impl<A: Backend + Send + Sync + 'static> PageCache<A> {
    #[may_sleep]
    fn new() -> Result<Arc<Self>, AllocError> {
        Arc::new(
            PageCache {
                clean: PageList::default(),
                dirty: PageList::default(),
                inodes: PageList::default(),
                clean_stats: ShrinkerStats::default(),
                dirty_stats: ShrinkerStats::default(),
                inode_stats: ShrinkerStats::default(),
            },
            GFP_KERNEL,
            cx,
        )
    }

    /// Registers the three shrinkers; they unregister when the handles drop.
    fn register(this: &Arc<Self>, cx: &mut impl alloc_ctx::SleepToken) -> [ShrinkerHandle; 3] {
        let clean = Arc::clone(this);
        let dirty = Arc::clone(this);
        let inodes = Arc::clone(this);
        [
            register_shrinker(cx, "clean-pages", ShrinkerNeeds::Nothing, move |target| {
                evict(&clean.clean, &clean.clean_stats, ShrinkerNeeds::Nothing, target)
            }),
            register_shrinker(cx, "dirty-pages", ShrinkerNeeds::Io, move |target| {
                // Writing back would submit I/O; the toy just frees the page.
                evict(&dirty.dirty, &dirty.dirty_stats, ShrinkerNeeds::Io, target)
            }),
            register_shrinker(cx, "inode-cache", ShrinkerNeeds::Fs, move |target| {
                evict(&inodes.inodes, &inodes.inode_stats, ShrinkerNeeds::Fs, target)
            }),
        ]
    }

    /// Pages in each list: (clean, dirty, inodes).
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.clean.len(), self.dirty.len(), self.inodes.len())
    }
}

/// A shrinker body: drop pages until `target` bytes are freed, recording a
/// recursion if the calling context masks what this shrinker needs.
fn evict<A: Backend>(list: &PageList<A>, stats: &ShrinkerStats, needs: ShrinkerNeeds, target: usize) -> usize {
    stats.calls.fetch_add(1, Ordering::Relaxed);
    // The context reclaim runs in: what a GFP_KERNEL request would be
    // served as here, after the thread's NOFS/NOIO scopes.
    let context = alloc_ctx::current_gfp_context(GFP_KERNEL.gfp());
    if !needs.allowed_by(context) {
        stats.recursions.fetch_add(1, Ordering::Relaxed);
    }
    let freed = list.evict(target);
    stats.freed.fetch_add(freed, Ordering::Relaxed);
    freed
}

/// A bio: a bounce buffer and where it goes.
pub struct Bio<A: Backend> {
    /// Target sector.
    pub sector: u64,
    /// The data, copied from the page.
    pub buffer: KBox<Page, A>,
}

/// Writes one dirty page back: allocates its bio with `GFP_KERNEL`, which
/// the caller's NOIO scope turns into `GFP_NOIO`.
#[may_sleep]
pub fn submit_writeback<A: Backend + Clone>(backend: &A, page: &Page, sector: u64) -> Result<Bio<A>, AllocError> {
    let buffer = KBox::new_in(*page, backend.clone(), GFP_KERNEL, cx)?;
    Ok(Bio { sector, buffer })
}

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Clean pages in the cache at the start.
    pub clean_pages: usize,
    /// Dirty pages to write back.
    pub dirty_pages: usize,
    /// Cached inodes (a page each).
    pub inodes: usize,
    /// Memory, in pages, beyond what the cache holds at the start.
    pub headroom_pages: usize,
}

impl Config {
    /// A small run that still reaches every allocation path: what the
    /// failure sweeps of the test suite and of the sweep benchmark run
    /// (each of its allocation points is failed in turn).
    pub const SWEEP: Config = Config { clean_pages: 4, dirty_pages: 4, inodes: 2, headroom_pages: 0 };
}

impl Default for Config {
    fn default() -> Self {
        Config { clean_pages: 24, dirty_pages: 16, inodes: 8, headroom_pages: 4 }
    }
}

/// What happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// How a `GFP_KERNEL` request was served inside the write-back scope.
    pub writeback_flags: Option<Gfp>,
    /// Dirty pages written back.
    pub written: usize,
    /// Write-backs that failed (the page stays dirty for a later pass).
    pub failed: usize,
    /// (calls, bytes freed, recursions) of each shrinker during write-back.
    pub during_writeback: [(usize, usize, usize); 3],
    /// The same after the ordinary `GFP_KERNEL` allocation that followed.
    pub after_pressure: [(usize, usize, usize); 3],
    /// Whether the ordinary allocation under pressure succeeded.
    pub pressure_allocation_ok: bool,
}

impl Summary {
    /// Shrinker calls made where the shrinker's needs were masked: the bug
    /// the NOIO scope exists to prevent. Always 0.
    pub fn recursions(&self) -> usize {
        self.during_writeback.iter().chain(&self.after_pressure).map(|s| s.2).sum()
    }
}

fn stats<A: Backend>(cache: &PageCache<A>) -> [(usize, usize, usize); 3] {
    [cache.clean_stats.snapshot(), cache.dirty_stats.snapshot(), cache.inode_stats.snapshot()]
}

/// Adds up to `pages` pages to `list`; stops quietly when memory runs out
/// (a smaller cache is fine).
#[may_sleep]
fn fill<A: Backend + Clone>(list: &PageList<A>, backend: &A, pages: usize, byte: u8) {
    for _ in 0..pages {
        match KBox::new_in([byte; PAGE_SIZE], backend.clone(), GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, cx) {
            Ok(page) => list.push(page),
            Err(_) => break,
        }
    }
}

/// Runs the scenario: fill the cache until memory is tight, write the
/// dirty pages back inside a NOIO scope, then make an ordinary allocation
/// under pressure. `backend` should be a budget a little larger than the
/// cache (see [`Config::headroom_pages`]).
#[may_sleep]
pub fn run<A>(backend: A, config: Config, out: &mut dyn Write) -> Summary
where
    A: Backend + Clone + Send + Sync + 'static,
{
    let mut summary = Summary::default();
    let cache = PageCache::<A>::new(cx).expect("the cache's header: a few bytes at probe time");
    // Registered after the cache (so they can reach it), dropped before it.
    let _shrinkers = PageCache::register(&cache, cx);

    // Fill the cache (process context, may sleep).
    fill(cx, &cache.clean, &backend, config.clean_pages, 0);
    fill(cx, &cache.dirty, &backend, config.dirty_pages, 0xd1);
    fill(cx, &cache.inodes, &backend, config.inodes, 0x1e);
    let (clean, dirty, inodes) = cache.counts();
    let _ = writeln!(out, "  page cache filled: {clean} clean pages, {dirty} dirty pages, {inodes} inodes");

    // Write-back: inside NOIO. Each bio's allocation may need reclaim.
    let dirty_pages = cache.dirty.take_all();
    // One slot per dirty page, reserved before the write-back starts (a
    // bio in flight is never dropped for want of a slot).
    let mut bios = KVec::with_capacity(dirty_pages.len(), GFP_KERNEL, cx).expect("a small array at probe time");
    cx.noio(|cx| {
        let served = cx.effective(GFP_KERNEL);
        let _ = writeln!(out, "  write-back in a NOIO scope: GFP_KERNEL is served as {served}");
        summary.writeback_flags = Some(served);
        for (sector, page) in dirty_pages.iter().enumerate() {
            match submit_writeback(cx, &backend, page, sector as u64 * 8) {
                Ok(bio) => bios.push_within_capacity(bio).unwrap_or_else(|_| unreachable!("reserved above")),
                Err(error) => {
                    summary.failed += 1;
                    let _ = writeln!(out, "  bio for sector {} failed: {error}; page stays dirty", sector * 8);
                }
            }
        }
    });
    summary.written = bios.len();
    summary.during_writeback = stats(&cache);
    let [clean_s, dirty_s, inode_s] = summary.during_writeback;
    let _ = writeln!(
        out,
        "  wrote back {} pages; reclaim during write-back: clean-pages ran {}x freeing {} B; \
         dirty-pages ran {}x and inode-cache ran {}x (skipped: no __GFP_IO/__GFP_FS)",
        bios.len(),
        clean_s.0,
        clean_s.1,
        dirty_s.0,
        inode_s.0
    );

    // Completion: the bios finish and the written pages are clean again;
    // meanwhile the filesystem dirtied some more.
    drop(bios);
    let mut written = dirty_pages;
    let still_dirty = written.split_off(summary.written);
    cache.clean.extend(written);
    cache.dirty.extend(still_dirty);
    fill(cx, &cache.dirty, &backend, config.dirty_pages / 2, 0xd2);

    // An ordinary allocation (GFP_KERNEL, no scope) as large as the cache
    // was at the start: every shrinker may run now, and must.
    let cache_bytes = (config.clean_pages + config.dirty_pages + config.inodes) * PAGE_SIZE;
    let big = alloc_ctx::size::Size::<alloc_ctx::size::KmallocMax>::new(cache_bytes).expect("fits kmalloc");
    summary.pressure_allocation_ok = cx.alloc_in(backend.clone(), GFP_KERNEL | __GFP_NOWARN, big).is_ok();
    summary.after_pressure = stats(&cache);
    let [_, dirty_s, inode_s] = summary.after_pressure;
    let _ = writeln!(
        out,
        "  a GFP_KERNEL allocation of {} B outside the scope: {}; dirty-pages ran {}x, inode-cache ran {}x",
        big.get(),
        if summary.pressure_allocation_ok { "served" } else { "failed" },
        dirty_s.0,
        inode_s.0
    );
    let _ = writeln!(out, "  shrinkers called where their needs were masked: {}", summary.recursions());
    summary
}
