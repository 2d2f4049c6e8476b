// Rule (DESIGN §3): tokens are `!Send`. A context belongs to one thread:
// "this thread may sleep" says nothing about another thread, so moving
// even a `'static` sleep token into `std::thread::spawn` is rejected.
use alloc_ctx::may_sleep;

#[may_sleep(entry)]
fn main() {
    let worker = std::thread::spawn(move || {
        let _token = cx;
    });
    worker.join().unwrap();
}
