//! `runtime-bench`: the driver-shaped RX/TX path, written with alloc-ctx and
//! as plain Rust on the same spin lock, and a loader for the cdylib paths.
//!
//! ```text
//! runtime-bench list                  # name, operations per iteration, what
//! runtime-bench callgrind PATH N      # run PATH N times and nothing else
//! ```
//!
//! `scripts/bench.sh runtime` runs each path twice under callgrind (two
//! values of N) and divides the difference of the totals by the extra
//! operations, so start-up, probe and `dlopen` cancel out.
//!
//! The workload, per batch of `BATCH` packets (the figure is per packet):
//!
//! * interrupt (an atomic section: `cx.nowait_scope`): per packet, take the
//!   RX spin lock, pop a posted buffer, copy the frame into it, allocate
//!   its metadata with `GFP_ATOMIC` (`KBox`), push both on the done ring
//!   (`KVec::push`, `GFP_ATOMIC`), unlock;
//! * poll (process context, may sleep): swap the done ring out under the
//!   lock; per packet take the TX spin lock, account the frame, unlock,
//!   free the frame and its metadata (TX completion); then the refill path,
//!   per packet: allocate a new receive buffer with `GFP_KERNEL` outside
//!   the lock, take the RX lock, post it (`KVec::push`, `GFP_ATOMIC`), unlock.
//!
//! The plain twin does the same work with `spin::mutex::SpinMutex` (what
//! `SpinLock` wraps), `Vec` with `try_reserve`/`try_reserve_exact` and a
//! fallible `Box` made with `std::alloc`, and has no atomic-section or
//! context bookkeeping: everything alloc-ctx adds is counted against it.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::hint::black_box;

use alloc_ctx::MaySleep;

/// Frames per interrupt.
const BATCH: usize = 16;
/// Receive buffers posted (and the capacity of both rings).
const RING: usize = 64;
/// Capacity of one receive buffer.
const MTU: usize = 256;
/// Bytes of one received frame.
const FRAME: usize = 64;

#[cold]
#[inline(never)]
fn fail(error: impl core::fmt::Debug) -> ! {
    panic!("benchmark failed: {error:?}")
}

/// Per-frame metadata, allocated per packet in the interrupt.
struct Meta {
    len: u32,
    seq: u32,
}

/// The driver written with alloc-ctx.
mod ctx {
    use super::{BATCH, MTU, Meta, RING, fail};
    use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
    use alloc_ctx::sync::SpinLock;
    use alloc_ctx::{AllocError, KBox, KVec, MaySleep, NoWait, may_sleep, nowait};

    type Frame = (KVec<u8>, KBox<Meta>);

    pub(crate) struct Rx {
        posted: KVec<KVec<u8>>,
        done: KVec<Frame>,
        dropped: u64,
    }

    pub(crate) struct Tx {
        packets: u64,
        bytes: u64,
        sum: u64,
    }

    pub(crate) struct Dev {
        rx: SpinLock<Rx>,
        tx: SpinLock<Tx>,
        /// The poll's side of the done ring (swapped with `Rx::done`).
        batch: KVec<Frame>,
    }

    /// Probe: rings with room for `RING` entries, `RING` posted buffers.
    #[may_sleep]
    fn probe() -> Result<Dev, AllocError> {
        let mut posted = KVec::with_capacity(RING, GFP_KERNEL, cx)?;
        for _ in 0..RING {
            posted.push(KVec::with_capacity(MTU, GFP_KERNEL, cx)?, GFP_KERNEL, cx)?;
        }
        Ok(Dev {
            rx: SpinLock::new(Rx { posted, done: KVec::with_capacity(RING, GFP_KERNEL, cx)?, dropped: 0 }),
            tx: SpinLock::new(Tx { packets: 0, bytes: 0, sum: 0 }),
            batch: KVec::with_capacity(RING, GFP_KERNEL, cx)?,
        })
    }

    /// The interrupt handler's work for one frame.
    #[nowait]
    #[inline(never)]
    fn rx_frame(dev: &Dev, payload: &[u8], seq: u32) {
        let mut guard = dev.rx.lock(cx);
        let (rx, nw) = guard.split();
        let Some(mut buf) = rx.posted.pop() else {
            rx.dropped += 1;
            return;
        };
        buf.clear();
        if buf.extend_from_slice(payload, GFP_ATOMIC, nw).is_err() {
            rx.dropped += 1;
            return;
        }
        let Ok(meta) = KBox::new(Meta { len: payload.len() as u32, seq }, GFP_ATOMIC, nw) else {
            rx.dropped += 1;
            return;
        };
        if rx.done.push((buf, meta), GFP_ATOMIC, nw).is_err() {
            rx.dropped += 1;
        }
    }

