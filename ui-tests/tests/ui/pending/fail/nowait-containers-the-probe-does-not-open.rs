// HOLE: what the parameter probe's rule cannot ask ("any field, element
// or output holds a sleep token"): a user struct passed whole, `Result`'s
// `Err` side, a closure that yields a token, an iterator over tokens. Each
// `#[nowait]` function below locks a mutex with the token it reaches.
// Compiles; the run-time check catches the sleeping request in debug
// builds.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type Process = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

pub struct Ctx<'a> {
    pub tok: &'a mut Process,
}

#[nowait]
fn whole(c: Ctx<'_>) {
    *CONFIG.lock(c.tok) += 1;
}

#[nowait]
fn err_side(r: Result<u8, &mut Process>) {
    if let Err(p) = r {
        *CONFIG.lock(p) += 1;
    }
}

#[nowait]
fn yields(f: impl FnOnce() -> &'static mut Process) {
    *CONFIG.lock(f()) += 1;
}

#[nowait]
fn iterates<'a>(mut it: impl Iterator<Item = &'a mut Process>) {
    if let Some(p) = it.next() {
        *CONFIG.lock(p) += 1;
    }
}

fn main() {}
