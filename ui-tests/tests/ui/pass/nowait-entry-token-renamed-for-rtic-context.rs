// The fix the clash error suggests: an RTIC-style handler keeps its
// `cx: Context` parameter and names the token `ctx`.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KBox, nowait};

struct Context {
    ticks: u32,
}

#[nowait(entry, cx = ctx)]
fn systick(cx: Context) -> u32 {
    KBox::new(cx.ticks, GFP_ATOMIC, ctx).map_or(0, |ticks| *ticks + 1)
}

fn main() {
    assert_eq!(systick(Context { ticks: 1 }), 2);
}
