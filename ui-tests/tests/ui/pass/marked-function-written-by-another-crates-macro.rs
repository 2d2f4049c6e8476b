// A framework crate's `macro_rules!` marks functions from the caller's
// fragments: the name, the visibility (`$vis:vis`, an invisible group that
// may be empty), the return type (`$ret:ty`) and the body (`$body:block`).
// The token `cx` must be visible to the body wherever the body was
// written: in the macro (`nowait_push_handler!`, `nowait_counter_device!`,
// whose bodies' `cx` has the macro's hygiene, not the caller's name's) or
// by the caller (`may_sleep_setup!`, whose body is the caller's block).
// Each mark says `crate = $crate::rt`: `$crate` keeps the macro's span, so
// it names the framework crate, not this one (which has no `rt`).
use alloc_ctx::KVec;
use alloc_ctx::flags::GFP_KERNEL;

alloc_ctx_ui_tests::nowait_push_handler!(pub(crate) push_u16, u16);
alloc_ctx_ui_tests::nowait_push_handler!(push_u8, u8);

alloc_ctx_ui_tests::may_sleep_setup!(pub table -> KVec<u16> {
    let mut table = KVec::with_capacity(4, GFP_KERNEL, cx).unwrap();
    assert!(push_u16(cx.nowait(), &mut table, 9));
    table
});

alloc_ctx_ui_tests::nowait_counter_device!(Counter);

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table = table(cx);
    assert_eq!(table.len(), 1);
    assert_eq!(table[0], 9);
    let mut ring = KVec::new();
    assert!(push_u8(cx.nowait(), &mut ring, 7));
    let mut counter = Counter::default();
    assert_eq!(counter.bump(cx.nowait()), 1);
}
