// Rule: `#[may_sleep(entry)]` creates a sleep token, which is safe only
// where no token of the thread can be live: a program's `main` or a test.
// On an ordinary function it could be called from inside an atomic section
// (under a spinlock, in a `#[nowait]` function) and hand out a token that
// nothing freezes; the mark refuses it, naming the safe forms.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep};

#[may_sleep(entry)]
fn load_firmware() -> usize {
    KVec::<u8>::with_capacity(4096, GFP_KERNEL, cx).map_or(0, |image| image.capacity())
}

fn main() {
    let _ = load_firmware();
}
