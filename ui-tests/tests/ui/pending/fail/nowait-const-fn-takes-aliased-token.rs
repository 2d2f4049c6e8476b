// HOLE (family 5, low): a `#[nowait] const fn` gets no parameter probe (the
// prologue is skipped for `const fn`), so it takes an aliased `&mut MaySleep`
// and hands it back: a "never sleeps" function that launders a sleep token.
use alloc_ctx::nowait;

type Process = alloc_ctx::MaySleep;

#[nowait]
const fn pass_through(p: &mut Process) -> &mut Process {
    p
}

fn main() {}
