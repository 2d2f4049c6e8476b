// Macro misuse: `entry` on a trait method declaration without a body. The
// entry form creates its token inside the body, with the run-time check;
// a declaration has no body to put it in. The error points at the `;`.
use alloc_ctx::nowait;

trait IrqHandler {
    #[nowait(entry)]
    fn handle(&self);
}

fn main() {}
