// Allocator family: a `VBox` (vmalloc) made with `GFP_ATOMIC` through a
// `NoWait` token. The error names the `Vmalloc` family.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{NoWait, VBox};

fn main() {
    NoWait::enter(|nw| {
        let _ = VBox::new([0u8; 64], GFP_ATOMIC, nw);
    });
}
