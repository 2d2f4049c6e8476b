// Rule (family 4, closed): refused at compile time now. Was: `#[may_sleep(entry)]` accepts any function carrying an attribute
// whose last path segment is `test` (`valid::mints_safely`); `#[rustfmt::test]`
// is accepted by rustc and leaves an ordinary, callable function that mints a
// sleep token. Compiles; only the run-time check catches the call inside a
// section (and in a `#[nowait]` function, debug builds only).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep};
#[may_sleep(entry)]
#[rustfmt::test]
fn refill() -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
}
#[may_sleep(entry)]
fn main() {
    let _ = cx.nowait_scope(|_nw| std::panic::catch_unwind(|| refill()).is_err());
}
