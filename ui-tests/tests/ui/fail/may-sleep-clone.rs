// Rule: a sleep token cannot be duplicated. `MaySleep` is not `Clone` (nor
// `Copy`): a second sleep token would stay usable while the first is frozen
// by an atomic section's borrow. Code holds `cx: &mut MaySleep` and hands it
// on by passing `cx` (an implicit reborrow), never a copy of the token.
use alloc_ctx::MaySleep;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _copy: MaySleep = cx.clone();
}
