// Refusal check: a helper that forwards non-blocking flags, bounded by
// `rules::NoWaitFlags` (never `__GFP_NOFAIL`, never direct reclaim), and
// called with a sleep token. Any token may make a non-blocking request, so
// this should compile. Today it is refused, and the two messages blame
// NOFAIL, which `F` cannot contain: "`F` asks for `__GFP_NOFAIL` without
// `__GFP_DIRECT_RECLAIM`" and "`F` combines `__GFP_NOFAIL` with
// `__GFP_NORETRY` or `__GFP_RETRY_MAYFAIL`". `MaySleep: Permits<F>` needs
// `(F::NoFail, F::DirectReclaim): Implies` and `(F::NoFail, RetryModifier<F>):
// NotBoth`; `F::NoFail` is known to be `False` (through `MayFail`), but
// `DirectReclaim` is not, and `Implies`/`NotBoth` are implemented for the
// two concrete pairs `(False, False)` and `(False, True)` rather than for
// `(False, B)`, so the solver cannot pick one. The documented workaround is
// `cx.nowait()`.
use alloc_ctx::flags::{__GFP_NOWARN, GFP_ATOMIC};
use alloc_ctx::rules::NoWaitFlags;
use alloc_ctx::{KBox, MaySleep};

fn alloc_frame<F: NoWaitFlags>(gfp: F, cx: &mut MaySleep) -> Option<KBox<[u8; 64]>> {
    KBox::new([0; 64], gfp, cx).ok()
}

fn main() {
    MaySleep::enter(|cx| assert!(alloc_frame(GFP_ATOMIC | __GFP_NOWARN, cx).is_some()));
}
