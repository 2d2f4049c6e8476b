// A framework crate's `macro_rules!` marks a function whose name the
// caller gives, with `crate = $crate::rt`: `$crate` keeps the macro's
// span, so it names the framework crate, not this one (which has no `rt`).
use alloc_ctx::KVec;

alloc_ctx_ui_tests::nowait_push_handler!(push_u8, u8);

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut ring = KVec::new();
    assert!(push_u8(cx, &mut ring, 7));
    assert_eq!(ring.len(), 1);
}
