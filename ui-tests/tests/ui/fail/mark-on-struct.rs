// Macro misuse: the mark on something that is not a function or an
// `impl`/`trait` block. A context belongs to code that runs; a struct has
// none. The error points at `struct`, and the struct is still emitted (so
// `main` below has no "cannot find" error).
use alloc_ctx::nowait;

#[nowait]
pub struct RxDescriptor {
    pub addr: u64,
}

fn main() {
    let desc = RxDescriptor { addr: 0 };
    assert_eq!(desc.addr, 0);
}
