// Hole check: a backend can only be asked for memory through a token
// request. `Backend::allocate` takes a `Request`, which only alloc-ctx
// creates (after checking the flags against the token and the size against
// its bound); user code cannot build one, so it cannot call the backend
// directly with `GFP_KERNEL` from atomic context or with an unchecked size.
// `Request::new` is private.
use core::alloc::Layout;
use alloc_ctx::backend::{Backend, Request, System};
use alloc_ctx::flags::{GFP_KERNEL, GfpFlags};

fn main() {
    let request = Request::new(Layout::new::<[u8; 1 << 20]>(), GFP_KERNEL.gfp());
    let _ = System.allocate(&request);
}
