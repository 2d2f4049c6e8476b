// Rule: tokens are `!Send`. A context belongs to one thread: "this thread
// may sleep" says nothing about another thread, so moving the sleep token
// into a thread is rejected, even into a scoped thread that the token's
// borrow would outlive.
use alloc_ctx::may_sleep;

#[may_sleep(entry)]
fn main() {
    std::thread::scope(|s| {
        s.spawn(move || {
            let _token = cx;
        });
    });
}
