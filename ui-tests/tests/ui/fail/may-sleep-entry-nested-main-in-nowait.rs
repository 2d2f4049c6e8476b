// Rule (family 4, closed): refused at compile time now. Was: a nested `fn main` inside a `#[nowait]` function body mints a
// sleep token there. Compiles; in release builds nothing catches it when the
// caller is not in one of the crate's sections.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};
#[nowait]
fn rx() -> usize {
    #[alloc_ctx::may_sleep(entry)]
    fn main() -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
    }
    main()
}
fn main() {}
