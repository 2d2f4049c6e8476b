//! BENCHMARKS.md item 4: the attribute macros add a token parameter (a
//! `&mut` to a zero-sized token) and a conversion prologue; the question is
//! whether either leaves a trace in the machine code. Each pair below has
//! the same body; the marked function receives its token from the caller,
//! the unmarked one has no token parameter and creates the token in place
//! (`unsafe` `assume`, which is what the token is at run time: nothing).
//! `scripts/bench.sh` disassembles both symbols of each pair from the
//! release build and compares them. The `#[no_mangle]` functions are
//! exported, so their signatures are kept as written: the `&mut` token of a
//! marked one occupies an argument register, which shifts the registers of
//! the other arguments (the generic `rx_generic`, whose callers the
//! optimizer sees, loses its unused token argument).
//!
//! Pairs:
//! * `rx_marked` (`#[nowait(dyn)]`: concrete `&mut NoWait` parameter) vs
//!   `rx_unmarked`;
//! * `rx_generic` (`#[nowait]`: `&mut impl Token` parameter, the default
//!   form; its instance for `NoWait` is called from `rx_generic_caller`)
//!   vs `rx_unmarked`;
//! * `rx_batch_marked` (calls `rx_marked`, passing the token on) vs
//!   `rx_batch_unmarked` (calls `rx_unmarked`);
//! * `fill_marked` (`#[may_sleep(dyn)]`) vs `fill_unmarked`.

use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec, MaySleep, NoWait, may_sleep, nowait};

