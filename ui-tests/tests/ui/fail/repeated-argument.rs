// Macro misuse: an argument given twice. `cx = a, cx = b` has no single
// meaning, so the repetition is an error, pointing at the second one.
use alloc_ctx::nowait;

#[nowait(cx = ctx, cx = irq_ctx)]
fn tx_complete() {}

fn main() {
    alloc_ctx::NoWait::enter(|nw| tx_complete(nw));
}
