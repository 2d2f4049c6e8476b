// Rule: a `#[may_sleep]` function cannot be called inside a `nowait_scope`
// (the typed `PF_MEMALLOC_NOWAIT`): the scope hands out only a `NoWait`
// token, and the callee needs a sleep token.
use alloc_ctx::may_sleep;

#[may_sleep]
fn flush_writeback() {}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(|nw| flush_writeback(nw));
}
