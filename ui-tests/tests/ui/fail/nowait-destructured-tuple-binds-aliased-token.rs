// A parameter pattern that destructures a tuple, `(p, _n): (&mut Process,
// u8)`, binds a sleep token under an alias, and the `#[nowait]` function
// locks a mutex with it; so does a struct pattern that renames its field
// (`W { tok: p }`). The tuple pattern's names get their elements' type
// probes; the struct pattern's names, whose types are not written, are
// probed by value. Both are refused.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type Process = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn bump((p, _n): (&mut Process, u8)) {
    *CONFIG.lock(p) += 1;
}

struct W<'a> {
    tok: &'a mut Process,
}

#[nowait]
fn bump_renamed(W { tok: p }: W<'_>) {
    *CONFIG.lock(p) += 1;
}

fn main() {}
