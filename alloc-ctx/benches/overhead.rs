//! Overhead benchmarks of alloc-ctx: the token request path, the
//! checked sizes and the containers, each against what a user would write
//! without alloc-ctx, and the throughput of a failure sweep.
//!
//! No dependencies: `std::time::Instant` and `std::hint::black_box`. Every
//! measurement interleaves the alloc-ctx path and its baselines in the same
//! run, round after round (the order rotates each round), and reports the
//! median ns/op of each path and the median of the per-round ratios, with
//! the issue's target and PASS/MISS.
//!
//! ```text
//! cargo bench -p alloc-ctx --bench overhead                     # every timing group
//! cargo bench -p alloc-ctx --bench overhead -- alloc push       # some groups
//! cargo bench -p alloc-ctx --bench overhead -- list             # the paths
//! cargo bench -p alloc-ctx --bench overhead -- callgrind alloc.token.kernel 100000
//! ```
//!
//! `callgrind PATH N` runs one path exactly `N` times and nothing else, so
//! `scripts/bench.sh` can count its instructions under
//! `valgrind --tool=callgrind` (twice, with two values of `N`: the
//! difference cancels start-up) and compute instruction ratios, which do
//! not depend on the load of the machine.
//!
//! Environment: `BENCH_ROUNDS` (default 11), `BENCH_SAMPLE_MS` (default 100,
//! the length of one timed sample).
//!
//! Item 6 on the example programs themselves is `benches/sweep-examples`;
//! items 4 and 5 are in `scripts/bench.sh` (see BENCHMARKS.md).
//!
//! Run without `--bench` (as `cargo test --all-targets` does), the binary
//! runs every path a few times as a smoke test and exits. Nothing here
//! asserts a timing.

use std::alloc::Layout;
use std::fmt::Debug;
use std::hint::black_box;
use std::time::{Duration, Instant};

use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_NOWARN, __GFP_ZERO, GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, NofailMax, Size, array_size, struct_size};
use alloc_ctx::sweep::{SweepBackend, try_sweep};
use alloc_ctx::{AllocError, KBox, KVec, MaySleep, NoWait, backend::Backend, backend::System, size::SizeError};

/// Bytes of one item-1 allocation.
const BYTES: usize = 64;
/// Elements of the item-2 arrays (`u64`: 256 bytes).
const ELEMS: usize = 32;
/// Elements pushed per iteration of the push paths.
const PUSHES: usize = 1024;
/// Slices appended per iteration of the extend paths.
const SLICES: usize = 16;
/// Elements of one appended slice.
const SLICE_LEN: usize = 256;

/// The error path of every benchmark: never taken.
#[cold]
#[inline(never)]
fn fail(error: impl Debug) -> ! {
    panic!("benchmark allocation failed: {error:?}")
}

// ---------------------------------------------------------------------------
// Item 1 baseline: a run-time-checked flags word.
// ---------------------------------------------------------------------------

/// What an allocation API with a run-time `Flags(u32)` word must do on
/// every call, since the compiler knows neither the context nor the flags:
/// reject unknown bits and contradictory combinations, read the thread's
/// atomic depth to refuse a sleeping request in atomic context, check the
/// size against the maximum (8 KiB for NOFAIL), apply the NOFS/NOIO scope
/// mask, then allocate. alloc-ctx does all of this but the last two steps
/// at compile time.
mod rt {
    use std::alloc::Layout;
    use std::cell::Cell;
    use std::ptr::NonNull;

    const HIGH: u32 = 0x20;
    const IO: u32 = 0x40;
    const FS: u32 = 0x80;
    const ZERO: u32 = 0x100;
    const DIRECT_RECLAIM: u32 = 0x400;
    const KSWAPD_RECLAIM: u32 = 0x800;
    const NOWARN: u32 = 0x2000;
    const RETRY_MAYFAIL: u32 = 0x4000;
    const NOFAIL: u32 = 0x8000;
    const NORETRY: u32 = 0x10000;
    const KNOWN: u32 =
        HIGH | IO | FS | ZERO | DIRECT_RECLAIM | KSWAPD_RECLAIM | NOWARN | RETRY_MAYFAIL | NOFAIL | NORETRY;
    const KMALLOC_MAX_SIZE: usize = 4 << 20;
    const NOFAIL_MAX_SIZE: usize = 8 << 10;

    /// A GFP flags word checked at run time.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Flags(u32);

    pub(crate) const GFP_KERNEL: Flags = Flags(DIRECT_RECLAIM | KSWAPD_RECLAIM | IO | FS);
    pub(crate) const GFP_ATOMIC: Flags = Flags(HIGH | KSWAPD_RECLAIM);

