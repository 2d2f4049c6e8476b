// Hole check: a sleep token cannot be stashed in a `thread_local!` for
// later. Unlike a `static`, a thread-local does not need `Send`/`Sync`, so
// what stops it is the token's lifetime: the `&mut MaySleep` of an entry
// point is a borrow that cannot outlive its body, and a `'static` slot
// cannot hold it (a lifetime error).
use alloc_ctx::MaySleep;
use std::cell::RefCell;

thread_local! {
    static STASHED: RefCell<Option<&'static mut MaySleep>> = const { RefCell::new(None) };
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    STASHED.with(|slot| *slot.borrow_mut() = Some(cx));
}
