// Hole check: a mempool request with sleeping flags (which waits for a
// free element when the reserve is empty) while a spinlock taken with the
// same sleep token is held. The guard borrows `*cx`, so passing `cx` to
// `Mempool::alloc` under the lock is a borrow error (E0499).
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::mempool::Mempool;
use alloc_ctx::sync::SpinLock;

struct Bio {
    sector: u64,
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let queue_depth = SpinLock::new(0u32);
    {
        let pool = Mempool::<Bio>::new(4, GFP_KERNEL, cx).unwrap();
        let mut depth = queue_depth.lock(cx);
        let bio = pool.alloc(Bio { sector: 8 }, GFP_KERNEL, cx);
        *depth += 1;
        assert_eq!(bio.sector, 8);
    }
}
