// Rule: a `NoWait` token is `!Send`: an atomic section (spinlock held,
// interrupts off) is a property of one CPU and thread, so its `&mut NoWait`
// cannot be handed to another thread.
use alloc_ctx::NoWait;

fn main() {
    NoWait::enter(|nw| {
        std::thread::scope(|s| {
            s.spawn(move || {
                let _token = nw;
            });
        });
    });
}
