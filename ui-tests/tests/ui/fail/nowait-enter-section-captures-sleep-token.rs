// Rule: a section without a token of its own cannot capture a sleep token.
// `NoWait::enter` requires a `Send` closure; the variant without the bound
// that the entry form once expanded to is not public any more.
use alloc_ctx::NoWait;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = NoWait::enter_section(|_| cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()));
}
