// Hole check: nothing hidden hands out a sleep token. The macros' support
// module `alloc_ctx::__private` no longer has a constructor
// (`enter_may_sleep` is gone: the entry forms call the public, checked,
// `unsafe` `MaySleep::enter`), and the crate's internal constructor of tokens is
// private. Both calls are resolution errors.
use alloc_ctx::MaySleep;

fn main() {
    let _from_private: &mut MaySleep = alloc_ctx::__private::enter_may_sleep();
    let _conjured: &mut MaySleep = alloc_ctx::context::conjure::<MaySleep>();
}
