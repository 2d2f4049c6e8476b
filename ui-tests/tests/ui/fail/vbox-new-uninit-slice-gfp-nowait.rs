// Rule (allocator families): a `VBox<[T]>` made with `GFP_NOWAIT` in a `#[nowait]`
// function is refused: vmalloc does not support non-blocking flags (Linux v6.12).
use alloc_ctx::flags::GFP_NOWAIT;
use alloc_ctx::{VBox, nowait};
#[nowait]
fn fw_buffer(len: usize) -> bool {
    VBox::<[u8]>::new_uninit_slice(len, GFP_NOWAIT, cx).is_ok()
}
fn main() {}
