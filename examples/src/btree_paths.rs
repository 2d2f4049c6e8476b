//! `btree_paths_realloc`, ported: the call site from the August 2024 mm
//! thread about `PF_MEMALLOC_NOWAIT`.
//!
//! bcachefs keeps the btree iterators of a transaction in a growable array
//! and grows it with `kvmalloc(…, GFP_KERNEL|__GFP_NOFAIL)`: the call site
//! has no error path. The thread's point was that this is only sound while
//! the array is small (NOFAIL is honoured up to an order-1 allocation,
//! 8 KiB) and only while the caller may sleep; past that the size can
//! exceed what `kvmalloc` accepts and an error path is needed anyway.
//!
//! Here the two cases are two types. The growth size is computed with
//! [`array_size`]; if it is proven to fit [`NofailMax`] the request is
//! `GFP_KERNEL | __GFP_NOFAIL` and returns `()`, nothing to handle. If it
//! does not, the same computation against [`KvmallocMax`] gives either a
//! `SizeError` (no allocator could serve it) or a size for a fallible
//! request, whose `AllocError` the transaction turns into a restart. The
//! growth function is `#[may_sleep]`: called from a `#[nowait]` function it
//! does not compile, so the NOFAIL request can never "lose".

use std::io::Write;

use alloc_ctx::BoundedVec;
use alloc_ctx::prelude::*;
use alloc_ctx::size::{KvmallocMax, NofailMax, array_size};
use alloc_ctx::{backend::Backend, may_sleep};

/// One btree iterator (bcachefs `struct btree_path`, abridged to 64 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BtreePath {
    /// Position searched for.
    pub pos: u64,
    /// Node pointers from the leaf up.
    pub nodes: [u64; 5],
    /// Which btree.
    pub btree_id: u32,
    /// Depth of the iterator.
    pub level: u8,
    /// Intent/read locks held, one bit per level.
    pub locks: u8,
    /// References to this path from iterators.
    pub ref_count: u16,
}

/// Paths in a fresh transaction's array.
pub const INITIAL_PATHS: usize = 8;

/// How one growth was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Growth {
    /// Paths before.
    pub from: usize,
    /// Paths after.
    pub to: usize,
    /// Bytes of the new array.
    pub bytes: usize,
    /// Whether it was the NOFAIL (small, cannot fail) request.
    pub nofail: bool,
}

/// A btree transaction: just its path array here.
pub struct BtreeTrans<A: Backend> {
    paths: BoundedVec<BtreePath, KvmallocMax, A>,
}

impl<A: Backend> BtreeTrans<A> {
    /// An empty transaction allocating from `backend`.
    pub fn new(backend: A) -> Self {
        BtreeTrans { paths: BoundedVec::new_in(backend) }
    }

    /// Paths held.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether no path is held.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// Paths the array can hold without growing.
    pub fn capacity(&self) -> usize {
        self.paths.capacity()
    }

    /// Doubles the path array: NOFAIL while the new array is proven to fit
    /// 8 KiB, a fallible `kvmalloc`-bounded request beyond.
    #[may_sleep]
    pub fn paths_realloc(&mut self) -> Result<Growth, AllocError> {
        let from = self.paths.capacity();
        let to = alloc_ctx::size::overflow::size_mul(from.max(INITIAL_PATHS / 2), 2);
        if let Ok(small) = array_size::<BtreePath, NofailMax>(to) {
            // No error path, and none needed: the type of `small` proves
            // the request is one the page allocator honours with NOFAIL.
            self.paths.grow_to(small, GFP_KERNEL | __GFP_NOFAIL, cx);
            return Ok(Growth { from, to, bytes: small.get(), nofail: true });
        }
        // Past 8 KiB: a size no allocator accepts is a `SizeError` here,
        // before any request, and memory pressure is an `AllocError`.
        let large = array_size::<BtreePath, KvmallocMax>(to)?;
        self.paths.grow_to(large, GFP_KERNEL | __GFP_NOWARN, cx)?;
        Ok(Growth { from, to, bytes: large.get(), nofail: false })
    }

    /// Takes a new path at `pos`, growing the array if needed; on an error
    /// the transaction is unchanged and the caller restarts it.
    #[may_sleep]
    pub fn path_get(&mut self, pos: u64) -> Result<Option<Growth>, AllocError> {
        let growth = if self.paths.len() == self.paths.capacity() { Some(self.paths_realloc(cx)?) } else { None };
        let path = BtreePath { pos, btree_id: 1, ref_count: 1, ..BtreePath::default() };
        if self.paths.push_within_capacity(path).is_err() {
            unreachable!("paths_realloc grew the array");
        }
        Ok(growth)
    }
}

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Paths the transaction tries to take.
    pub paths: usize,
}

impl Config {
    /// A small run that still reaches every allocation path: what the
    /// failure sweeps of the test suite and of the sweep benchmark run
    /// (each of its allocation points is failed in turn).
    pub const SWEEP: Config = Config { paths: 600 };
}

impl Default for Config {
    fn default() -> Self {
        // Past 8 KiB (128 paths) and on into the fallible range.
        Config { paths: 100_000 }
    }
}

/// What happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Paths taken.
    pub paths: usize,
    /// Growths served by the NOFAIL request.
    pub nofail_growths: usize,
    /// Growths served by the fallible request.
    pub fallible_growths: usize,
    /// The error that made the transaction restart, if any.
    pub restarted_with: Option<AllocError>,
    /// The error a transaction asking for an impossible number of paths
    /// gets, before any allocator is called.
    pub impossible_request: Option<SizeError>,
}

/// Runs the scenario with allocations from `backend`, writing a trace to
/// `out`. An allocation failure is handled (the transaction restarts), not
/// a panic.
#[may_sleep]
pub fn run<A: Backend>(backend: A, config: Config, out: &mut dyn Write) -> Summary {
    let mut summary = Summary::default();
    let mut trans = BtreeTrans::new(backend);
    for pos in 0..config.paths {
        match trans.path_get(cx, pos as u64) {
            Ok(None) => {}
            Ok(Some(growth)) => {
                let kind = if growth.nofail {
                    summary.nofail_growths += 1;
                    "GFP_KERNEL|__GFP_NOFAIL  (size proven <= 8 KiB: cannot fail, no error path)"
                } else {
                    summary.fallible_growths += 1;
                    "GFP_KERNEL|__GFP_NOWARN  (kvmalloc-bounded: may fail, error path below)"
                };
                let _ =
                    writeln!(out, "  grow paths {:>6} -> {:<6} {:>9} B  {kind}", growth.from, growth.to, growth.bytes);
            }
            Err(error) => {
                let _ = writeln!(
                    out,
                    "  path_get at {} paths failed: {error}\n  -> transaction restarts (-ENOMEM), {} paths released",
                    trans.len(),
                    trans.len()
                );
                summary.restarted_with = Some(error);
                break;
            }
        }
    }
    summary.paths = trans.len();
    drop(trans);

    // A corrupted or hostile count: the overflow-checked size saturates and
    // every bound rejects it, so the request never reaches an allocator.
    let absurd = usize::MAX / 16;
    if let Err(error) = array_size::<BtreePath, KvmallocMax>(absurd) {
        let _ = writeln!(out, "  a transaction asking for {absurd} paths is refused before any allocator: {error}");
        summary.impossible_request = Some(error);
    }
    summary
}
