// Rule (family 3, closed): refused at compile time now. Was: `#[nowait(entry, crate = path)]` trusts `path::NoWait::enter`; a
// module with its own `NoWait::enter` without the `Send` bound lets the handler
// take `&mut MaySleep` and lock a mutex. It used to compile and run; the handler's `Send` bound is now asserted from `core`.
mod fake {
    pub use alloc_ctx::*;
    pub struct NoWait;
    impl NoWait {
        pub fn enter<R>(f: impl FnOnce(&mut NoWait) -> R) -> R {
            f(&mut NoWait)
        }
    }
}
use alloc_ctx::MaySleep;
use alloc_ctx::sync::Mutex;
static CONFIG: Mutex<u32> = Mutex::new(0);
#[alloc_ctx::nowait(entry, crate = crate::fake)]
fn irq(sleep: &mut MaySleep) {
    *CONFIG.lock(sleep) += 1;
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    irq(cx);
}
