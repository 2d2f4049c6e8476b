// HOLE (family 1, low): `sweep::sweep` takes no token but locks `std::sync::Mutex`es
// (the sweep backend's blocks, the quarantine) and allocates from the global
// allocator; it compiles and runs under a spinlock and is not in the table of
// what may sleep.
use alloc_ctx::sweep::sweep;
use alloc_ctx::sync::SpinLock;
static LOCK: SpinLock<()> = SpinLock::new(());
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _g = LOCK.lock(cx);
    let report = sweep(|_backend| ());
    assert_eq!(report.points, 0);
}
