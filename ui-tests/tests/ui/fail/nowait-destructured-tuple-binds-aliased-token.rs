// A parameter pattern that destructures a tuple, `(p, _n): (&mut Process,
// u8)`, binds a sleep token under an alias, and the `#[nowait]` function
// locks a mutex with it. A tuple type is not looked into, so each name a
// destructuring pattern binds is probed by value: `p` is refused.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type Process = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn bump((p, _n): (&mut Process, u8)) {
    *CONFIG.lock(p) += 1;
}

fn main() {}
