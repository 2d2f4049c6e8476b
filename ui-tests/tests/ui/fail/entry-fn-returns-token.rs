// Hole check: the sleep token an entry point creates is the argument of
// the entry closure and cannot leave it: returned, it would be a "may
// sleep" proof for code that could be in an atomic section. The entry
// forms run their body inside `MaySleep::enter(|cx| ..)` (called here as
// their expansion does, at the start of `main`), so returning `cx` is a
// lifetime error.
use alloc_ctx::MaySleep;

fn main() {
    // SAFETY: the start of `main`: no token of this thread is live.
    let _cx: &'static mut MaySleep = unsafe { MaySleep::enter(|cx| cx) };
}
