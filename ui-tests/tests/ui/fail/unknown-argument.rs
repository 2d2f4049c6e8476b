// Macro misuse: an unknown argument. Only `cx = name`, `crate = path`,
// `entry` and `dyn` exist; anything else (here `inline`, which belongs in
// its own `#[inline]`) must not be silently ignored. The error points at
// the unknown name; the function is still emitted with its token, so the
// caller below has no second error.
use alloc_ctx::nowait;

#[nowait(inline)]
fn tx_complete() {}

fn main() {
    alloc_ctx::NoWait::enter(|nw| tx_complete(nw));
}
