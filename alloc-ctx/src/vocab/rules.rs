//! The combination rules, `Permits` and `SizeFits`; their user documentation
//! is on the public `crate::rules` module (lib.rs).
#![allow(non_camel_case_types)]

use crate::vocab::family::{FamilyRules, RequestBound};
use crate::vocab::flags::*;
use crate::vocab::size::{Bound, SizeFor};
use crate::vocab::typelevel::{Bool, False, True};
// The relations the combination rules below are written with (their
// blanket impls' bounds), public so the rules' documentation names them.
pub use crate::vocab::typelevel::{Implies, IsFalse, IsTrue, NotBoth};

pub use crate::vocab::flags::leaf_rules::{NonSleeping, NotNoFail};

/// `__GFP_NOFAIL` only with `__GFP_DIRECT_RECLAIM`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` asks for `__GFP_NOFAIL` without `__GFP_DIRECT_RECLAIM`: a request that cannot sleep cannot promise never to fail",
    label = "NOFAIL without direct reclaim",
    note = "since Linux v6.12 a non-blockable `__GFP_NOFAIL` request is a bug: the allocator can only keep the promise by reclaiming and waiting",
    note = "fix: combine `__GFP_NOFAIL` with `GFP_KERNEL`, `GFP_NOFS` or `GFP_NOIO`"
)]
pub trait NoFailNeedsReclaim: GfpFlags {}

/// `__GFP_NORETRY` and `__GFP_RETRY_MAYFAIL` only with `__GFP_DIRECT_RECLAIM`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` asks for `__GFP_NORETRY` or `__GFP_RETRY_MAYFAIL` without `__GFP_DIRECT_RECLAIM`: there is no reclaim to retry",
    label = "a retry policy on a request that cannot reclaim",
    note = "these modifiers say how hard direct reclaim should try; without it they mean nothing and hide a mistake",
    note = "fix: drop the modifier, or combine it with `GFP_KERNEL`, `GFP_NOFS` or `GFP_NOIO` in a context that may sleep"
)]
pub trait RetryNeedsReclaim: GfpFlags {}

/// Not `__GFP_NOFAIL` together with `__GFP_NORETRY` or `__GFP_RETRY_MAYFAIL`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` combines `__GFP_NOFAIL` with `__GFP_NORETRY` or `__GFP_RETRY_MAYFAIL`, which contradict it",
    label = "contradictory retry policy",
    note = "NOFAIL retries forever; NORETRY and RETRY_MAYFAIL say the request may give up",
    note = "fix: keep `__GFP_NOFAIL` and drop the other modifier, or drop `__GFP_NOFAIL` and handle the `AllocError`"
)]
pub trait NoFailConsistent: GfpFlags {}

/// Not `__GFP_NORETRY` together with `__GFP_RETRY_MAYFAIL`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` combines `__GFP_NORETRY` with `__GFP_RETRY_MAYFAIL`, two opposite retry policies",
    label = "contradictory retry policy",
    note = "NORETRY gives up after one light reclaim pass; RETRY_MAYFAIL retries hard and fails only when nothing more can be reclaimed: a request cannot do both",
    note = "fix: keep `__GFP_NORETRY` for an opportunistic request with a fallback, or `__GFP_RETRY_MAYFAIL` for one that should try hard but not invoke the OOM killer"
)]
pub trait RetryConsistent: GfpFlags {}

/// The flags do not contain `__GFP_NOFAIL`, for operations whose size is
/// only known at run time.
#[diagnostic::on_unimplemented(
    message = "`{Self}` contains `__GFP_NOFAIL`, but this operation's size is only known at run time",
    label = "NOFAIL needs a size proven at most 8 KiB",
    note = "a NOFAIL request above order 1 (8 KiB) may never be satisfiable; its size must be checked before the request, as a `Size<NofailMax>`",
    note = "fix: drop `__GFP_NOFAIL` and handle the `AllocError`, or use `grow_to` / `KBox::new` with a size proven small (`array_size::<T, NofailMax>(n)?`, `Size::<NofailMax>::of::<T>()`)"
)]
pub trait MayFail: GfpFlags<NoFail = False> {}