    std::thread_local! {
        static ATOMIC_DEPTH: Cell<u32> = const { Cell::new(0) };
        static SCOPE_MASK: Cell<u32> = const { Cell::new(0) };
    }

    /// Why a run-time-checked request was refused.
    #[derive(Debug)]
    pub(crate) enum Error {
        /// Unknown bits or a contradictory combination.
        Invalid(#[allow(dead_code)] u32),
        /// A sleeping request in atomic context.
        SleepInAtomic,
        /// Over the allocator's maximum.
        TooLarge(#[allow(dead_code)] usize),
        /// The allocator failed.
        OutOfMemory,
    }

    /// An owned byte buffer.
    pub(crate) struct Buffer {
        ptr: NonNull<u8>,
        len: usize,
    }

    impl Buffer {
        pub(crate) fn as_ptr(&self) -> *const u8 {
            self.ptr.as_ptr()
        }
    }

    impl Drop for Buffer {
        #[inline]
        fn drop(&mut self) {
            if self.len != 0 {
                // SAFETY: allocated in `alloc` with this layout, which
                // `from_size_align` accepted there.
                unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Layout::from_size_align_unchecked(self.len, 1)) }
            }
        }
    }

    /// The run-time-checked request.
    #[inline]
    pub(crate) fn alloc(flags: Flags, len: usize) -> Result<Buffer, Error> {
        let mut bits = flags.0;
        if bits & !KNOWN != 0 {
            return Err(Error::Invalid(bits));
        }
        let direct = bits & DIRECT_RECLAIM != 0;
        if bits & (NOFAIL | NORETRY | RETRY_MAYFAIL) != 0 && !direct {
            return Err(Error::Invalid(bits));
        }
        if bits & NOFAIL != 0 && bits & (NORETRY | RETRY_MAYFAIL) != 0 {
            return Err(Error::Invalid(bits));
        }
        if direct && ATOMIC_DEPTH.with(Cell::get) != 0 {
            return Err(Error::SleepInAtomic);
        }
        let max = if bits & NOFAIL != 0 { NOFAIL_MAX_SIZE } else { KMALLOC_MAX_SIZE };
        if len > max {
            return Err(Error::TooLarge(len));
        }
        if bits & (IO | FS) != 0 {
            bits &= !SCOPE_MASK.with(Cell::get);
        }
        if len == 0 {
            return Ok(Buffer { ptr: NonNull::dangling(), len });
        }
        let layout = Layout::from_size_align(len, 1).map_err(|_| Error::TooLarge(len))?;
        // SAFETY: `len` is not zero.
        let ptr =
            unsafe { if bits & ZERO != 0 { std::alloc::alloc_zeroed(layout) } else { std::alloc::alloc(layout) } };
        NonNull::new(ptr).map(|ptr| Buffer { ptr, len }).ok_or(Error::OutOfMemory)
    }
}

// ---------------------------------------------------------------------------
// The paths. Each runs its operation `iterations` times; sizes that a real
// caller computes at run time go through `black_box`; flags are literal
// constants on every path (a caller writes `GFP_KERNEL`, not a computed
// word), so what a constant folds away is folded on the baselines too.
// ---------------------------------------------------------------------------

/// Item 1, token: `Size::<KmallocMax>::new` + `cx.alloc(GFP_KERNEL, size)` +
/// drop, through a `MaySleep` token.
#[inline(never)]
fn alloc_token_kernel(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let size = Size::<KmallocMax>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
        let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
        black_box(buffer.as_ptr());
    }
}

/// Item 1, token: as above with `GFP_ATOMIC` through a `NoWait` token.
#[inline(never)]
fn alloc_token_atomic(_cx: &mut MaySleep, iterations: u64) {
    NoWait::enter(|nw| {
        for _ in 0..iterations {
            let size = Size::<KmallocMax>::new(black_box(BYTES)).unwrap_or_else(|e| fail(e));
            let buffer = nw.alloc(GFP_ATOMIC, size).unwrap_or_else(|e| fail(e));
            black_box(buffer.as_ptr());
        }
    });
}

/// Item 1, baseline: `std::alloc::alloc`/`dealloc` with the same `Layout`
/// (`Layout::array::<u8>(n)`, what `cx.alloc` asks the `System` backend).
#[inline(never)]
fn alloc_raw(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let layout = Layout::array::<u8>(black_box(BYTES)).unwrap_or_else(|e| fail(e));
        alloc_dealloc(layout);
    }
}

