//! The rules of the allocator families: the type-level columns of the
//! family table ([`FamilyRules`]) and the rules over them, with their
//! messages.

use super::{Family, FamilyId, KVmalloc, Kmalloc, Vmalloc, cell, family_table};
use crate::vocab::flags::{BoundFor, GfpFlags};
use crate::vocab::size::{Bound, KmallocMax};
use crate::vocab::typelevel::{Bool, BoolOf, IsTrue, ToBool};

/// A yes/no column of the table as a type.
type Has<const SET: bool> = <BoolOf<SET> as ToBool>::Bool;

/// The family table's columns as types: what the rules are computed from.
/// Implemented for each family by the table. Sealed (through [`Family`]).
pub trait FamilyRules: Family {
    /// The family needs `__GFP_DIRECT_RECLAIM` (it cannot serve a
    /// non-blocking request).
    type NeedsDirectReclaim: Bool;
    /// The family does not support `__GFP_NORETRY`.
    type RefusesNoRetry: Bool;
    /// The bound of a request without `__GFP_DIRECT_RECLAIM` to a container
    /// of bound `B`: `B` itself, or narrower where the family serves such
    /// requests with a smaller allocator (kvmalloc: kmalloc only).
    type NonBlocking<B: Bound>: Bound;
}

/// The [`FamilyRules`] impls and `FamilyId::nonblocking_max`.
macro_rules! family_rules {
    ($(
        $(#[$doc:meta])*
        $name:ident: name $kernel:literal, direct_reclaim $reclaim:ident, noretry $noretry:ident,
            nonblocking $nonblocking:ident, free $free:ident;
    )*) => {
        $(
            impl FamilyRules for $name {
                type NeedsDirectReclaim = Has<{ cell!($reclaim) }>;
                type RefusesNoRetry = Has<{ cell!($noretry) }>;
                type NonBlocking<B: Bound> = family_rules!(@bound $nonblocking B);
            }
        )*

        impl FamilyId {
            /// The most a request without direct reclaim may ask for, if
            /// the family narrows it below the container's bound
            /// (kvmalloc: `KMALLOC_MAX_SIZE`, as it never falls back to
            /// vmalloc for such a request); `None` otherwise.
            pub const fn nonblocking_max(self) -> Option<usize> {
                match self { $(FamilyId::$name => family_rules!(@max $nonblocking),)* }
            }
        }
    };
    (@bound own $b:ident) => { $b };
    (@bound $bound:ident $b:ident) => { $bound };
    (@max own) => { None };
    (@max $bound:ident) => { Some(<$bound as Bound>::MAX) };
}

family_table!(family_rules);

/// The model's verdict on the direct-reclaim rule: [`True`](crate::flags::True)
/// when family `Fam` can serve flags `F` (`F` has direct reclaim, or `Fam`
/// does not need it).
pub type ReclaimVerdict<Fam, F> =
    <<<Fam as FamilyRules>::NeedsDirectReclaim as Bool>::Not as Bool>::Or<<F as GfpFlags>::DirectReclaim>;

/// The model's verdict on the NORETRY rule: [`True`](crate::flags::True)
/// unless `F` has `__GFP_NORETRY` and `Fam` refuses it.
pub type NoRetryVerdict<Fam, F> =
    <<<Fam as FamilyRules>::RefusesNoRetry as Bool>::And<<F as GfpFlags>::NoRetry> as Bool>::Not;

/// The bound of a request with flags `F` for a container of bound `B`:
/// `NofailMax` for `__GFP_NOFAIL`; for flags without direct reclaim, the
/// family's non-blocking bound (a `KVVec`'s is `KmallocMax`); `B` otherwise.
///
/// ```
/// use alloc_ctx::family::RequestBound;
/// use alloc_ctx::flags::*;
/// use alloc_ctx::size::{Bound, KMALLOC_MAX_SIZE, KVMALLOC_MAX_SIZE, KvmallocMax, NOFAIL_MAX_SIZE};
/// assert_eq!(<RequestBound<GFP_KERNEL, KvmallocMax> as Bound>::MAX, KVMALLOC_MAX_SIZE);
/// assert_eq!(<RequestBound<GFP_ATOMIC, KvmallocMax> as Bound>::MAX, KMALLOC_MAX_SIZE);
/// assert_eq!(<RequestBound<Or<GFP_KERNEL, __GFP_NOFAIL>, KvmallocMax> as Bound>::MAX, NOFAIL_MAX_SIZE);
/// ```
pub type RequestBound<F, B> = BoundFor<
    F,
    <<F as GfpFlags>::DirectReclaim as Bool>::Pick<B, <<B as Bound>::Family as FamilyRules>::NonBlocking<B>>,
>;

/// The flags carry `__GFP_DIRECT_RECLAIM` if family `Fam` needs it.
#[diagnostic::on_unimplemented(
    message = "the `{Fam}` family cannot serve `{Self}`: it needs `__GFP_DIRECT_RECLAIM`, so a request to it may sleep",
    label = "non-blocking flags for a vmalloc-backed request",
    note = "vmalloc maps the memory page by page and allocates its page tables with GFP_KERNEL: Linux v6.12 documents \"__GFP_DIRECT_RECLAIM is required (aka GFP_NOWAIT is not supported)\", so `GFP_NOWAIT` and `GFP_ATOMIC` cannot grow a `VVec` or make a `VBox`, and neither can anything in an atomic section",
    note = "fix: allocate before the atomic section with `GFP_KERNEL` through a `MaySleep` token (e.g. `reserve`, then `push_within_capacity` under the lock), or use a `KVVec`/`KVec`, whose non-blocking requests kmalloc serves",
    note = "in code generic over a container's bound `B` or over the flags, state the rule as a bound: `B::Family: Serves<F>` (or `Vmalloc: Serves<F>`)"
)]
pub trait ReclaimFor<Fam: FamilyRules>: GfpFlags {}