    /// NAPI-style poll in process context: transmit what was received,
    /// complete it, refill the receive ring.
    #[may_sleep]
    #[inline(never)]
    fn poll(dev: &mut Dev) -> Result<(), AllocError> {
        let Dev { rx, tx, batch } = dev;
        core::mem::swap(&mut rx.lock(cx).done, batch);
        for (buf, meta) in batch.drain_all() {
            let mut tx = tx.lock(cx);
            tx.packets += 1;
            tx.bytes += u64::from(meta.len);
            tx.sum = tx.sum.wrapping_add(u64::from(buf[0]) + u64::from(meta.seq));
        } // TX completion: the frame and its metadata are freed here
        let missing = RING - rx.lock(cx).posted.len();
        for _ in 0..missing {
            let buf = KVec::with_capacity(MTU, GFP_KERNEL, cx)?; // may sleep: outside the lock
            let mut guard = rx.lock(cx);
            let (rx, nw) = guard.split();
            rx.posted.push(buf, GFP_ATOMIC, nw)?;
        }
        Ok(())
    }

    /// `iterations` batches of `BATCH` frames.
    pub(crate) fn run(cx: &mut MaySleep, iterations: u64, payload: &[u8]) {
        {
            let mut dev = probe(cx).unwrap_or_else(|e| fail(e));
            let mut seq = 0u32;
            for _ in 0..iterations {
                cx.nowait_scope(|nw: &mut NoWait| {
                    for _ in 0..BATCH {
                        rx_frame(nw, &dev, payload, seq);
                        seq = seq.wrapping_add(1);
                    }
                });
                poll(cx, &mut dev).unwrap_or_else(|e| fail(e));
            }
            let dropped = dev.rx.lock(cx).dropped;
            let tx = dev.tx.lock(cx);
            assert_eq!((dropped, tx.packets), (0, iterations * BATCH as u64));
            core::hint::black_box((tx.bytes, tx.sum));
        }
    }
}

/// The same driver in plain Rust: `spin`'s lock, `Vec`, a fallible `Box`.
mod plain {
    use super::{BATCH, MTU, Meta, RING, fail};
    use spin::mutex::SpinMutex;
    use std::alloc::Layout;
    use std::collections::TryReserveError;

    /// A fallible `Box::new` on stable Rust.
    #[inline]
    fn try_box<T>(value: T) -> Option<Box<T>> {
        let layout = Layout::new::<T>();
        // SAFETY: `T` (Meta) is not zero-sized.
        let ptr = unsafe { std::alloc::alloc(layout) }.cast::<T>();
        if ptr.is_null() {
            return None;
        }
        // SAFETY: fresh allocation of `T`'s layout, written before use;
        // `Box` frees it with the same layout.
        unsafe {
            ptr.write(value);
            Some(Box::from_raw(ptr))
        }
    }

    type Frame = (Vec<u8>, Box<Meta>);

    pub(crate) struct Rx {
        posted: Vec<Vec<u8>>,
        done: Vec<Frame>,
        dropped: u64,
    }

    pub(crate) struct Tx {
        packets: u64,
        bytes: u64,
        sum: u64,
    }

    pub(crate) struct Dev {
        rx: SpinMutex<Rx>,
        tx: SpinMutex<Tx>,
        batch: Vec<Frame>,
    }

    fn buffer(capacity: usize) -> Result<Vec<u8>, TryReserveError> {
        let mut buf = Vec::new();
        buf.try_reserve_exact(capacity)?;
        Ok(buf)
    }

    fn probe() -> Result<Dev, TryReserveError> {
        let mut posted = Vec::new();
        posted.try_reserve_exact(RING)?;
        for _ in 0..RING {
            posted.push(buffer(MTU)?);
        }
        let mut done = Vec::new();
        done.try_reserve_exact(RING)?;
        let mut batch = Vec::new();
        batch.try_reserve_exact(RING)?;
        Ok(Dev {
            rx: SpinMutex::new(Rx { posted, done, dropped: 0 }),
            tx: SpinMutex::new(Tx { packets: 0, bytes: 0, sum: 0 }),
            batch,
        })
    }

    #[inline(never)]
    fn rx_frame(dev: &Dev, payload: &[u8], seq: u32) {
        let mut rx = dev.rx.lock();
        let Some(mut buf) = rx.posted.pop() else {
            rx.dropped += 1;
            return;
        };
        buf.clear();
        if buf.try_reserve(payload.len()).is_err() {
            rx.dropped += 1;
            return;
        }
        buf.extend_from_slice(payload);
        let Some(meta) = try_box(Meta { len: payload.len() as u32, seq }) else {
            rx.dropped += 1;
            return;
        };
        if rx.done.try_reserve(1).is_err() {
            rx.dropped += 1;
            return;
        }
        rx.done.push((buf, meta));
    }

