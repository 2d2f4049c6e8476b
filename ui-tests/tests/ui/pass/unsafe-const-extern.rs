// `unsafe fn`, `const fn` and `extern "C" fn` keep their qualifiers. A
// `const fn` or `extern` function takes the concrete token type,
// `&mut NoWait` or `&mut MaySleep` (no conversion in a const context;
// nothing generic across an ABI); sleepable code passes its `cx` to a
// concrete `&mut NoWait` parameter as it is (deref coercion).
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{NoWait, may_sleep, nowait};

/// # Safety
///
/// `ptr` must point to `len` readable bytes.
#[nowait]
unsafe fn checksum(ptr: *const u8, len: usize) -> u32 {
    // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
    bytes.iter().map(|&b| u32::from(b)).sum()
}

#[nowait]
const fn ring_entries(shift: u32) -> usize {
    1 << shift
}

#[may_sleep]
const fn max_queues() -> usize {
    16
}

#[nowait]
extern "C" fn irq_trampoline(vector: u32) -> u32 {
    cx.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(64).unwrap())
        .map_or(0, |_| vector + 1)
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let data = [1u8, 2, 3, 4];
    NoWait::enter(|nw| {
        // SAFETY: `data` has 4 readable bytes.
        assert_eq!(unsafe { checksum(nw, data.as_ptr(), data.len()) }, 10);
        assert_eq!(ring_entries(nw, 8), 256);
        assert_eq!(irq_trampoline(nw, 32), 33);
    });
    {
        assert_eq!(max_queues(cx), 16);
        assert_eq!(ring_entries(cx, 4), 16);
    }
}
