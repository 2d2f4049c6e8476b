// NOFS/NOIO scopes mask requests like `current_gfp_context()`: GFP_KERNEL
// (0xCC0) is served as GFP_NOFS (0xC40) in a NOFS scope and as GFP_NOIO
// (0xC00) in a NOIO scope. NOIO inside NOFS is NOIO; NOFS inside NOIO is
// still NOIO. Scopes never clear direct reclaim, and are restored on exit.
use alloc_ctx::flags::{GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_NOWAIT, GfpFlags};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::may_sleep;

#[may_sleep]
fn writeback_bits() -> u32 {
    // The scope mask lives in the thread's state, so a plain
    // `#[may_sleep]` callee sees it too.
    cx.effective(GFP_KERNEL).bits()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(cx.effective(GFP_KERNEL).bits(), 0xCC0);
    cx.nofs(|fs| {
        assert_eq!(fs.effective(GFP_KERNEL).bits(), 0xC40);
        assert_eq!(fs.effective(GFP_KERNEL), GFP_NOFS.gfp());
        assert_eq!(writeback_bits(fs), 0xC40);
        fs.noio(|io| {
            assert_eq!(io.effective(GFP_KERNEL).bits(), 0xC00);
            assert_eq!(writeback_bits(io), 0xC00);
            assert!(io.effective(GFP_KERNEL).may_sleep());
            let buf = io.alloc(GFP_KERNEL, Size::<KmallocMax>::new(128).unwrap());
            assert!(buf.is_ok());
        });
        assert_eq!(fs.effective(GFP_KERNEL).bits(), 0xC40);
    });
    cx.noio(|io| {
        assert_eq!(io.effective(GFP_KERNEL), GFP_NOIO.gfp());
        io.nofs(|fs| {
            assert_eq!(fs.effective(GFP_KERNEL).bits(), 0xC00);
            // Non-sleeping flags are untouched.
            assert_eq!(fs.effective(GFP_NOWAIT).bits(), 0x2800);
        });
        assert_eq!(io.effective(GFP_KERNEL).bits(), 0xC00);
    });
    assert_eq!(cx.effective(GFP_KERNEL).bits(), 0xCC0);
    assert_eq!(alloc_ctx::current_gfp_context(GFP_KERNEL.gfp()), GFP_KERNEL.gfp());
}
