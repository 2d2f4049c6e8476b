// Macro misuse, twice in one attribute: an unknown argument (`atomic`) and
// a repeated one (`entry`). Both are reported in the same run, each at its
// own tokens, rather than one per compile.
use alloc_ctx::nowait;

#[nowait(atomic, entry, entry)]
fn timer_callback() {}

fn main() {
    timer_callback();
}
