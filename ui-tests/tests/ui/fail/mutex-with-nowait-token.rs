// Rule: a `#[nowait]` function cannot take a sleeping `Mutex`: `Mutex::lock`
// may block until the holder unlocks, and the function's `cx` is a `NoWait`
// token.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

#[nowait]
fn rx_interrupt(config: &Mutex<u32>) -> u32 {
    *config.lock(cx)
}

fn main() {
    let config = Mutex::new(7);
    alloc_ctx::NoWait::enter(|nw| rx_interrupt(nw, &config));
}