    #[inline(never)]
    fn poll(dev: &mut Dev) -> Result<(), TryReserveError> {
        let Dev { rx, tx, batch } = dev;
        core::mem::swap(&mut rx.lock().done, batch);
        for (buf, meta) in batch.drain(..) {
            let mut tx = tx.lock();
            tx.packets += 1;
            tx.bytes += u64::from(meta.len);
            tx.sum = tx.sum.wrapping_add(u64::from(buf[0]) + u64::from(meta.seq));
        }
        let missing = RING - rx.lock().posted.len();
        for _ in 0..missing {
            let buf = buffer(MTU)?;
            let mut rx = rx.lock();
            rx.posted.try_reserve(1)?;
            rx.posted.push(buf);
        }
        Ok(())
    }

    pub(crate) fn run(iterations: u64, payload: &[u8]) {
        let mut dev = probe().unwrap_or_else(|e| fail(e));
        let mut seq = 0u32;
        for _ in 0..iterations {
            for _ in 0..BATCH {
                rx_frame(&dev, payload, seq);
                seq = seq.wrapping_add(1);
            }
            poll(&mut dev).unwrap_or_else(|e| fail(e));
        }
        let rx = dev.rx.lock();
        let tx = dev.tx.lock();
        assert_eq!((rx.dropped, tx.packets), (0, iterations * BATCH as u64));
        core::hint::black_box((tx.bytes, tx.sum));
    }
}

// ---------------------------------------------------------------------------
// The cdylib: loaded with dlopen (glibc has it in libc.so.6).
// ---------------------------------------------------------------------------

unsafe extern "C" {
    fn dlopen(filename: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}
const RTLD_NOW: c_int = 2;

/// The address of `symbol` in the cdylib built beside this executable
/// (`RUNTIME_BENCH_CDYLIB` overrides its path), loaded on first use.
fn cdylib_symbol(symbol: &str) -> *mut c_void {
    let path = std::env::var_os("RUNTIME_BENCH_CDYLIB").map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::env::current_exe().unwrap_or_else(|e| fail(e)).with_file_name("liballoc_ctx_runtime_bench.so")
    });
    let c_path = CString::new(path.to_string_lossy().into_owned()).unwrap_or_else(|e| fail(e));
    let c_symbol = CString::new(symbol).unwrap_or_else(|e| fail(e));
    // SAFETY: C strings; the library's initialisers are Rust's own; the
    // handle is never closed, so what it returns stays valid.
    unsafe {
        let handle = dlopen(c_path.as_ptr(), RTLD_NOW);
        if handle.is_null() {
            fail(format!("dlopen {}: {:?}", path.display(), CStr::from_ptr(dlerror())));
        }
        let f = dlsym(handle, c_symbol.as_ptr());
        if f.is_null() {
            fail(format!("dlsym {symbol}: {:?}", CStr::from_ptr(dlerror())));
        }
        f
    }
}

/// The function `symbol(iterations)` of the cdylib.
fn cdylib_fn(symbol: &str) -> extern "C" fn(u64) {
    // SAFETY: the cdylib's paths are `extern "C" fn(u64)`.
    unsafe { std::mem::transmute::<*mut c_void, extern "C" fn(u64)>(cdylib_symbol(symbol)) }
}

/// The cdylib's view of the calling thread's context state.
#[derive(Clone, Copy)]
struct CdylibState {
    depth: extern "C" fn() -> u32,
    in_section: extern "C" fn(extern "C" fn(usize), usize),
}

impl CdylibState {
    fn load() -> CdylibState {
        // SAFETY: the types of `cdylib_atomic_depth` and
        // `cdylib_in_section` in lib.rs.
        unsafe {
            CdylibState {
                depth: std::mem::transmute::<*mut c_void, extern "C" fn() -> u32>(cdylib_symbol("cdylib_atomic_depth")),
                in_section: std::mem::transmute::<*mut c_void, extern "C" fn(extern "C" fn(usize), usize)>(
                    cdylib_symbol("cdylib_in_section"),
                ),
            }
        }
    }

    /// Runs `f` inside an atomic section of the library.
    fn in_section(self, mut f: &mut dyn FnMut()) {
        extern "C" fn trampoline(data: usize) {
            // SAFETY: `data` is the address of the `&mut dyn FnMut()`
            // below, borrowed for the whole call.
            let f = unsafe { &mut *(data as *mut &mut dyn FnMut()) };
            f();
        }
        (self.in_section)(trampoline, (&raw mut f).addr());
    }
}

