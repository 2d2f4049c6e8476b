// Macro misuse: `entry` together with `dyn`. `dyn` makes the token
// *parameter* concrete; an entry point has no token parameter (it creates
// its own token), so the combination means nothing.
use alloc_ctx::may_sleep;

#[may_sleep(entry, dyn)]
fn main() {}