/// The flags do not carry `__GFP_NORETRY` if family `Fam` refuses it.
#[diagnostic::on_unimplemented(
    message = "the `{Fam}` family does not support `__GFP_NORETRY`, which `{Self}` asks for",
    label = "`__GFP_NORETRY` for a kvmalloc- or vmalloc-backed request",
    note = "kvmalloc tries kmalloc with `__GFP_NORETRY` itself and then falls back to vmalloc, which cannot honour it: Linux v6.12 documents `__GFP_NORETRY` as unsupported by kvmalloc (and by vmalloc), so the request would retry anyway",
    note = "fix: drop `__GFP_NORETRY` (`__GFP_RETRY_MAYFAIL` fails rather than invoke the OOM killer, and kvmalloc supports it), or use a `KVec`, whose kmalloc honours `__GFP_NORETRY`",
    note = "in code generic over a container's bound `B` or over the flags, state the rule as a bound: `B::Family: Serves<F>` (or `KVmalloc: Serves<F>`)"
)]
pub trait NoRetryFor<Fam: FamilyRules>: GfpFlags {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags, Fam: FamilyRules> ReclaimFor<Fam> for F where ReclaimVerdict<Fam, F>: IsTrue {}

#[diagnostic::do_not_recommend]
impl<F: GfpFlags, Fam: FamilyRules> NoRetryFor<Fam> for F where NoRetryVerdict<Fam, F>: IsTrue {}

/// Family `Self` can serve a request with flags `F`: every family rule
/// holds. Every container request is bounded by it (besides the token's
/// [`Permits`](crate::rules::Permits)).
///
/// The family is the `Self` type on purpose: rustc then shows the message
/// of the failed rule (whose `Self` is the flags).
///
/// A helper generic over flags that grows a `KVVec` or `VVec` states it:
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVVec, MaySleep, family::{KVmalloc, Serves}, flags::*, rules::{MayFail, SleepFlags}};
///
/// fn table<F: SleepFlags + MayFail>(n: usize, gfp: F, cx: &mut MaySleep) -> Option<KVVec<u64>>
/// where
///     KVmalloc: Serves<F>,
/// {
///     KVVec::with_capacity(n, gfp, cx).ok()
/// }
/// (assert!(table(1 << 20, GFP_KERNEL | __GFP_RETRY_MAYFAIL, cx).is_some()));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "the `{Self}` allocator family cannot serve a request with flags `{F}`",
    label = "flags this allocator family does not support",
    note = "each family's rules are in `alloc_ctx::family` (docs/DESIGN.md, \"Allocator families\")"
)]
pub trait Serves<F: GfpFlags>: FamilyRules {}

