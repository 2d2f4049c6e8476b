// Rule (family 5): a `mut` binding of a sleep token behind a type alias is
// still probed: the `#[nowait]` function is refused at the parameter.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type Process = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn bump(mut p: &mut Process) {
    *CONFIG.lock(p) += 1;
    p = p;
    let _ = p;
}

fn main() {}
