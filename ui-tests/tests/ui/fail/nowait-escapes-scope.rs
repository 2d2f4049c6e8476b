// Rule: the `NoWait` of a `nowait_scope` lives only as long as the scope.
// Returning it from the closure would let "non-sleeping" code outlive the
// atomic section it proves; the borrow checker rejects it.
use alloc_ctx::MaySleep;

fn main() {
    MaySleep::enter(|cx| {
        let escaped = cx.nowait_scope(|nw| nw);
        let _ = escaped;
    });
}