/// The flags of a [`Mempool::alloc`](crate::mempool::Mempool::alloc):
/// anything but `__GFP_NOFAIL`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` contains `__GFP_NOFAIL`, which a mempool request does not take",
    label = "NOFAIL on a mempool request",
    note = "a sleeping `Mempool::alloc` already never fails: when the reserve is empty it waits for an element to be freed; a non-sleeping one may fail, so NOFAIL would be a broken promise there",
    note = "fix: drop `__GFP_NOFAIL`; with `GFP_KERNEL` the result is the element itself, not a `Result`"
)]
pub trait PoolFlags: GfpFlags {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags> PoolFlags for F where F::NoFail: IsFalse {}

/// Flags that a sleep token may ask for: one named bound for a helper that
/// forwards its caller's flags, as C code passes `gfp_t gfp` down.
///
/// Container growth sized at run time also needs [`MayFail`] (no
/// `__GFP_NOFAIL` there).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVec, MaySleep, flags::*, rules::{MayFail, SleepFlags}};
///
/// fn alloc_rings<F: SleepFlags + MayFail>(entries: usize, gfp: F, cx: &mut MaySleep) -> Option<[KVec<u64>; 2]> {
///     Some([KVec::with_capacity(entries, gfp, cx).ok()?, KVec::with_capacity(entries, gfp, cx).ok()?])
/// }
///
/// const RX_GFP: Or<GFP_KERNEL, __GFP_NOWARN> = GFP_KERNEL.or(__GFP_NOWARN); // named once
/// {
///     assert!(alloc_rings(64, RX_GFP, cx).is_some());
///     assert!(alloc_rings(64, GFP_ATOMIC, cx).is_some()); // non-blocking flags are fine too
/// };
/// # }
/// ```
pub trait SleepFlags:
    GfpFlags + NoFailNeedsReclaim + RetryNeedsReclaim + NoFailConsistent + RetryConsistent + AllowedIn<True>
{
}
impl<F> SleepFlags for F where
    F: GfpFlags + NoFailNeedsReclaim + RetryNeedsReclaim + NoFailConsistent + RetryConsistent + AllowedIn<True>
{
}

/// Flags that any token may ask for, a `NoWait` included: non-blocking,
/// never `__GFP_NOFAIL`. The bound for a helper that forwards flags from
/// atomic context.
///
/// ```
/// use alloc_ctx::{KBox, NoWait, Token, flags::*, rules::NoWaitFlags};
///
/// fn alloc_frame<F: NoWaitFlags>(gfp: F, cx: &mut impl Token) -> Option<KBox<[u8; 64]>> {
///     KBox::new([0; 64], gfp, cx.nowait()).ok()
/// }
/// assert!(NoWait::enter(|cx| alloc_frame(GFP_ATOMIC | __GFP_NOWARN, cx)).is_some());
/// ```
pub trait NoWaitFlags:
    GfpFlags + NonSleeping + NotNoFail + RetryNeedsReclaim + RetryConsistent + MayFail + AllowedIn<False> + AllowedIn<True>
{
}
impl<F> NoWaitFlags for F where
    F: GfpFlags
        + NonSleeping
        + NotNoFail
        + RetryNeedsReclaim
        + RetryConsistent
        + MayFail
        + AllowedIn<False>
        + AllowedIn<True>
{
}

/// A token of this context may make requests with flags `F`.
///
/// Implemented for every flags type that passes the rules of the context:
/// through [`NoWait`](crate::NoWait), [`NonSleeping`], [`NotNoFail`] and
/// [`RetryNeedsReclaim`]; through [`MaySleep`](crate::MaySleep), [`NoFailNeedsReclaim`],
/// [`RetryNeedsReclaim`] and [`NoFailConsistent`].
///
/// The context is the `Self` type on purpose: rustc shows the custom
/// message of the failed *rule* (whose `Self` is the flags) only when it
/// differs from the `Self` of the bound the user's call hit.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot make a request with flags `{F}`",
    label = "flags not allowed in this context",
    note = "requests are made through a `MaySleep` or `NoWait` token"
)]
pub trait Permits<F: GfpFlags> {}

// ---- leaf rules -----------------------------------------------------------
//
// `NonSleeping` and `NotNoFail` are implemented for each constant by the
// flag table (`crate::vocab::flags`), and here for `Or<A, B>` when both
// sides hold, so the message names the offending constant (`GFP_KERNEL`),
// followed by a "required for `Or<…>`" note.

