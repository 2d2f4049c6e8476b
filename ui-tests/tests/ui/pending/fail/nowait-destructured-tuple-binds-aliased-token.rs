// HOLE (family 5): a parameter pattern that destructures a tuple,
// `(p, _n): (&mut Process, u8)`, binds a sleep token that the probe never
// sees: `sleep_token_probes` only probes simple bindings, and the alias hides
// the name from the macro. The `#[nowait]` function locks a mutex. Compiles.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type Process = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn bump((p, _n): (&mut Process, u8)) {
    *CONFIG.lock(p) += 1;
}

fn main() {}
