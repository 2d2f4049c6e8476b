// Refusal check: generic code over `impl Token` making a non-blocking
// request by passing its `cx` as it is, like every other call
// (`events.push(event, GFP_ATOMIC, cx)`), rather than through
// `cx.nowait()`. Any token may make a `GFP_ATOMIC` request.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_NOWAIT, __GFP_NOWARN};
use alloc_ctx::{KVec, NoWait, Token};

fn log_event(events: &mut KVec<u32>, event: u32, cx: &mut impl Token) -> bool {
    events.push(event, GFP_ATOMIC, cx).is_ok() && events.reserve(1, GFP_NOWAIT | __GFP_NOWARN, cx).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut events = KVec::new();
    assert!(log_event(&mut events, 1, cx));
    assert!(NoWait::enter(|nw| log_event(&mut events, 2, nw)));
    assert_eq!(events.as_slice(), &[1, 2]);
}