/// Item 1, baseline: the run-time-checked `Flags(u32)` API, `GFP_KERNEL`.
#[inline(never)]
fn alloc_rtflags_kernel(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        // The flags are a literal constant, as at a real call site: only
        // the size is opaque, so the checks on the flags fold, as they do
        // for the token path.
        let buffer = rt::alloc(rt::GFP_KERNEL, black_box(BYTES)).unwrap_or_else(|e| fail(e));
        black_box(buffer.as_ptr());
    }
}

/// Item 1, baseline: the run-time-checked `Flags(u32)` API, `GFP_ATOMIC`.
#[inline(never)]
fn alloc_rtflags_atomic(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let buffer = rt::alloc(rt::GFP_ATOMIC, black_box(BYTES)).unwrap_or_else(|e| fail(e));
        black_box(buffer.as_ptr());
    }
}

/// Item 2, token: `array_size::<u64, KmallocMax>(n)` + `cx.alloc(GFP_KERNEL, size)`.
#[inline(never)]
fn array_token(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let size = array_size::<u64, KmallocMax>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
        black_box(buffer.as_ptr());
    }
}

/// Item 2, baseline: `Layout::array::<u64>(n)` + `alloc`/`dealloc`.
#[inline(never)]
fn array_raw(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let layout = Layout::array::<u64>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        alloc_dealloc(layout);
    }
}

/// Item 2, the size check alone: `array_size::<u64, KmallocMax>(n)`, then the
/// same `alloc`/`dealloc` as the baseline (no token, no request layer).
#[inline(never)]
fn array_checked_raw(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let size = array_size::<u64, KmallocMax>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        alloc_dealloc_checked(size.get(), align_of::<u64>());
    }
}

/// `alloc`/`dealloc` of a size that a `Size<KmallocMax>` already checked.
#[inline(always)]
fn alloc_dealloc_checked(size: usize, align: usize) {
    // SAFETY: `align` is a type's alignment (a power of two) and `size` was
    // checked against `KmallocMax` (at most 4 MiB), so rounding it up to
    // `align` cannot overflow `isize`.
    alloc_dealloc(unsafe { Layout::from_size_align_unchecked(size, align) });
}

/// `std::alloc::alloc` and `dealloc` of `layout` (nothing if it is empty):
/// the raw baseline's allocation, shared by every raw path.
#[inline(always)]
fn alloc_dealloc(layout: Layout) {
    if layout.size() == 0 {
        return;
    }
    // SAFETY: the size is not zero.
    let ptr = unsafe { std::alloc::alloc(layout) };
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    black_box(ptr.cast_const());
    // SAFETY: allocated just above with `layout`.
    unsafe { std::alloc::dealloc(ptr, layout) };
}

/// Typed array, token: `KVec::<u64>::with_capacity(n, GFP_KERNEL, cx)`
/// (one exact allocation of `n` elements), then drop.
#[inline(never)]
fn array_kvec_with_capacity(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let vec = KVec::<u64>::with_capacity(black_box(ELEMS), GFP_KERNEL, cx).unwrap_or_else(|e| fail(e));
        black_box(vec.as_ptr());
    }
}

/// Typed array, baseline: `Vec::<u64>::new()` + `try_reserve_exact(n)`,
/// then drop: std's fallible way to get the same allocation.
#[inline(never)]
fn array_vec_try_reserve_exact(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let mut vec = Vec::<u64>::new();
        vec.try_reserve_exact(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        black_box(vec.as_ptr());
    }
}

/// The header of the item-2 flexible-array struct (8 bytes with padding).
#[repr(C)]
struct Header {
    _len: u32,
    _flags: u16,
}

/// Item 2, token: `struct_size::<Header, u64, KmallocMax>(n)` + `cx.alloc`.
#[inline(never)]
fn struct_token(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let size = struct_size::<Header, u64, KmallocMax>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        let buffer = cx.alloc(GFP_KERNEL, size).unwrap_or_else(|e| fail(e));
        black_box(buffer.as_ptr());
    }
}

/// Item 2, the size check alone: `struct_size::<Header, u64, KmallocMax>(n)`,
/// then the same `alloc`/`dealloc` as the baseline.
#[inline(never)]
fn struct_checked_raw(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let size = struct_size::<Header, u64, KmallocMax>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        alloc_dealloc_checked(size.get(), align_of::<u64>().max(align_of::<Header>()));
    }
}

/// Item 2, baseline: `Layout::new::<Header>().extend(Layout::array::<u64>(n))`
/// padded to alignment + `alloc`/`dealloc`.
#[inline(never)]
fn struct_raw(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let array = Layout::array::<u64>(black_box(ELEMS)).unwrap_or_else(|e| fail(e));
        let (layout, _) = Layout::new::<Header>().extend(array).unwrap_or_else(|e| fail(e));
        let layout = layout.pad_to_align();
        alloc_dealloc(layout);
    }
}

