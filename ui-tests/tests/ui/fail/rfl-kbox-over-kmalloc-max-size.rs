// A Rust-for-Linux `KBox` example that alloc-ctx rejects by design: the
// upstream doctest boxes a type of `KMALLOC_MAX_SIZE + 1` bytes and checks
// at run time that `KBox::new_uninit` fails. Here a kmalloc-bounded box of
// a type over the bound cannot be built at all: `cargo build` rejects it,
// naming the bound (use `KVBox` for kvmalloc-sized values).
use alloc_ctx::flags::{GFP_KERNEL, __GFP_NOWARN};
use alloc_ctx::size::KMALLOC_MAX_SIZE;
use alloc_ctx::KBox;

struct Huge([u8; KMALLOC_MAX_SIZE + 1]);

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let result = KBox::<Huge>::new_uninit(GFP_KERNEL | __GFP_NOWARN, cx);
    assert!(result.is_err());
}