impl<A: NonSleeping, B: NonSleeping> NonSleeping for Or<A, B> {}
impl<A: NotNoFail, B: NotNoFail> NotNoFail for Or<A, B> {}
impl<F: Modifier + NonSleeping> NonSleeping for When<F> {}
impl<F: Modifier + NotNoFail> NotNoFail for When<F> {}

// ---- combination rules ----------------------------------------------------

/// NORETRY or RETRY_MAYFAIL.
type RetryModifier<F> = <<F as GfpFlags>::NoRetry as Bool>::Or<<F as GfpFlags>::RetryMayFail>;

#[diagnostic::do_not_recommend]
impl<F: GfpFlags> NoFailNeedsReclaim for F where (F::NoFail, F::DirectReclaim): Implies {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags> RetryNeedsReclaim for F where (RetryModifier<F>, F::DirectReclaim): Implies {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags> NoFailConsistent for F where (F::NoFail, RetryModifier<F>): NotBoth {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags> RetryConsistent for F where (F::NoRetry, F::RetryMayFail): NotBoth {}

// The bound is the associated type itself (not only `IsFalse`), so that
// generic code bounded by `MayFail` knows its requests return a `Result`.
#[diagnostic::do_not_recommend]
impl<F: GfpFlags<NoFail = False>> MayFail for F {}

// ---- which context a request's flags need ----------------------------------
//
// `Permits<F>` holds for every token whose context fits `F`, decided from
// two type-level booleans: whether `F` blocks (direct reclaim or NOFAIL)
// and whether the token may sleep. One blanket impl per case (below, in
// `context::token`), so that code generic over *any* token (`cx: &mut impl
// Token`) may make a non-blocking request as it is: `(False, S)` fits for
// every `S`. A blocking request through a `NoWait` goes to the `(True,
// False)` case, whose bounds are the leaf rules that fail for it, so the
// message names the offending flag (`GFP_KERNEL` may sleep …).

/// Whether `F` needs a context that may sleep: it asks for direct reclaim
/// or for `__GFP_NOFAIL`.
pub(crate) type Blocks<F> = <<F as GfpFlags>::DirectReclaim as Bool>::Or<<F as GfpFlags>::NoFail>;

/// Whether flags `Self` may be requested in a context whose "may sleep"
/// is `S` (`True` for a `MaySleep`, `False` for a `NoWait`). The named
/// flag bounds imply it (`SleepFlags: AllowedIn<True>`, `NoWaitFlags` for
/// both), so generic code over flags keeps working; for concrete flags it
/// is decided below, for any `S`.
#[doc(hidden)]
pub trait AllowedIn<S: Bool>: GfpFlags {}

impl<F: GfpFlags, S: Bool> AllowedIn<S> for F where (Blocks<F>, S): ContextFits<F> {}

/// `(blocks, may_sleep)`: the flags' need and the token's context. Fails
/// by itself only for generic flags whose bound does not say which context
/// they fit (for concrete flags a case below applies and its leaf rule
/// names the flag).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the flags `{F}` are not known to fit this context",
    label = "generic flags whose bound does not say which context they fit",
    note = "through a `NoWait` token (a `#[nowait]` function, a spinlock, an interrupt handler) flags must not sleep or ask for `__GFP_NOFAIL`: bound them by `NoWaitFlags`",
    note = "through a `MaySleep` token any consistent combination may be requested: bound them by `SleepFlags`; fix: bound the flags by the trait of the token the helper takes, or take a sleep token"
)]
pub trait ContextFits<F: GfpFlags> {}

// Non-blocking flags fit any context (the retry modifiers still need
// reclaim to mean anything).
impl<F, S: Bool> ContextFits<F> for (False, S) where F: GfpFlags + NonSleeping + NotNoFail + RetryNeedsReclaim {}
// Blocking flags in a context that must not sleep: the leaf rules that
// fail name the flag.
impl<F> ContextFits<F> for (True, False) where F: GfpFlags + NonSleeping + NotNoFail + RetryNeedsReclaim {}
// Blocking flags where sleeping is allowed: a consistent combination.
impl<F> ContextFits<F> for (True, True) where
    F: GfpFlags + NoFailNeedsReclaim + RetryNeedsReclaim + NoFailConsistent + RetryConsistent
{
}

mod size_fits_sealed {
    /// Seals [`SizeFits`](super::SizeFits).
    #[allow(unnameable_types)] // a seal: unnameable on purpose
    pub trait Sealed<S, B> {}
}

/// Flags whose request accepts the checked size `S`, `B` being the
/// container's bound: a size of the request's bound
/// ([`RequestBound<F, B>`](crate::family::RequestBound)) or stricter: a
/// `Size<NofailMax>` for `__GFP_NOFAIL`, a `Size<KmallocMax>` for a
/// non-blocking `KVVec` request (kvmalloc does not fall back to vmalloc
/// then), a size of bound `B` otherwise.
///
/// For operations that take the size before the flags
/// (`grow_to(size, flags, cx)`): bounding the size directly by
/// `SizeFor<BoundFor<F, B>>` there makes rustc resolve the bound from the
/// size alone and report a bare type mismatch (E0271) when it is wrong;
/// this trait is checked once both are known, with its own message.
#[diagnostic::on_unimplemented(
    message = "`{S}` does not fit a request with flags `{Self}`",
    label = "this size has not been proven to fit the request's bound",
    note = "a `__GFP_NOFAIL` request takes only a `Size<NofailMax>` (at most 8 KiB, an order-1 page allocation), which it can always satisfy; a request without `__GFP_DIRECT_RECLAIM` to a `KVVec`/`KVBox` takes only a `Size<KmallocMax>` (kvmalloc never falls back to vmalloc for non-blocking flags); other requests take a size of their container's bound (`Size<KmallocMax>` for `KVec`, `Size<KvmallocMax>` for `KVVec`)",
    note = "fix: re-check the size, e.g. `Size::<NofailMax>::try_from(size)?` or `Size::<KmallocMax>::try_from(size)?`, drop `__GFP_NOFAIL` and handle the `AllocError`, or grow with `GFP_KERNEL` before the atomic section"
)]
pub trait SizeFits<S, B: Bound>: GfpFlags + size_fits_sealed::Sealed<S, B> {
    /// The checked byte count of `size`.
    fn bytes(size: S) -> usize;
}