/// Item 3, token: `PUSHES` × `KVec::push(v, GFP_KERNEL, cx)` from empty
/// (growth included), then drop.
#[inline(never)]
fn push_kvec_kernel(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let mut vec: KVec<u64> = KVec::new();
        for value in 0..black_box(PUSHES) as u64 {
            vec.push(value, GFP_KERNEL, cx).unwrap_or_else(|e| fail(e));
        }
        black_box(vec.as_ptr());
    }
}

/// Item 3, token: as above with `GFP_ATOMIC` through a `NoWait` token.
#[inline(never)]
fn push_kvec_atomic(_cx: &mut MaySleep, iterations: u64) {
    NoWait::enter(|nw| {
        for _ in 0..iterations {
            let mut vec: KVec<u64> = KVec::new();
            for value in 0..black_box(PUSHES) as u64 {
                vec.push(value, GFP_ATOMIC, nw).unwrap_or_else(|e| fail(e));
            }
            black_box(vec.as_ptr());
        }
    });
}

/// Item 3, baseline: `Vec::try_reserve(1)` + `Vec::push`, the fallible
/// equivalent.
#[inline(never)]
fn push_vec(_cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        let mut vec: Vec<u64> = Vec::new();
        for value in 0..black_box(PUSHES) as u64 {
            vec.try_reserve(1).unwrap_or_else(|e| fail(e));
            vec.push(value);
        }
        black_box(vec.as_ptr());
    }
}

/// The slice the extend paths append.
fn extend_source() -> &'static [u64] {
    static SOURCE: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| (0..SLICE_LEN as u64).collect())
}

/// Item 3, token: `SLICES` × `KVec::extend_from_slice(s, GFP_KERNEL, cx)`
/// from empty, then drop.
#[inline(never)]
fn extend_kvec(cx: &mut MaySleep, iterations: u64) {
    let source = extend_source();
    {
        for _ in 0..iterations {
            let mut vec: KVec<u64> = KVec::new();
            for _ in 0..black_box(SLICES) {
                vec.extend_from_slice(black_box(source), GFP_KERNEL, cx).unwrap_or_else(|e| fail(e));
            }
            black_box(vec.as_ptr());
        }
    }
}

/// Item 3, baseline: `Vec::try_reserve(n)` + `Vec::extend_from_slice`.
#[inline(never)]
fn extend_vec(_cx: &mut MaySleep, iterations: u64) {
    let source = extend_source();
    for _ in 0..iterations {
        let mut vec: Vec<u64> = Vec::new();
        for _ in 0..black_box(SLICES) {
            let slice = black_box(source);
            vec.try_reserve(slice.len()).unwrap_or_else(|e| fail(e));
            vec.extend_from_slice(slice);
        }
        black_box(vec.as_ptr());
    }
}

// ---------------------------------------------------------------------------
// Item 6: a failure sweep over a driver-shaped scenario.
// ---------------------------------------------------------------------------

/// The flexible-array header of a received frame.
#[repr(C)]
struct RxHeader {
    _len: u32,
    _queue: u16,
    _flags: u16,
}

/// A driver's life in miniature, after the examples (`nic_driver`,
/// `btree_paths`, `block_writeback`): probe (a config block, a descriptor
/// ring grown push by push, a zeroed frame with a flexible array, a small
/// NOFAIL table), an interrupt that pushes with `GFP_ATOMIC` and drops
/// packets on failure, and a write-back buffer in a NOFS scope. Every
/// growth is an allocation point; a failure returns an `Err` (probe) or
/// drops a packet (interrupt), and everything is freed either way.
fn driver_scenario<A: Backend + Copy>(cx: &mut MaySleep, backend: A) -> Result<usize, AllocError> {
    let config = KBox::new_in([0u32; 16], backend, GFP_KERNEL, cx)?;
    let mut ring: KVec<u64, A> = KVec::new_in(backend);
    for slot in 0..256 {
        ring.push(slot, GFP_KERNEL, cx)?;
    }
    let frame = cx.alloc_in(backend, GFP_KERNEL | __GFP_ZERO, struct_size::<RxHeader, u64, KmallocMax>(16)?)?;
    let mut paths: KVec<[u64; 8], A> = KVec::new_in(backend);
    paths.grow_to(array_size::<[u64; 8], NofailMax>(8)?, GFP_KERNEL | __GFP_NOFAIL, cx);
    let mut rx: KVec<u64, A> = KVec::new_in(backend);
    let mut dropped = 0;
    cx.nowait_scope(|nw| {
        for packet in 0..64 {
            if rx.push(packet, GFP_ATOMIC | __GFP_NOWARN, nw).is_err() {
                dropped += 1;
            }
        }
    });
    let written = cx.nofs(|cx| {
        let page = KBox::new_in([0u8; 512], backend, GFP_KERNEL, cx)?;
        Ok::<_, AllocError>(page.len())
    })?;
    black_box((config.as_ptr(), ring.as_ptr(), frame.as_ptr(), paths.as_ptr(), rx.as_ptr()));
    Ok(written + dropped)
}

