// Macro misuse: `#[may_sleep]` and `#[nowait]` on one item. A function
// either may sleep or must not; two marks would give it two tokens that
// contradict each other. The error points at the second mark.
#[alloc_ctx::may_sleep]
#[alloc_ctx::nowait]
fn reset_ring() {}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    reset_ring(cx);
}
