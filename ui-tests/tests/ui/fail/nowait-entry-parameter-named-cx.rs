// Macro misuse: an entry point with a parameter named like the token, as
// RTIC names a handler's context (`fn handler(cx: handler::Context)`). The
// entry form has no token parameter, but its body runs in a closure whose
// parameter is the token `cx`, which would shadow the user's: the error
// points at the parameter and suggests `#[nowait(entry, cx = ctx)]`, as the
// non-entry form does (not "no field `ticks` on `&mut NoWait`").
use alloc_ctx::nowait;

struct Context {
    ticks: u32,
}

#[nowait(entry)]
fn systick(cx: Context) -> u32 {
    cx.ticks + 1
}

fn main() {
    let _ = systick(Context { ticks: 0 });
}