// Sealed with the same condition as the blanket impl below: no other impl
// can claim that an unchecked size fits (a forged one would reach the
// allocator unchecked).
impl<S, F, B> size_fits_sealed::Sealed<S, B> for F
where
    F: GfpFlags,
    B: Bound,
    B::Family: FamilyRules,
    S: SizeFor<RequestBound<F, B>>,
{
}

#[diagnostic::do_not_recommend]
impl<S, F, B> SizeFits<S, B> for F
where
    F: GfpFlags,
    B: Bound,
    B::Family: FamilyRules,
    S: SizeFor<RequestBound<F, B>>,
{
    #[inline(always)]
    fn bytes(size: S) -> usize {
        size.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::token::{MaySleep, NoWait};

    fn allowed_in_nowait<F: GfpFlags>(_: F)
    where
        NoWait: Permits<F>,
    {
    }
    fn allowed_in_may_sleep<F: GfpFlags>(_: F)
    where
        MaySleep: Permits<F>,
    {
    }

    /// The accepted side of each rule; the rejected side is in the
    /// compile_fail doctests of `MaySleep`/`NoWait` and in `ui-tests`.
    #[test]
    fn legal_combinations_are_accepted() {
        allowed_in_nowait(GFP_ATOMIC);
        allowed_in_nowait(GFP_NOWAIT);
        allowed_in_nowait(GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN);
        allowed_in_nowait(__GFP_HIGH | __GFP_ACCOUNT);
        allowed_in_may_sleep(GFP_KERNEL);
        allowed_in_may_sleep(GFP_NOFS | __GFP_NOFAIL);
        allowed_in_may_sleep(GFP_NOIO | __GFP_NORETRY);
        allowed_in_may_sleep(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_ZERO);
        allowed_in_may_sleep(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL);
        allowed_in_may_sleep(GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
        // Non-sleeping flags are fine in a sleeping context too.
        allowed_in_may_sleep(GFP_ATOMIC);
        allowed_in_may_sleep(GFP_NOWAIT | __GFP_ZERO);
    }
}
