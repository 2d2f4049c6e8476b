// Rule (family 5, closed): refused at compile time now. Was: `Option<&mut Process>` (`use alloc_ctx::MaySleep as Process`)
// taken by a `#[nowait]` function: the name check misses the alias and
// `HoldsSleepToken` lists only bare/reference forms, not `Option`. It used to compile.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep as Process, nowait};
#[nowait]
fn refill(p: Option<&mut Process>) -> usize {
    match p {
        Some(p) => KVec::<u8>::with_capacity(64, GFP_KERNEL, p).map_or(0, |v| v.capacity()),
        None => 0,
    }
}
fn main() {}