/// One sweep of the scenario; returns its allocation points.
fn sweep_once(cx: &mut MaySleep) -> usize {
    match try_sweep(|backend: &SweepBackend| driver_scenario(cx, backend)) {
        Ok(report) => report.points,
        Err(error) => fail(error),
    }
}

/// Item 6, sweep: full sweeps (counting run + one run per point).
#[inline(never)]
fn sweep_points(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        black_box(sweep_once(cx));
    }
}

/// Item 6, reference: the scenario once on the `System` backend, no sweep.
#[inline(never)]
fn sweep_plain(cx: &mut MaySleep, iterations: u64) {
    for _ in 0..iterations {
        black_box(driver_scenario(cx, System).unwrap_or_else(|e| fail(e)));
    }
}

// ---------------------------------------------------------------------------
// The registry and the harness.
// ---------------------------------------------------------------------------

/// A measured path.
struct Path {
    /// Name on the command line (`callgrind NAME N`).
    name: &'static str,
    /// What it does, for the table.
    what: &'static str,
    /// Runs the operation `iterations` times.
    run: fn(&mut MaySleep, u64),
    /// Operations per iteration (elements for the container paths, points
    /// for the sweep), to report ns per operation.
    ops: fn(&mut MaySleep) -> u64,
}

fn one(_cx: &mut MaySleep) -> u64 {
    1
}
fn pushes(_cx: &mut MaySleep) -> u64 {
    PUSHES as u64
}
fn extended(_cx: &mut MaySleep) -> u64 {
    (SLICES * SLICE_LEN) as u64
}
fn sweep_runs(cx: &mut MaySleep) -> u64 {
    // A sweep runs the scenario once more than it has points.
    sweep_point_count(cx) + 1
}
fn sweep_point_count(cx: &mut MaySleep) -> u64 {
    static POINTS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *POINTS.get_or_init(|| sweep_once(cx) as u64)
}

const PATHS: &[Path] = &[
    Path { name: "alloc.raw", what: "std::alloc::alloc/dealloc, 64 B", run: alloc_raw, ops: one },
    Path {
        name: "alloc.rtflags.kernel",
        what: "run-time Flags(u32) API, GFP_KERNEL, 64 B",
        run: alloc_rtflags_kernel,
        ops: one,
    },
    Path {
        name: "alloc.rtflags.atomic",
        what: "run-time Flags(u32) API, GFP_ATOMIC, 64 B",
        run: alloc_rtflags_atomic,
        ops: one,
    },
    Path {
        name: "alloc.token.kernel",
        what: "MaySleep cx.alloc(GFP_KERNEL, Size), 64 B",
        run: alloc_token_kernel,
        ops: one,
    },
    Path {
        name: "alloc.token.atomic",
        what: "NoWait nw.alloc(GFP_ATOMIC, Size), 64 B",
        run: alloc_token_atomic,
        ops: one,
    },
    Path { name: "array.raw", what: "Layout::array::<u64>(32) + alloc/dealloc", run: array_raw, ops: one },
    Path {
        name: "array.token",
        what: "array_size::<u64, KmallocMax>(32) + cx.alloc(GFP_KERNEL)",
        run: array_token,
        ops: one,
    },
    Path {
        name: "array.checked.raw",
        what: "array_size::<u64, KmallocMax>(32) + alloc/dealloc (size check alone)",
        run: array_checked_raw,
        ops: one,
    },
    Path {
        name: "array.vec.reserve_exact",
        what: "Vec::<u64>::new() + try_reserve_exact(32), then drop",
        run: array_vec_try_reserve_exact,
        ops: one,
    },
    Path {
        name: "array.kvec.with_capacity",
        what: "KVec::<u64>::with_capacity(32, GFP_KERNEL, cx), then drop",
        run: array_kvec_with_capacity,
        ops: one,
    },
    Path {
        name: "struct.raw",
        what: "Layout::new::<H>().extend(Layout::array::<u64>(32)) + alloc/dealloc",
        run: struct_raw,
        ops: one,
    },
    Path {
        name: "struct.token",
        what: "struct_size::<H, u64, KmallocMax>(32) + cx.alloc(GFP_KERNEL)",
        run: struct_token,
        ops: one,
    },
    Path {
        name: "struct.checked.raw",
        what: "struct_size::<H, u64, KmallocMax>(32) + alloc/dealloc (size check alone)",
        run: struct_checked_raw,
        ops: one,
    },
    Path { name: "push.vec", what: "Vec::try_reserve(1) + push, per element", run: push_vec, ops: pushes },
    Path {
        name: "push.kvec.kernel",
        what: "KVec::push(v, GFP_KERNEL, cx), per element",
        run: push_kvec_kernel,
        ops: pushes,
    },
    Path {
        name: "push.kvec.atomic",
        what: "KVec::push(v, GFP_ATOMIC, nw), per element",
        run: push_kvec_atomic,
        ops: pushes,
    },
    Path {
        name: "extend.vec",
        what: "Vec::try_reserve(n) + extend_from_slice, per element",
        run: extend_vec,
        ops: extended,
    },
    Path {
        name: "extend.kvec",
        what: "KVec::extend_from_slice(s, GFP_KERNEL, cx), per element",
        run: extend_kvec,
        ops: extended,
    },
    Path {
        name: "sweep.plain",
        what: "driver scenario once on System (no sweep), per run",
        run: sweep_plain,
        ops: one,
    },
    Path {
        name: "sweep.points",
        what: "failure sweep of the driver scenario, per scenario run",
        run: sweep_points,
        ops: sweep_runs,
    },
];

