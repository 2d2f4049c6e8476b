//! `do_unlocked` lends the closure the token the lock was taken with. A
//! lock taken in a `#[nowait]` function lends its `NoWait`, so the
//! `GFP_KERNEL` retry that drivers make outside the lock is refused.
use alloc_ctx::flags::{GFP_KERNEL, GFP_NOWAIT};
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KBox, nowait};

#[nowait]
fn refill(slot: &SpinLock<Option<KBox<[u8; 64]>>>) {
    let mut guard = slot.lock(cx);
    if guard.is_none() {
        let buf = match KBox::new([0u8; 64], GFP_NOWAIT, guard.token()) {
            Ok(buf) => buf,
            Err(_) => guard.do_unlocked(|cx| KBox::new([0u8; 64], GFP_KERNEL, cx).unwrap()),
        };
        *guard = Some(buf);
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let slot = SpinLock::new(None);
    refill(cx, &slot);
}
