// Rule: a `#[may_sleep]` function cannot be called from a `#[nowait]` one.
// The callee's token parameter accepts only a sleep token; the caller only
// has a `NoWait`, so the call is rejected at type check.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{may_sleep, nowait};

#[may_sleep]
fn load_firmware(len: usize) -> bool {
    cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(len).unwrap())
        .is_ok()
}

#[nowait]
fn irq_handler() -> bool {
    load_firmware(cx, 4096)
}

fn main() {
    alloc_ctx::NoWait::enter(|nw| irq_handler(nw));
}