fn path(name: &str) -> &'static Path {
    PATHS.iter().find(|path| path.name == name).unwrap_or_else(|| {
        eprintln!("unknown path `{name}`; known paths:");
        for path in PATHS {
            eprintln!("  {:22} {}", path.name, path.what);
        }
        std::process::exit(2)
    })
}

/// How a group's figure is read.
#[derive(Clone, Copy)]
enum Figure {
    /// Time ratio `subject / baseline`; PASS when at most the target.
    Cost(f64),
    /// Throughput ratio `baseline time / subject time`; PASS when at least
    /// the target.
    Throughput(f64),
    /// No target in the issue: the figure is reported as is.
    Report,
}

/// One comparison: a subject path against a baseline path.
struct Comparison {
    item: &'static str,
    subject: &'static str,
    baseline: &'static str,
    figure: Figure,
}

/// A group of paths timed together (interleaved) and the comparisons drawn
/// from them.
struct Group {
    name: &'static str,
    title: &'static str,
    paths: &'static [&'static str],
    comparisons: &'static [Comparison],
}

const GROUPS: &[Group] = &[
    Group {
        name: "alloc",
        title: "Item 1: token path vs raw allocation (allocate + free 64 bytes)",
        paths: &[
            "alloc.raw",
            "alloc.rtflags.kernel",
            "alloc.rtflags.atomic",
            "alloc.token.kernel",
            "alloc.token.atomic",
        ],
        comparisons: &[
            Comparison { item: "1", subject: "alloc.token.kernel", baseline: "alloc.raw", figure: Figure::Cost(1.01) },
            Comparison { item: "1", subject: "alloc.token.atomic", baseline: "alloc.raw", figure: Figure::Cost(1.01) },
            Comparison {
                item: "1",
                subject: "alloc.token.kernel",
                baseline: "alloc.rtflags.kernel",
                figure: Figure::Cost(1.01),
            },
            Comparison {
                item: "1",
                subject: "alloc.token.atomic",
                baseline: "alloc.rtflags.atomic",
                figure: Figure::Cost(1.01),
            },
        ],
    },
    Group {
        name: "array",
        title: "Item 2: checked sizes + allocation vs Layout + allocation",
        paths: &[
            "array.raw",
            "array.token",
            "array.checked.raw",
            "struct.raw",
            "struct.token",
            "struct.checked.raw",
            "array.vec.reserve_exact",
            "array.kvec.with_capacity",
        ],
        comparisons: &[
            Comparison {
                item: "2",
                subject: "array.kvec.with_capacity",
                baseline: "array.vec.reserve_exact",
                figure: Figure::Cost(1.05),
            },
            Comparison { item: "2", subject: "array.token", baseline: "array.raw", figure: Figure::Cost(1.05) },
            Comparison { item: "2", subject: "struct.token", baseline: "struct.raw", figure: Figure::Cost(1.05) },
            Comparison { item: "2", subject: "array.checked.raw", baseline: "array.raw", figure: Figure::Cost(1.05) },
            Comparison { item: "2", subject: "struct.checked.raw", baseline: "struct.raw", figure: Figure::Cost(1.05) },
        ],
    },
    Group {
        name: "push",
        title: "Item 3: KVec::push vs Vec::try_reserve(1) + push (1024 u64 from empty)",
        paths: &["push.vec", "push.kvec.kernel", "push.kvec.atomic"],
        comparisons: &[
            Comparison {
                item: "3",
                subject: "push.kvec.kernel",
                baseline: "push.vec",
                figure: Figure::Throughput(0.95),
            },
            Comparison {
                item: "3",
                subject: "push.kvec.atomic",
                baseline: "push.vec",
                figure: Figure::Throughput(0.95),
            },
        ],
    },
    Group {
        name: "extend",
        title: "Item 3: KVec::extend_from_slice vs Vec (16 x 256 u64 from empty)",
        paths: &["extend.vec", "extend.kvec"],
        comparisons: &[Comparison {
            item: "3",
            subject: "extend.kvec",
            baseline: "extend.vec",
            figure: Figure::Throughput(0.95),
        }],
    },
    Group {
        name: "sweep",
        title: "Item 6: failure sweep of a driver-shaped scenario",
        paths: &["sweep.plain", "sweep.points"],
        comparisons: &[Comparison {
            item: "6",
            subject: "sweep.points",
            baseline: "sweep.plain",
            figure: Figure::Report,
        }],
    },
];

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).filter(|&n| n > 0).unwrap_or(default)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[middle] } else { (sorted[middle - 1] + sorted[middle]) / 2.0 }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// Iterations of `path` that take about `sample`.
fn calibrate(cx: &mut MaySleep, path: &Path, sample: Duration) -> u64 {
    let mut iterations = 1u64;
    loop {
        let start = Instant::now();
        (path.run)(cx, iterations);
        let elapsed = start.elapsed();
        if elapsed >= sample / 4 || iterations >= 1 << 40 {
            let scale = sample.as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
            return ((iterations as f64 * scale) as u64).max(1);
        }
        iterations *= 4;
    }
}

