// Rule (DESIGN §3): `MaySleep` is not `Clone`. A duplicate sleep token would
// stay usable while the original is frozen by an atomic section's borrow,
// so cloning it is rejected (hand it on with `reborrow()` instead).
use alloc_ctx::MaySleep;

fn main() {
    MaySleep::enter(|cx| {
        let _copy = cx.clone();
    });
}
