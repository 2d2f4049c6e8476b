// A `#[nowait]` function's `impl Trait` parameters are probed by value (the
// type cannot be written in the body): every such parameter that is not a
// sleep token must still compile and keep its value, whatever its pattern
// (`mut`, `ref`, `_`, a destructured tuple), in an `unsafe extern` function
// and a `const fn` (left to its bounds).
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, NoWait, nowait};

#[nowait]
fn drain(ring: &mut KVec<u64>, mut frames: impl Iterator<Item = u64>, ref label: impl AsRef<str>, _: impl Sized) -> usize {
    let first = frames.next().unwrap_or(0);
    let _ = ring.push(first, GFP_ATOMIC, cx);
    for frame in frames {
        let _ = ring.push(frame, GFP_ATOMIC, cx);
    }
    ring.len() + label.as_ref().len()
}

#[nowait]
fn pair((a, b): (impl Into<u64>, u8), shown: &impl core::fmt::Debug) -> u64 {
    assert_eq!(format!("{shown:?}"), "\"pair\"");
    a.into() + u64::from(b)
}

#[nowait]
const fn constant(x: impl Copy, n: u32) -> u32 {
    let _ = x;
    n
}

#[nowait]
unsafe extern "C" fn callback(hook: impl Fn(u64) -> u64) -> u64 {
    hook(2)
}

fn use_them(nw: &mut NoWait) {
    let mut ring = KVec::new();
    assert_eq!(drain(nw, &mut ring, [1, 2, 3].into_iter(), "abcd", ()), 7);
    assert_eq!(ring.len(), 3);
    assert_eq!(pair(nw, (4u32, 5), &"pair"), 9);
    assert_eq!(constant(nw, 1u8, 3), 3);
    // SAFETY: nothing of the function is unsafe; the ABI is the case.
    assert_eq!(unsafe { callback(nw, |x| x * 3) }, 6);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(use_them);
}