/// ns per operation of one timed sample.
fn sample(cx: &mut MaySleep, path: &Path, iterations: u64) -> f64 {
    let start = Instant::now();
    (path.run)(cx, iterations);
    let elapsed = start.elapsed();
    elapsed.as_nanos() as f64 / (iterations * (path.ops)(cx)) as f64
}

/// One result row of the summary.
struct Row {
    item: &'static str,
    subject: &'static str,
    baseline: &'static str,
    subject_ns: f64,
    baseline_ns: f64,
    ratio: f64,
    ratio_range: (f64, f64),
    figure: Figure,
}

fn run_group(cx: &mut MaySleep, group: &Group, rounds: u64, sample_len: Duration) -> Vec<Row> {
    println!("\n## {}\n", group.title);
    let paths: Vec<&Path> = group.paths.iter().map(|name| path(name)).collect();
    let iterations: Vec<u64> = paths
        .iter()
        .map(|path| {
            (path.run)(cx, 1); // warm-up
            calibrate(cx, path, sample_len)
        })
        .collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    for round in 0..rounds as usize {
        // Rotate the order so no path always runs first (or after another).
        for k in 0..paths.len() {
            let index = (round + k) % paths.len();
            times[index].push(sample(cx, paths[index], iterations[index]));
        }
    }
    println!("| path | what | median ns/op | min–max ns/op |");
    println!("|---|---|---:|---:|");
    for (path, times) in paths.iter().zip(&times) {
        let (lo, hi) = min_max(times);
        println!("| `{}` | {} | {:.3} | {:.3}–{:.3} |", path.name, path.what, median(times), lo, hi);
    }
    let index_of = |name: &str| group.paths.iter().position(|p| *p == name).expect("path of the group");
    group
        .comparisons
        .iter()
        .map(|comparison| {
            let subject = &times[index_of(comparison.subject)];
            let baseline = &times[index_of(comparison.baseline)];
            let ratios: Vec<f64> = subject
                .iter()
                .zip(baseline)
                .map(|(s, b)| match comparison.figure {
                    Figure::Throughput(_) => b / s,
                    Figure::Cost(_) | Figure::Report => s / b,
                })
                .collect();
            Row {
                item: comparison.item,
                subject: comparison.subject,
                baseline: comparison.baseline,
                subject_ns: median(subject),
                baseline_ns: median(baseline),
                ratio: median(&ratios),
                ratio_range: min_max(&ratios),
                figure: comparison.figure,
            }
        })
        .collect()
}

