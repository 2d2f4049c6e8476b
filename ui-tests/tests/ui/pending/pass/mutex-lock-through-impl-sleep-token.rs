// REFUSAL: a hand-written helper over `cx: &mut impl SleepToken` cannot call
// `Mutex::lock(cx)`: `MutexContext` is implemented for `MaySleep` only, not for
// every `SleepToken`, and the message says "`impl SleepToken` is not a sleep
// token" (misleading). Workaround: `cx.may_sleep()`.
use alloc_ctx::SleepToken;
use alloc_ctx::sync::Mutex;
fn bump(counter: &Mutex<u32>, cx: &mut impl SleepToken) {
    *counter.lock(cx) += 1;
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let c = Mutex::new(0);
    bump(&c, cx);
    assert_eq!(*c.lock(cx), 1);
}
