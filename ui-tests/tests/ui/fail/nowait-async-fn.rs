// Macro misuse: `#[nowait]` on an `async fn`. Every `.await` may suspend
// the task, which is a sleep, so an async function can never be
// non-sleeping. The error points at `async`.
use alloc_ctx::nowait;

#[nowait]
async fn rx_poll() -> usize {
    0
}

fn main() {
    // The item is still emitted (with its token parameter), so callers
    // see no second error.
    alloc_ctx::NoWait::enter(|nw| drop(rx_poll(nw)));
}
