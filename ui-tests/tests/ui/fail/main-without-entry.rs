// Rule (macro misuse): `main` has no caller to pass it a token, so
// `#[may_sleep]` on it must be the entry form. The mark reports that on
// `main` itself (and expands as an entry, so no unrelated "wrong type for
// `main`" error follows).
use alloc_ctx::may_sleep;

#[may_sleep]
fn main() {
    let _ = cx.nowait();
}
