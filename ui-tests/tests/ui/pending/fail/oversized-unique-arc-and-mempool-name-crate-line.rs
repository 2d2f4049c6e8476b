// MISLEADING MESSAGE (sizes, low): `UniqueArc::new_uninit` and `Mempool::new` of
// a type over `KMALLOC_MAX_SIZE` are refused at `cargo build`, but the
// "instantiating" note names the crate's own line (`UniqueArc::new_in` in
// `arc/unique.rs`, `Mempool::new_in` in `mempool.rs`), not the caller's, so the
// error does not point at the user's code (`Arc::new` and `KBox::new` do: the
// delegating constructors lack the check at their own level, or
// `#[track_caller]`-like placement of the const). The message also suggests
// "sleeping flags such as `GFP_KERNEL`", which the request already has.
use alloc_ctx::arc::UniqueArc;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::mempool::Mempool;

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _table = UniqueArc::<[u64; 1 << 20]>::new_uninit(GFP_KERNEL, cx);
    let _pool = Mempool::<[u8; 5 << 20]>::new(1, GFP_KERNEL, cx);
}
