// Run-time rule (Limits: `mem::forget` of a guard): after forgetting a spinlock guard
// a `GFP_KERNEL` request compiles, and panics with "sleeping function called
// from invalid context".
use alloc_ctx::KVec;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;
static LOCK: SpinLock<u64> = SpinLock::new(0);
#[alloc_ctx::may_sleep(entry)]
fn main() {
    std::mem::forget(LOCK.lock(cx));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| KVec::<u8>::with_capacity(8, GFP_KERNEL, cx)));
    let msg = *r.unwrap_err().downcast::<String>().unwrap();
    assert!(msg.contains("sleeping function called from invalid context"), "{msg}");
    std::process::exit(0);
}
