// A `#[nowait] const fn` is probed like any `#[nowait]` function: it cannot
// take an aliased `&mut MaySleep` and hand it back (a "never sleeps"
// function that would launder a sleep token).
use alloc_ctx::nowait;

type Process = alloc_ctx::MaySleep;

#[nowait]
const fn pass_through(p: &mut Process) -> &mut Process {
    p
}

fn main() {}
