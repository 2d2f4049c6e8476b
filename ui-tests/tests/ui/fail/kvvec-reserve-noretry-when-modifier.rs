// Rule (allocator families): a run-time `__GFP_NORETRY.when(..)` modifier is checked as
// if set, so a `KVVec` request with it is refused like a constant `__GFP_NORETRY`.
use alloc_ctx::flags::{__GFP_NORETRY, GFP_KERNEL, Modifier};
use alloc_ctx::{KVVec, may_sleep};
#[may_sleep]
fn load(v: &mut KVVec<u8>, opportunistic: bool) -> bool {
    v.reserve(4096, GFP_KERNEL | __GFP_NORETRY.when(opportunistic), cx).is_ok()
}
fn main() {}
