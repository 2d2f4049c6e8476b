// Rule (family 4, closed): refused at compile time now. Was: `#[may_sleep(entry)]` on an `impl` block applies `entry` to its
// methods, and a method named `main` mints a token callable from anywhere.
// It used to compile.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep};
struct Dev;
#[may_sleep(entry)]
impl Dev {
    fn main() -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
    }
}
fn main() {
    let _ = Dev::main();
}
