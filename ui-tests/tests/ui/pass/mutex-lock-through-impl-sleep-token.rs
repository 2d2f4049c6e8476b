// Refusal check: a hand-written helper over `cx: &mut impl SleepToken`
// locks a `Mutex` with its `cx` as it is (every sleep token may).
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