/// The smoke run's check of the cdylib's per-thread state, which alloc-ctx
/// keeps in initial-exec TLS on x86-64 Linux with glibc (a `dlopen`ed
/// library's comes from glibc's static TLS surplus): it loads, and a thread
/// that existed before the `dlopen`, the main thread and a thread created
/// after it each see their own state, starting at zero.
fn check_cdylib_thread_state() {
    let (send, receive) = std::sync::mpsc::channel::<CdylibState>();
    let early = std::thread::spawn(move || {
        let lib = receive.recv().unwrap_or_else(|e| fail(e));
        let start = (lib.depth)();
        let mut inside = [0; 2];
        lib.in_section(&mut || {
            inside[0] = (lib.depth)();
            lib.in_section(&mut || inside[1] = (lib.depth)());
        });
        (start, inside, (lib.depth)())
    });
    let mut early = Some(early);
    let lib = CdylibState::load();
    assert_eq!((lib.depth)(), 0, "the main thread's depth in the library did not start at zero");
    lib.in_section(&mut || {
        assert_eq!((lib.depth)(), 1);
        send.send(lib).unwrap_or_else(|e| fail(e));
        let early = early.take().unwrap_or_else(|| fail("the section ran twice"));
        let seen = early.join().unwrap_or_else(|_| fail("the thread started before dlopen panicked"));
        assert_eq!(seen, (0, [1, 2], 0), "a thread started before dlopen: its depth (start, in two sections, after)");
        let late = std::thread::spawn(move || {
            let start = (lib.depth)();
            let mut inside = 0;
            lib.in_section(&mut || inside = (lib.depth)());
            (start, inside)
        });
        let seen = late.join().unwrap_or_else(|_| fail("the thread started after dlopen panicked"));
        assert_eq!(seen, (0, 1), "a thread started after dlopen: its depth (start, in a section)");
        assert_eq!((lib.depth)(), 1, "other threads' sections changed the main thread's depth");
    });
    assert_eq!((lib.depth)(), 0);
}

/// A measured path: name, operations per iteration, what.
struct Path {
    name: &'static str,
    ops: u64,
    what: &'static str,
    run: fn(&mut MaySleep, u64),
}

fn payload() -> &'static [u8] {
    static FRAME_BYTES: [u8; FRAME] = [0x5a; FRAME];
    black_box(&FRAME_BYTES)
}

const PATHS: &[Path] = &[
    Path {
        name: "driver.plain",
        ops: BATCH as u64,
        what: "RX/TX path, plain Rust: spin::mutex::SpinMutex, Vec + try_reserve, std alloc; per packet",
        run: |_cx, n| plain::run(n, payload()),
    },
    Path {
        name: "driver.ctx",
        ops: BATCH as u64,
        what: "RX/TX path, alloc-ctx: SpinLock, nowait_scope, GFP_ATOMIC KBox + KVec::push, GFP_KERNEL refill; per packet",
        run: |cx, n| ctx::run(cx, n, payload()),
    },
    Path {
        name: "cdylib.raw",
        ops: 1,
        what: "from the cdylib: std::alloc::alloc/dealloc, 64 B",
        run: |_cx, n| cdylib_fn("cdylib_alloc_raw")(n),
    },
    Path {
        name: "cdylib.kernel",
        ops: 1,
        what: "from the cdylib: cx.alloc(GFP_KERNEL, Size), 64 B",
        run: |_cx, n| cdylib_fn("cdylib_alloc_kernel")(n),
    },
    Path {
        name: "cdylib.atomic",
        ops: 1,
        what: "from the cdylib: nw.alloc(GFP_ATOMIC, Size), 64 B",
        run: |_cx, n| cdylib_fn("cdylib_alloc_atomic")(n),
    },
    Path {
        name: "cdylib.call.raw",
        ops: 1,
        what: "from the cdylib, one non-inlined function per request: std::alloc::alloc/dealloc, 64 B",
        run: |_cx, n| cdylib_fn("cdylib_call_raw")(n),
    },
    Path {
        name: "cdylib.call.kernel",
        ops: 1,
        what: "from the cdylib, one non-inlined function per request: cx.alloc(GFP_KERNEL, Size), 64 B",
        run: |_cx, n| cdylib_fn("cdylib_call_kernel")(n),
    },
    Path {
        name: "cdylib.call.atomic",
        ops: 1,
        what: "from the cdylib, one non-inlined function per request: nw.alloc(GFP_ATOMIC, Size), 64 B",
        run: |_cx, n| cdylib_fn("cdylib_call_atomic")(n),
    },
];

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("callgrind") => {
            let name = args.get(1).map(String::as_str).unwrap_or("");
            let n = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000);
            let Some(path) = PATHS.iter().find(|p| p.name == name) else {
                eprintln!("unknown path `{name}`");
                std::process::exit(2)
            };
            (path.run)(cx, n);
        }
        Some("list") => {
            for p in PATHS {
                println!("{}\t{}\t{}", p.name, p.ops, p.what);
            }
        }
        _ => {
            check_cdylib_thread_state();
            for p in PATHS {
                (p.run)(cx, 2);
            }
            println!("runtime-bench: smoke run of {} paths and the cdylib's thread state ok", PATHS.len());
        }
    }
}
