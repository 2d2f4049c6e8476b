// Rule (DESIGN §3): `NoWait` is `Copy` but still `!Send`: an atomic
// section (spinlock held, interrupts off) is a property of one CPU and
// thread, so its token cannot be handed to another thread.
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
