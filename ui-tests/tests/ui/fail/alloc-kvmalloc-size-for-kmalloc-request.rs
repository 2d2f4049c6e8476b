// Rule: a size of the wrong bound is refused. `cx.alloc` is a kmalloc
// request and takes a size checked against `KMALLOC_MAX_SIZE` (4 MiB); a
// `Size<KvmallocMax>` was only checked against `INT_MAX`, so it has not been
// proven to fit. Narrowing it is a run-time check (`Size::<KmallocMax>::
// try_from(size)?`), never implicit.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::may_sleep;
use alloc_ctx::size::{KvmallocMax, Size};

#[may_sleep]
fn alloc_table(bytes: usize) -> bool {
    let size = Size::<KvmallocMax>::new(bytes).unwrap();
    cx.alloc(GFP_KERNEL, size).is_ok()
}

fn main() {}
