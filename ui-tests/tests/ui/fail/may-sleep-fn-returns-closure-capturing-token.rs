// Hole check: a `#[may_sleep]` function cannot hand its sleep token out in
// what it returns. A returned `impl Trait` of a marked function does not
// capture the token's lifetime, so a closure that captures `cx` (to sleep
// later, wherever the caller runs it: perhaps under a spinlock) cannot be
// returned (a "captures lifetime" error).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::may_sleep;

#[may_sleep]
fn deferred_refill(len: usize) -> impl FnOnce() -> bool {
    move || cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(len).unwrap()).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let refill = deferred_refill(cx, 64);
    assert!(refill());
}
