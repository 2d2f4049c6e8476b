// Rule (allocator families): kvmalloc does not support `__GFP_NORETRY`; every growing
// method of a `KVVec` (here `extend_from_slice`) refuses it, not only `push`.
use alloc_ctx::flags::{__GFP_NORETRY, GFP_KERNEL};
use alloc_ctx::{KVVec, may_sleep};
#[may_sleep]
fn load(image: &[u8]) -> bool {
    let mut v = KVVec::<u8>::new();
    v.extend_from_slice(image, GFP_KERNEL | __GFP_NORETRY, cx).is_ok()
}
fn main() {}
