// Hole check: `Mempool::alloc` refuses `__GFP_NOFAIL`. A sleeping pool
// request already never fails (it waits for a freed element), and a
// non-sleeping one may fail, so NOFAIL would add nothing or promise what
// cannot be kept. The project's `PoolFlags` message names the flag.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_KERNEL};
use alloc_ctx::mempool::Mempool;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let pool = Mempool::<[u64; 4]>::new(2, GFP_KERNEL, cx).unwrap();
    let _element = pool.alloc([0; 4], GFP_KERNEL | __GFP_NOFAIL, cx);
}
