// Rule: the `NoWait` of a `nowait_scope` lives only as long as the scope.
// Returning it from the closure would let "non-sleeping" code outlive the
// atomic section it proves; the borrow checker rejects it.

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let escaped = cx.nowait_scope(|nw| nw);
    let _ = escaped;
}
