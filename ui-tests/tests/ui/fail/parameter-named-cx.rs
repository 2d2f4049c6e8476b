// Macro misuse: a parameter already named like the token. The mark adds a
// parameter `cx`; a user parameter `cx` would clash with it. The error
// points at the user's parameter and suggests `#[may_sleep(cx = ctx)]`.
use alloc_ctx::may_sleep;

struct Controller;

#[may_sleep]
fn probe(cx: &Controller) -> bool {
    let _ = cx;
    true
}

fn main() {
    let _ = probe;
}
