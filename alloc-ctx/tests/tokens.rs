//! Token properties, entry-point checks and scope masking.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, NofailMax, Size};
use alloc_ctx::{atomic_depth, current_gfp_context, in_atomic};

/// The bits the thread's NOFS/NOIO scope clears, seen through the kernel's
/// `current_gfp_context()`.
fn scope_mask() -> u32 {
    let kernel = alloc_ctx::flags::GFP_KERNEL.gfp();
    kernel.bits() & !current_gfp_context(kernel).bits()
}
use alloc_ctx::{KBox, MaySleep, NoWait, SleepToken, Token};
use common::{TestBackend, assert_not_impl, panic_message};

#[test]
fn tokens_are_zero_sized_and_thread_bound() {
    assert_eq!(size_of::<MaySleep>(), 0);
    assert_eq!(size_of::<NoWait>(), 0);
    assert_eq!(size_of::<Or<GFP_KERNEL, __GFP_NOFAIL>>(), 0);
    assert_not_impl!(MaySleep: Send);
    assert_not_impl!(MaySleep: Sync);
    assert_not_impl!(MaySleep: Copy);
    assert_not_impl!(MaySleep: Clone);
    assert_not_impl!(NoWait: Send);
    assert_not_impl!(NoWait: Sync);
    // Held as `&mut` only (new convention): a `NoWait` is not `Copy` either,
    // so a section's token cannot be copied out of it.
    assert_not_impl!(NoWait: Copy);
    assert_not_impl!(NoWait: Clone);
    // Only the sleep token is a `SleepToken`.
    assert_not_impl!(NoWait: SleepToken);
}

#[test]
fn entry_point_panics_inside_an_atomic_section() {
    // SAFETY: the contract is broken on purpose (a sleep token minted inside
    // an atomic section), to test the run-time check that catches it.
    let result = catch_unwind(|| NoWait::enter(|_nw| unsafe { MaySleep::enter(|_cx| ()) }));
    let message = panic_message(result.expect_err("MaySleep::enter inside NoWait::enter must panic"));
    assert!(message.starts_with("BUG: sleeping function called from invalid context at"), "{message}");
    assert!(message.contains("tokens.rs"), "names the call site: {message}");
    assert!(message.contains("atomic depth: 1"), "{message}");
    assert_eq!(atomic_depth(), 0, "the depth is restored after the unwind");
}

#[alloc_ctx::test]
fn entry_point_panics_inside_a_nowait_scope() {
    let result = catch_unwind(AssertUnwindSafe(|| {
        cx.nowait_scope(|_nw| {
            assert!(in_atomic());
            alloc_ctx::might_sleep();
        });
    }));
    assert!(panic_message(result.unwrap_err()).starts_with("BUG: sleeping function"));
    assert!(!in_atomic(), "depth balanced after a panic inside the scope");
    alloc_ctx::might_sleep(); // and the thread may sleep again
}

#[alloc_ctx::test]
fn atomic_depth_nests() {
    assert_eq!(atomic_depth(), 0);
    NoWait::enter(|_| {
        assert_eq!(atomic_depth(), 1);
        NoWait::enter(|_| assert_eq!(atomic_depth(), 2));
        assert_eq!(atomic_depth(), 1);
    });
    cx.nowait_scope(|_| assert_eq!(atomic_depth(), 1));
    assert_eq!(atomic_depth(), 0);
}

#[alloc_ctx::test]
fn scopes_mask_like_current_gfp_context() {
    assert_eq!(cx.effective(GFP_KERNEL), GFP_KERNEL.gfp());
    cx.nofs(|cx: &mut MaySleep| {
        assert_eq!(cx.effective(GFP_KERNEL).bits(), 0xC40);
        assert_eq!(cx.effective(GFP_KERNEL | __GFP_ZERO).bits(), 0xC40 | 0x100);
        assert_eq!(cx.effective(GFP_NOIO), GFP_NOIO.gfp());
        assert_eq!(cx.effective(GFP_ATOMIC), GFP_ATOMIC.gfp(), "non-sleeping flags untouched");
    });
    cx.noio(|cx: &mut MaySleep| {
        assert_eq!(cx.effective(GFP_KERNEL).bits(), 0xC00);
        assert_eq!(cx.effective(GFP_NOFS).bits(), 0xC00);
        assert!(cx.effective(GFP_KERNEL).may_sleep(), "scopes never clear direct reclaim");
    });
    assert_eq!(scope_mask(), 0);
}

#[alloc_ctx::test]
fn nested_scopes_combine_and_restore() {
    cx.nofs(|cx| {
        assert_eq!(scope_mask(), bits::FS);
        // noio inside nofs: NOIO (the mask is thread state).
        cx.noio(|cx: &mut MaySleep| {
            assert_eq!(cx.effective(GFP_KERNEL), GFP_NOIO.gfp());
            assert_eq!(scope_mask(), bits::FS | bits::IO);
        });
        assert_eq!(scope_mask(), bits::FS);
        assert_eq!(cx.effective(GFP_KERNEL), GFP_NOFS.gfp());
    });
    cx.noio(|cx| {
        // nofs inside noio stays NOIO.
        cx.nofs(|cx: &mut MaySleep| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOIO.gfp()));
        assert_eq!(scope_mask(), bits::FS | bits::IO);
    });
    assert_eq!(scope_mask(), 0);
}

#[alloc_ctx::test]
fn scope_mask_is_restored_on_unwind() {
    let result = catch_unwind(AssertUnwindSafe(|| cx.noio(|_| panic!("inside noio"))));
    assert!(result.is_err());
    assert_eq!(scope_mask(), 0);
    assert_eq!(cx.effective(GFP_KERNEL), GFP_KERNEL.gfp());
}

