// Rule: `__GFP_NOFAIL` is never allowed inside a `nowait_scope` (the typed
// `PF_MEMALLOC_NOWAIT`). This is the case the August 2024 mm thread argued
// about: in the kernel the scope makes NOFAIL "lose" at run time; here the
// request does not compile.
use alloc_ctx::flags::{__GFP_NOFAIL, GFP_NOWAIT};
use alloc_ctx::size::{NofailMax, Size};

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(|nw| {
        // btree_paths_realloc-style: no error path, so NOFAIL.
        let _paths = nw.alloc(GFP_NOWAIT | __GFP_NOFAIL, Size::<NofailMax>::of::<[u64; 64]>());
    });
}
