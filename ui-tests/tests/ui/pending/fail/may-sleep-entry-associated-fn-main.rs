// HOLE (family 4): an associated function named `main` in an `impl` block mints a
// sleep token and is called from a `#[nowait]` function. Compiles; in release
// builds nothing catches it outside the crate's atomic sections.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep};
struct Dev;
impl Dev {
    #[may_sleep(entry)]
    fn main() -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
    }
}
#[alloc_ctx::nowait]
fn rx() -> usize {
    Dev::main()
}
fn main() {}
