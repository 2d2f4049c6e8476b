// REFUSAL: a guard returned as `impl DerefMut<Target = u64> + '_` from a `#[nowait]`
// function: the macro keeps returned `impl Trait` from capturing the token's
// lifetime, so the guard (which borrows the token) cannot be returned; the
// error names the macro's internal lifetime `'__alloc_ctx_l0` and suggests
// editing the attribute line.
use alloc_ctx::nowait;
use alloc_ctx::sync::SpinLock;
use core::ops::DerefMut;
struct Dev {
    stats: SpinLock<u64>,
}
#[nowait]
fn stats(dev: &Dev) -> impl DerefMut<Target = u64> + '_ {
    dev.stats.lock(cx)
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(0) };
    *stats(cx, &dev) += 1;
    assert_eq!(*dev.stats.lock(cx), 1);
}
