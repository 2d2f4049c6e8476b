// Rule: no `__GFP_DIRECT_RECLAIM` through a `NoWait` token, also for the
// combinations the flag table derives its marks for. `GFP_KERNEL_ACCOUNT`
// is `GFP_KERNEL | __GFP_ACCOUNT`: a memcg-charged request that may sleep,
// so a `#[nowait]` function cannot make it. The message must name
// `GFP_KERNEL_ACCOUNT` itself, not `GFP_KERNEL`.
use alloc_ctx::flags::GFP_KERNEL_ACCOUNT;
use alloc_ctx::nowait;
use alloc_ctx::size::{KmallocMax, Size};

#[nowait]
fn alloc_user_buffer(len: usize) -> bool {
    let size = Size::<KmallocMax>::new(len).unwrap();
    cx.alloc(GFP_KERNEL_ACCOUNT, size).is_ok()
}

fn main() {}