fn print_summary(cx: &mut MaySleep, rows: &[Row], rounds: u64, sample_len: Duration) {
    println!(
        "\n## Summary (wall-clock; median of {rounds} interleaved rounds of ~{} ms samples)\n",
        sample_len.as_millis()
    );
    println!(
        "| item | measured | vs baseline | median ns/op | baseline ns/op | ratio (median) | ratio min–max | target | verdict |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---|---|");
    for row in rows {
        let (ratio_name, target, verdict) = match row.figure {
            Figure::Cost(target) => {
                ("time", format!("≤ {target:.2}×"), if row.ratio <= target { "PASS" } else { "MISS" })
            }
            Figure::Throughput(target) => {
                ("throughput", format!("≥ {target:.2}×"), if row.ratio >= target { "PASS" } else { "MISS" })
            }
            Figure::Report => ("time", "none".to_string(), "—"),
        };
        println!(
            "| {} | `{}` | `{}` | {:.3} | {:.3} | {:.3}× {} | {:.3}–{:.3} | {} | {} |",
            row.item,
            row.subject,
            row.baseline,
            row.subject_ns,
            row.baseline_ns,
            row.ratio,
            ratio_name,
            row.ratio_range.0,
            row.ratio_range.1,
            target,
            verdict
        );
        if row.subject == "sweep.points" {
            let points = sweep_point_count(cx) as f64;
            let runs = points + 1.0;
            // ns per scenario run -> points per second (a sweep of P points
            // takes P + 1 runs).
            let sweep_ns = row.subject_ns * runs;
            println!(
                "| 6 | failure-sweep throughput | | | | **{:.0} points/s** ({} points per sweep, {:.1} µs per sweep) | | none | — |",
                points * 1e9 / sweep_ns,
                points as u64,
                sweep_ns / 1000.0
            );
        }
    }
}

/// `cargo test --all-targets` runs bench targets without `--bench`: check
/// that every path runs, quickly, and assert nothing about time.
fn smoke(cx: &mut MaySleep) {
    for path in PATHS {
        (path.run)(cx, 2);
    }
    println!("overhead: smoke run of {} paths ok (pass --bench, or use `cargo bench`, to measure)", PATHS.len());
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut bench_flag = false;
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| {
            let flag = arg == "--bench";
            bench_flag |= flag;
            !flag
        })
        .collect();
    // The sweep reports each failed site once on stderr; quiet here.
    alloc_ctx::report::set_failure_hook(|_| {});
    match args.first().map(String::as_str) {
        Some("callgrind") => {
            let name = args.get(1).map(String::as_str).unwrap_or("");
            let iterations = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000);
            let path = path(name);
            (path.run)(cx, iterations);
            println!("{name}: {iterations} iterations of {} operations", (path.ops)(cx));
        }
        Some("sizes") => {
            // The error types' sizes, tab-separated, read by scripts/bench.sh.
            println!("AllocError\t{}", size_of::<AllocError>());
            println!("SizeError\t{}", size_of::<SizeError>());
            println!("TryReserveError\t{}", size_of::<std::collections::TryReserveError>());
            println!("Result<KVec<u64>, AllocError>\t{}", size_of::<Result<KVec<u64>, AllocError>>());
            println!(
                "Result<Vec<u64>, TryReserveError>\t{}",
                size_of::<Result<Vec<u64>, std::collections::TryReserveError>>()
            );
        }
        Some("list") => {
            // name, operations per iteration, description: tab-separated,
            // read by scripts/bench.sh.
            for path in PATHS {
                println!("{}\t{}\t{}", path.name, (path.ops)(cx), path.what);
            }
        }
        None if !bench_flag => smoke(cx),
        _ => {
            let rounds = env_number("BENCH_ROUNDS", 11);
            let sample_len = Duration::from_millis(env_number("BENCH_SAMPLE_MS", 100));
            let selected: Vec<&Group> = if args.is_empty() {
                GROUPS.iter().collect()
            } else {
                let unknown: Vec<&String> = args.iter().filter(|a| !GROUPS.iter().any(|g| g.name == *a)).collect();
                if !unknown.is_empty() {
                    let names: Vec<&str> = GROUPS.iter().map(|g| g.name).collect();
                    eprintln!("unknown group(s) {unknown:?}; groups: {names:?}, or `callgrind PATH N`, `list`");
                    std::process::exit(2);
                }
                GROUPS.iter().filter(|g| args.iter().any(|a| a == g.name)).collect()
            };
            let started = Instant::now();
            let rows: Vec<Row> = selected.iter().flat_map(|group| run_group(cx, group, rounds, sample_len)).collect();
            print_summary(cx, &rows, rounds, sample_len);
            println!("\n(total {:.1} s)", started.elapsed().as_secs_f64());
        }
    }
}