/// A callee that receives the caller's token (a plain `&mut MaySleep`: the
/// mask is not in the type) still serves requests with the caller's scope
/// mask: the run-time state carries it.
fn callee_effective(cx: &mut MaySleep) -> Gfp {
    cx.effective(GFP_KERNEL)
}

#[alloc_ctx::test]
fn reborrowed_tokens_keep_the_run_time_mask() {
    assert_eq!(callee_effective(cx), GFP_KERNEL.gfp());
    cx.noio(|cx| assert_eq!(callee_effective(cx), GFP_NOIO.gfp()));
    cx.nofs(|cx| assert_eq!(callee_effective(cx), GFP_NOFS.gfp()));
}

#[alloc_ctx::test]
fn backends_see_the_effective_flags() {
    let backend = TestBackend::new();
    let size = Size::<KmallocMax>::new(32).unwrap();
    {
        drop(cx.alloc_in(&backend, GFP_KERNEL, size).unwrap());
        cx.nofs(|cx| drop(cx.alloc_in(&backend, GFP_KERNEL, size).unwrap()));
        cx.noio(|cx| drop(cx.alloc_in(&backend, GFP_KERNEL | __GFP_ZERO, size).unwrap()));
        cx.nowait_scope(|nw| drop(nw.alloc_in(&backend, GFP_ATOMIC, size).unwrap()));
    }
    let seen: Vec<u32> = backend.seen.borrow().iter().map(|gfp| gfp.bits()).collect();
    assert_eq!(seen, [0xCC0, 0xC40, 0xC00 | 0x100, 0x820]);
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn result_type_follows_the_flags() {
    // NOFAIL: the buffer itself, initialised because of __GFP_ZERO.
    let table: KBox<[u8]> = cx.alloc(GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO, Size::<NofailMax>::MAX);
    assert_eq!(table.len(), 8192);
    assert!(table.iter().all(|&byte| byte == 0));
    // Fallible and not zeroed: a Result of uninitialised bytes.
    let scratch: Result<KBox<[std::mem::MaybeUninit<u8>]>, _> =
        cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(16).unwrap());
    assert_eq!(scratch.unwrap().len(), 16);
    // Zero-sized requests succeed without touching the backend.
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    let empty = cx.alloc_in(&backend, GFP_KERNEL, Size::<KmallocMax>::new(0).unwrap()).unwrap();
    assert!(empty.is_empty());
    assert_eq!(backend.calls.get(), 0);
}

#[alloc_ctx::test]
fn nowait_functions_accept_either_token() {
    fn takes_nowait(cx: &mut impl Token) -> bool {
        let nw = cx.nowait();
        nw.alloc(GFP_NOWAIT, Size::<KmallocMax>::new(8).unwrap()).is_ok()
    }
    /// The concrete form (`dyn`/const/extern marked fns): a `&mut MaySleep`
    /// coerces to it.
    fn takes_concrete_nowait(cx: &mut NoWait) -> bool {
        cx.alloc(GFP_NOWAIT, Size::<KmallocMax>::new(8).unwrap()).is_ok()
    }
    {
        assert!(takes_nowait(cx));
        assert!(takes_nowait(cx));
        assert!(takes_nowait(cx.nowait()));
        assert!(takes_concrete_nowait(cx));
        cx.nowait_scope(|nw| assert!(takes_nowait(nw) && takes_concrete_nowait(nw)));
        assert!(takes_nowait(cx));
    }
}

/// The `# Context` section the marks put in rustdoc: each kind says what
/// the function may do, and the kinds that take a token name it as the
/// mark's `cx = name` does.
#[test]
fn the_context_doc_says_what_each_mark_allows_and_names_the_token() {
    use alloc_ctx::__private::context_doc;
    let sections = [
        (context_doc!(may_sleep, tok), "May sleep. Takes the caller's sleep token `tok`"),
        (context_doc!(nowait, tok), "Does not sleep; callable from atomic context. Takes any token `tok`"),
        (context_doc!(nowait_dyn, tok), "Takes a token `tok: &mut NoWait`"),
        (context_doc!(may_sleep_entry, cx), "May sleep. Entry point"),
        (context_doc!(nowait_entry, cx), "Does not sleep; callable from atomic context. Entry point"),
    ];
    for (section, says) in sections {
        assert!(section.starts_with("\n # Context\n\n "), "{section:?}");
        assert!(section.contains(says), "{section:?} should say {says:?}");
        assert!(!section.contains("  "), "a line continuation left spaces in {section:?}");
    }
}

/// The section expands in a module without the prelude too (rustdoc
/// expands it wherever a marked function is).
#[no_implicit_prelude]
mod context_doc_without_prelude {
    pub(super) const NOWAIT: &str = ::alloc_ctx::__private::context_doc!(nowait, cx);
}

#[test]
fn the_context_doc_expands_without_the_prelude() {
    assert!(context_doc_without_prelude::NOWAIT.contains("Takes any token `cx`"));
}

/// A user's own `concat!`/`stringify!` in scope do not change the section.
mod context_doc_beside_user_macros {
    macro_rules! concat {
        ($($t:tt)*) => {
            "the user's concat"
        };
    }
    macro_rules! stringify {
        ($($t:tt)*) => {
            "the user's stringify"
        };
    }
    pub(super) const NOWAIT: &str = alloc_ctx::__private::context_doc!(nowait, cx);
    pub(super) const USER: (&str, &str) = (concat!(), stringify!());
}

#[test]
fn the_context_doc_uses_the_built_in_macros() {
    assert_eq!(context_doc_beside_user_macros::USER, ("the user's concat", "the user's stringify"));
    assert!(context_doc_beside_user_macros::NOWAIT.contains("Takes any token `cx`"));
}