impl<Fam: FamilyRules, F: GfpFlags> Serves<F> for Fam where F: ReclaimFor<Fam> + NoRetryFor<Fam> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::flags::*;
    use crate::vocab::size::{KMALLOC_MAX_SIZE, KmallocMax, KvmallocMax, NOFAIL_MAX_SIZE, VmallocMax};

    /// The kernel's rules, as Linux v6.12's documentation states them
    /// (mm/vmalloc.c `__vmalloc_node_range`, mm/util.c `kvmalloc_node`),
    /// written on the bits of a request, independently of the model.
    mod linux_v6_12 {
        use crate::vocab::family::FamilyId;
        use crate::vocab::flags::Gfp;
        use crate::vocab::size::{KMALLOC_MAX_SIZE, KVMALLOC_MAX_SIZE};

        /// Whether the family supports the flags.
        pub(in super::super) fn supports(family: FamilyId, gfp: Gfp) -> bool {
            match family {
                // kmalloc: every GFP class.
                FamilyId::Kmalloc => true,
                // "__GFP_DIRECT_RECLAIM is required (aka GFP_NOWAIT is not
                // supported) and only __GFP_NOFAIL is supported (i.e.
                // __GFP_NORETRY and __GFP_RETRY_MAYFAIL are not supported)":
                // RETRY_MAYFAIL is passed through by kvmalloc's fallback and
                // ignored, so only NORETRY is refused here.
                FamilyId::Vmalloc => gfp.may_sleep() && !gfp.noretry(),
                // "neither is the __GFP_NORETRY modifier"; non-blocking flags
                // are served by kmalloc alone (the bound below).
                FamilyId::KVmalloc => !gfp.noretry(),
            }
        }

        /// The largest request the family serves with these flags.
        pub(in super::super) fn max(family: FamilyId, gfp: Gfp) -> usize {
            match family {
                FamilyId::Kmalloc => KMALLOC_MAX_SIZE,
                FamilyId::Vmalloc => isize::MAX as usize,
                // "non-blocking flags never fall back to vmalloc".
                FamilyId::KVmalloc if !gfp.may_sleep() => KMALLOC_MAX_SIZE,
                FamilyId::KVmalloc => KVMALLOC_MAX_SIZE,
            }
        }

        /// Whether freeing may sleep outside interrupt context.
        pub(in super::super) fn free_may_sleep(family: FamilyId) -> bool {
            matches!(family, FamilyId::Vmalloc | FamilyId::KVmalloc)
        }
    }

    /// The model's verdict for family `Fam` (container bound `B`) on flags
    /// `F`, checked against the kernel's rules.
    fn check<Fam: FamilyRules, B: Bound<Family = Fam>, F: GfpFlags>(_: F) -> bool {
        let gfp = Gfp::new(F::BITS);
        let model = <ReclaimVerdict<Fam, F> as Bool>::VALUE && <NoRetryVerdict<Fam, F> as Bool>::VALUE;
        let kernel = linux_v6_12::supports(Fam::ID, gfp);
        assert_eq!(model, kernel, "{} with {gfp}: the model says {model}, Linux v6.12 {kernel}", Fam::ID.name());
        if !gfp.nofail() {
            let bound = <RequestBound<F, B> as Bound>::MAX;
            assert_eq!(bound, linux_v6_12::max(Fam::ID, gfp), "{} with {gfp}: bound", Fam::ID.name());
        } else {
            assert_eq!(<RequestBound<F, B> as Bound>::MAX, NOFAIL_MAX_SIZE);
        }
        model
    }

    macro_rules! walk {
        ($fam:ty, $bound:ty; $($flags:expr),* $(,)?) => {
            [$(check::<$fam, $bound, _>($flags)),*]
        };
    }

    #[test]
    fn every_family_comes_back_from_its_discriminant() {
        for &family in super::super::ALL {
            assert_eq!(FamilyId::from_index(family as u8), family);
        }
    }

    /// Each family × representative flags: the model's verdicts (from the
    /// type-level rules) agree with the kernel's rules.
    #[test]
    fn the_family_table_follows_linux_v6_12() {
        macro_rules! every_family {
            ($($flags:expr),* $(,)?) => {{
                let kmalloc = walk!(Kmalloc, KmallocMax; $($flags),*);
                let vmalloc = walk!(Vmalloc, VmallocMax; $($flags),*);
                let kvmalloc = walk!(KVmalloc, KvmallocMax; $($flags),*);
                (kmalloc, vmalloc, kvmalloc)
            }};
        }
        let (kmalloc, vmalloc, kvmalloc) = every_family!(
            GFP_KERNEL,
            GFP_NOFS,
            GFP_NOIO,
            GFP_KERNEL_ACCOUNT,
            GFP_ATOMIC,
            GFP_NOWAIT,
            GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN,
            GFP_KERNEL | __GFP_NORETRY,
            GFP_KERNEL | __GFP_RETRY_MAYFAIL,
            GFP_KERNEL | __GFP_NOFAIL,
            GFP_KERNEL | __GFP_NORETRY.when(false),
            __GFP_HIGH,
        );
        // The verdicts are not all the same: the walk saw both answers.
        assert_eq!(kmalloc, [true; 12]);
        assert_eq!(vmalloc, [true, true, true, true, false, false, false, false, true, true, false, false]);
        assert_eq!(kvmalloc, [true, true, true, true, true, true, true, false, true, true, false, true]);
        for &family in super::super::ALL {
            assert_eq!(family.free_may_sleep(), linux_v6_12::free_may_sleep(family), "{}", family.name());
        }
        assert_eq!(FamilyId::KVmalloc.nonblocking_max(), Some(KMALLOC_MAX_SIZE));
        assert_eq!((FamilyId::Kmalloc.nonblocking_max(), FamilyId::Vmalloc.nonblocking_max()), (None, None));
        assert_eq!(super::super::ALL.len(), 3);
    }
}
