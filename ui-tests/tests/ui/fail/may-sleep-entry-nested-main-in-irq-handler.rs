// HOLE (family 3/4): a nested `fn main` inside a `#[nowait(entry)]` handler mints a
// sleep token in the handler (it is a new item, so the `Send` section does not
// see it). It used to compile (the run-time check panicked).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, nowait};
#[nowait(entry)]
fn irq() -> usize {
    #[alloc_ctx::may_sleep(entry)]
    fn main() -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
    }
    main()
}
fn main() {
    let r = std::panic::catch_unwind(irq);
    assert!(r.is_err());
}
