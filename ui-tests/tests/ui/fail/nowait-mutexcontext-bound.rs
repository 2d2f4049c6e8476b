// Rule (family 5, closed): refused at compile time now. Was: a `#[nowait]` function takes a generic `C: MutexContext` and locks
// a mutex. DESIGN 2.4 rule 4 says bounds naming `MutexContext` are refused by
// the macro, but `valid::names_sleep_token` only looks for `MaySleep` and
// `SleepToken`. It used to compile.
use alloc_ctx::nowait;
use alloc_ctx::sync::{Mutex, MutexContext};
#[nowait]
fn bump<C: MutexContext>(counter: &Mutex<u32>, c: &mut C) {
    *counter.lock(c) += 1;
}
fn main() {}
