// Rule: a `#[may_sleep]` function cannot be called while a spinlock is held:
// the only token available under the lock is the guard's `NoWait`, and the
// callee needs a sleep token.
use alloc_ctx::sync::SpinLock;
use alloc_ctx::may_sleep;

#[may_sleep]
fn request_firmware(name: &str) -> usize {
    name.len()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let state = SpinLock::new(0usize);
    {
        let mut state = state.lock(cx);
        *state = request_firmware(state.token(), "nic.bin");
    }
}
