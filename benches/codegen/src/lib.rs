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
