// Rule: a `#[nowait]` function cannot take a sleep token, whatever it is
// called. The parameter's type is asked of the type checker (not read by
// name), so a renamed import (`use alloc_ctx::MaySleep as Process;`) is
// refused too, at the parameter, with the rule's message.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{MaySleep as Process, nowait};

#[nowait]
fn rx_refill(process: &mut Process, len: usize) -> bool {
    process.alloc(GFP_KERNEL, Size::<KmallocMax>::new(len).unwrap()).is_ok()
}

fn main() {}
