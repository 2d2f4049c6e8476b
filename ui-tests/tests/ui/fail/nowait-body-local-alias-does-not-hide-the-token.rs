// The probe names the parameter's type as the signature does: an item the
// body declares under the same name (here a type alias) does not change
// what the name means to it.
use alloc_ctx::nowait;

type Process = alloc_ctx::MaySleep;

#[nowait]
fn refill(p: &mut Process) -> usize {
    #[allow(dead_code)]
    type Process = u8;
    let _ = p;
    0
}

fn main() {}
