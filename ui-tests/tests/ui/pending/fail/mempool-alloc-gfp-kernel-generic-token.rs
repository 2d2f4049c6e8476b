// MISLEADING MESSAGE (family 1/2, low): a helper generic over `&mut impl Token` (which
// may be a `NoWait`) rightly cannot make a sleeping `Mempool::alloc` with
// `GFP_KERNEL`, but the refusal says "the flags `GFP_KERNEL` are not known to
// fit this context" with the label "generic flags whose bound does not say
// which context they fit": the flags are concrete; it is the token that is
// generic. It should say that a sleeping request needs a sleep token
// (`&mut impl SleepToken`).
use alloc_ctx::Token;
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::mempool::Mempool;
fn get(pool: &Mempool<[u8; 64]>, cx: &mut impl Token) -> bool {
    let _buffer = pool.alloc([0; 64], GFP_KERNEL, cx);
    true
}
fn main() {}
