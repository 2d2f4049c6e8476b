// Hole check: a `#[nowait]` function cannot take a sleep token as a
// parameter. The mark recognises `MaySleep` and `SleepToken` by name, so
// the same parameter under a renamed import (`use alloc_ctx::MaySleep as
// Process;`) gets through, and the body sleeps (`GFP_KERNEL`) where its
// callers must not. This must not compile.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{MaySleep as Process, nowait};

#[nowait]
fn rx_refill(process: &mut Process, len: usize) -> bool {
    process.alloc(GFP_KERNEL, Size::<KmallocMax>::new(len).unwrap()).is_ok()
}

fn main() {
    let _ = Process::enter(|cx| Process::enter(|process| rx_refill(cx, process, 64)));
}