/// Marked: pushes a received frame with `GFP_ATOMIC`.
#[nowait(dyn)]
#[inline(never)]
#[unsafe(no_mangle)]
pub fn rx_marked(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// Unmarked: the same body, no token parameter.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn rx_unmarked(ring: &mut KVec<u64>, frame: u64) -> bool {
    // SAFETY: nothing here relies on the thread's atomic depth; the token
    // only selects which flags compile.
    let cx = unsafe { NoWait::assume() };
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// Marked, default form (generic token parameter).
#[nowait]
#[inline(never)]
pub fn rx_generic(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// Instantiates `rx_generic` for a `NoWait` token.
#[unsafe(no_mangle)]
pub fn rx_generic_caller(cx: &mut NoWait, ring: &mut KVec<u64>, frame: u64) -> bool {
    rx_generic(cx, ring, frame)
}

/// Marked: passes its token on to another marked function.
#[nowait(dyn)]
#[inline(never)]
#[unsafe(no_mangle)]
pub fn rx_batch_marked(ring: &mut KVec<u64>, frames: &[u64]) -> usize {
    frames.iter().filter(|&&frame| rx_marked(cx, ring, frame)).count()
}

/// Unmarked: the same, calling the unmarked function.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn rx_batch_unmarked(ring: &mut KVec<u64>, frames: &[u64]) -> usize {
    frames.iter().filter(|&&frame| rx_unmarked(ring, frame)).count()
}

/// Marked: fills a vector with `GFP_KERNEL`, through a sleep token.
#[may_sleep(dyn)]
#[inline(never)]
#[unsafe(no_mangle)]
pub fn fill_marked(ring: &mut KVec<u64>, count: usize) -> Result<(), AllocError> {
    ring.reserve(count, GFP_KERNEL, cx)?;
    for value in 0..count as u64 {
        ring.push(value, GFP_KERNEL, cx)?;
    }
    Ok(())
}

/// Unmarked: the same body, no token parameter.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn fill_unmarked(ring: &mut KVec<u64>, count: usize) -> Result<(), AllocError> {
    // SAFETY: as in `rx_unmarked`; nothing in this body blocks for real.
    let cx = unsafe { MaySleep::assume() };
    ring.reserve(count, GFP_KERNEL, cx)?;
    for value in 0..count as u64 {
        ring.push(value, GFP_KERNEL, cx)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Call sites (BENCH-runtime.md): a marked caller calling a marked callee
// that is not inlined, in each documented call form, against the unmarked
// twin calling the unmarked callee. The question is the call site: does
// the marked call pass a pointer (the token) that the unmarked one does not?
//
// Callers come in two forms: exported with a concrete token (`(dyn)`, the
// token is an argument of the exported symbol), and the default generic
// form instantiated for `NoWait`/`MaySleep` from an exported entry (the
// instance is local to the crate, as a driver's internal helpers are).
// ---------------------------------------------------------------------------

/// The callee, default (generic) form, not inlined: pushes a frame.
#[nowait]
#[inline(never)]
pub fn rx_callee(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// The callee with a concrete `&mut NoWait` parameter (`#[nowait(dyn)]`),
/// not inlined, not exported.
#[nowait(dyn)]
#[inline(never)]
pub fn rx_callee_dyn(ring: &mut KVec<u64>, frame: u64) -> bool {
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// The unmarked callee, not inlined.
#[inline(never)]
pub fn rx_callee_unmarked(ring: &mut KVec<u64>, frame: u64) -> bool {
    // SAFETY: as in `rx_unmarked`.
    let cx = unsafe { NoWait::assume() };
    ring.push(frame, GFP_ATOMIC, cx).is_ok()
}

/// Unmarked twin of every caller below: calls the unmarked callee twice
/// (two calls, so no tail call hides the call site).
#[inline(never)]
#[unsafe(no_mangle)]
pub fn call_unmarked(ring: &mut KVec<u64>, frame: u64) -> usize {
    usize::from(rx_callee_unmarked(ring, frame)) + usize::from(rx_callee_unmarked(ring, frame + 1))
}

/// Form 1, passing `cx` on, generic caller -> generic callee.
#[nowait]
#[inline(never)]
pub fn call_pass(ring: &mut KVec<u64>, frame: u64) -> usize {
    usize::from(rx_callee(cx, ring, frame)) + usize::from(rx_callee(cx, ring, frame + 1))
}

/// Form 1, generic caller -> `(dyn)` callee (concrete `&mut NoWait`).
#[nowait]
#[inline(never)]
pub fn call_pass_dyn(ring: &mut KVec<u64>, frame: u64) -> usize {
    usize::from(rx_callee_dyn(cx, ring, frame)) + usize::from(rx_callee_dyn(cx, ring, frame + 1))
}

/// Form 1, exported `(dyn)` caller -> generic callee.
#[nowait(dyn)]
#[inline(never)]
#[unsafe(no_mangle)]
pub fn call_pass_exported(ring: &mut KVec<u64>, frame: u64) -> usize {
    usize::from(rx_callee(cx, ring, frame)) + usize::from(rx_callee(cx, ring, frame + 1))
}

/// Form 2, `cx.nowait()` from a sleepable caller.
#[may_sleep]
#[inline(never)]
pub fn call_nowait(ring: &mut KVec<u64>, frame: u64) -> usize {
    usize::from(rx_callee(cx.nowait(), ring, frame)) + usize::from(rx_callee(cx.nowait(), ring, frame + 1))
}

/// Form 3, a `nowait_scope` around the calls.
#[may_sleep]
#[inline(never)]
pub fn call_scope(ring: &mut KVec<u64>, frame: u64) -> usize {
    cx.nowait_scope(|cx| usize::from(rx_callee(cx, ring, frame)) + usize::from(rx_callee(cx, ring, frame + 1)))
}

/// Instantiates the generic callers (`NoWait` for the `#[nowait]` ones,
/// `MaySleep` for the `#[may_sleep]` ones) from one exported entry.
#[unsafe(no_mangle)]
pub fn call_entry(ring: &mut KVec<u64>, frame: u64) -> usize {
    // SAFETY: the benchmark's functions never block.
    let sleep = unsafe { MaySleep::assume() };
    let mut n = call_pass(sleep.nowait(), ring, frame);
    n += call_pass_dyn(sleep.nowait(), ring, frame);
    n += call_nowait(sleep, ring, frame);
    n += call_scope(sleep, ring, frame);
    n
}
