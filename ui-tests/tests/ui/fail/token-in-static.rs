// Rule: tokens are `!Send`/`!Sync`, so they cannot be stored in a `static`,
// where any thread (or a later, atomic, part of the same one) could pick
// them up. Wrapping the `&mut MaySleep` in a `Mutex` does not help: the
// mutex is only shareable if its contents may be sent between threads.
use alloc_ctx::MaySleep;
use std::sync::Mutex;

static STASHED: Mutex<Option<&'static mut MaySleep>> = Mutex::new(None);

fn main() {
    assert!(STASHED.lock().unwrap().is_none());
}
