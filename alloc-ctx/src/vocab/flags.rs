//! The flag table and the typed GFP flags; their user documentation is on the
//! public `crate::flags` module (lib.rs).
#![allow(non_camel_case_types)]

use core::fmt;
use core::ops::BitOr;

pub use crate::vocab::gfp::{Gfp, bits};
use crate::vocab::size::KmallocMax;
pub use crate::vocab::typelevel::{Bool, ByteElem, False, True};
// The plumbing behind `Has`: nameable (so the alias can be public), not
// documented.
#[doc(hidden)]
pub use crate::vocab::typelevel::{BoolOf, ToBool};

mod sealed {
    // A seal: unnameable outside its module on purpose, so that only this
    // crate implements the traits it seals (`unnameable_types` flags every
    // seal).
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// The rules a single constant answers for itself, implemented by the flag
/// table; [`crate::rules`] re-exports them and implements them for
/// combinations.
pub(crate) mod leaf_rules {
    use super::GfpFlags;

    /// The flags do not contain `__GFP_DIRECT_RECLAIM`: they never sleep.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` may sleep (it contains `__GFP_DIRECT_RECLAIM`); a `#[nowait]` context can only use `GFP_NOWAIT` or `GFP_ATOMIC`",
        label = "sleeping flags requested through a `NoWait` token",
        note = "a `NoWait` token stands for a context that must not sleep: a `#[nowait]` function, a spinlocked or interrupt section, or a `nowait_scope`",
        note = "fix: use `GFP_ATOMIC` (may use the atomic reserve) or `GFP_NOWAIT` and handle the `AllocError`, or allocate before entering the atomic section, through a `MaySleep` token"
    )]
    pub trait NonSleeping: GfpFlags {}

    /// The flags do not contain `__GFP_NOFAIL`.
    #[diagnostic::on_unimplemented(
        message = "`__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context",
        label = "NOFAIL requested through a `NoWait` token",
        note = "a NOFAIL request waits and retries until memory is free, which needs sleeping; a `#[nowait]` function, atomic section or `nowait_scope` must not sleep, so the promise would be broken (the kernel's \"NOFAIL loses\")",
        note = "fix: drop `__GFP_NOFAIL` and handle the `AllocError`, or make the request before the atomic section, through a `MaySleep` token"
    )]
    pub trait NotNoFail: GfpFlags {}
}
use leaf_rules::{NonSleeping, NotNoFail};

/// A typed set of GFP flags: one of the kernel constants in this module, or
/// an [`Or`] of them built with `|`.
///
/// The associated types are the flags' properties as type-level booleans;
/// [`crate::rules`] turns them into compile-time checks. This trait is
/// sealed: new flags cannot be invented outside this crate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a typed GFP flag set",
    label = "expected a GFP flag constant such as `GFP_KERNEL` or `GFP_ATOMIC | __GFP_ZERO`",
    note = "requests take the flag constants of `alloc_ctx::flags`, whose types let the compiler check them against the context; a run-time `Gfp` value cannot be checked and is not accepted"
)]
pub trait GfpFlags: sealed::Sealed + Copy + 'static {
    /// The exact kernel bit value.
    const BITS: u32;
    /// Contains `__GFP_DIRECT_RECLAIM`: the request may sleep.
    type DirectReclaim: Bool;
    /// Contains `__GFP_NOFAIL`.
    type NoFail: Bool;
    /// Contains `__GFP_NORETRY`.
    type NoRetry: Bool;
    /// Contains `__GFP_RETRY_MAYFAIL`.
    type RetryMayFail: Bool;
    /// Contains `__GFP_ZERO`.
    type Zero: Bool;

    /// The run-time view of these flags.
    #[inline(always)]
    fn gfp(self) -> Gfp {
        Gfp::new(Self::BITS)
    }
}

/// The result of `A | B` on typed flags.
///
/// Its bits are the union of both sides and its properties are computed by
/// the type checker. Compiler messages show it as, e.g.,
/// `Or<GFP_KERNEL, __GFP_NOFAIL>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Or<A, B>(A, B);

impl<A: GfpFlags, B: GfpFlags> sealed::Sealed for Or<A, B> {}

impl<A: GfpFlags, B: GfpFlags> GfpFlags for Or<A, B> {
    const BITS: u32 = A::BITS | B::BITS;
    type DirectReclaim = <A::DirectReclaim as Bool>::Or<B::DirectReclaim>;
    type NoFail = <A::NoFail as Bool>::Or<B::NoFail>;
    type NoRetry = <A::NoRetry as Bool>::Or<B::NoRetry>;
    type RetryMayFail = <A::RetryMayFail as Bool>::Or<B::RetryMayFail>;
    type Zero = <A::Zero as Bool>::Or<B::Zero>;

    /// Both sides' run-time bits: the same as `BITS` unless a side is
    /// decided at run time ([`When`]).
    #[inline(always)]
    fn gfp(self) -> Gfp {
        Gfp::new(self.0.gfp().bits() | self.1.gfp().bits())
    }
}

impl<A: GfpFlags, B: GfpFlags> Or<A, B> {
    /// `self | rhs`, usable in a `const`.
    ///
    /// ```
    /// use alloc_ctx::flags::*;
    /// const RX_GFP: Or<Or<GFP_ATOMIC, __GFP_NOWARN>, __GFP_ZERO> = GFP_ATOMIC.or(__GFP_NOWARN).or(__GFP_ZERO);
    /// assert_eq!(RX_GFP.gfp(), (GFP_ATOMIC | __GFP_NOWARN | __GFP_ZERO).gfp());
    /// ```
    #[inline(always)]
    pub const fn or<R: GfpFlags>(self, rhs: R) -> Or<Self, R> {
        Or(self, rhs)
    }
}

impl<A: GfpFlags, B: GfpFlags, R: GfpFlags> BitOr<R> for Or<A, B> {
    type Output = Or<Self, R>;
    #[inline(always)]
    fn bitor(self, rhs: R) -> Self::Output {
        Or(self, rhs)
    }
}

impl<A: GfpFlags, B: GfpFlags> fmt::Debug for Or<A, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.gfp(), f)
    }
}

/// A modifier flag that a driver decides at run time, as C code does with
/// `gfp |= __GFP_NOWARN` when probing: `__GFP_NOWARN.when(probing)`.
///
/// Only the modifiers ([`Modifier`]) can be decided at run time; the flags
/// that decide what a request may do (reclaim, NOFAIL) stay in the type. The
/// rules check the combination as if the modifier were set, the strictest
/// case, so a `When` passes exactly where the modifier itself would.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVec, MaySleep, flags::*};
/// fn probe_ring(entries: usize, probing: bool, cx: &mut alloc_ctx::MaySleep) -> Option<KVec<u64>> {
///     // Quiet while probing for the largest ring that fits.
///     KVec::with_capacity(entries, GFP_KERNEL | __GFP_NOWARN.when(probing), cx).ok()
/// }
/// (assert!(probe_ring(16, true, cx).is_some()));
/// assert_eq!((GFP_KERNEL | __GFP_NOWARN.when(false)).gfp(), GFP_KERNEL.gfp());
/// assert_eq!((GFP_KERNEL | __GFP_NOWARN.when(true)).gfp(), (GFP_KERNEL | __GFP_NOWARN).gfp());
/// # }
/// ```
///
/// A flag that changes what a request may do cannot be chosen at run time:
///
/// ```compile_fail,E0599
/// use alloc_ctx::flags::*;
/// let _ = GFP_KERNEL | __GFP_NOFAIL.when(true); // error: `__GFP_NOFAIL` is not a `Modifier`
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct When<F> {
    flag: F,
    set: bool,
}

/// The modifier flags, which may be decided at run time with
/// [`when`](Modifier::when): `__GFP_NOWARN`, `__GFP_HIGH`, `__GFP_ZERO`,
/// `__GFP_ACCOUNT`, `__GFP_NORETRY` and `__GFP_RETRY_MAYFAIL`. Sealed.
pub trait Modifier: GfpFlags {
    /// This flag if `set`, no flag otherwise.
    #[inline(always)]
    fn when(self, set: bool) -> When<Self> {
        When { flag: self, set }
    }
}

impl<F: Modifier> sealed::Sealed for When<F> {}

impl<F: Modifier> GfpFlags for When<F> {
    const BITS: u32 = F::BITS;
    type DirectReclaim = F::DirectReclaim;
    type NoFail = F::NoFail;
    type NoRetry = F::NoRetry;
    type RetryMayFail = F::RetryMayFail;
    // Memory that may not have been zeroed is typed as uninitialised.
    type Zero = False;

    #[inline(always)]
    fn gfp(self) -> Gfp {
        if self.set { self.flag.gfp() } else { Gfp::new(0) }
    }
}

impl<F: Modifier, R: GfpFlags> BitOr<R> for When<F> {
    type Output = Or<Self, R>;
    #[inline(always)]
    fn bitor(self, rhs: R) -> Self::Output {
        Or(self, rhs)
    }
}

impl<F: Modifier> fmt::Debug for When<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.when({})", self.flag.gfp(), self.set)
    }
}

/// A `const bool` as a type-level boolean: `Has<true>` is [`True`],
/// `Has<false>` is [`False`].
///
/// The flag table computes each constant's [`GfpFlags`] properties from its
/// bits with it: the `NoFail` of a flag is `Has<{ BITS & bits::NOFAIL != 0 }>`.
///
/// ```
/// use alloc_ctx::flags::{Bool, GFP_KERNEL, GfpFlags, Has, True};
///
/// fn same<A: Bool, B: Bool>() -> bool { A::VALUE == B::VALUE }
/// assert!(same::<Has<true>, True>());
/// assert!(<<GFP_KERNEL as GfpFlags>::DirectReclaim as Bool>::VALUE);
/// ```
pub type Has<const SET: bool> = <BoolOf<SET> as ToBool>::Bool;

/// The flag table: every kernel constant, declared once.
///
/// Each entry gives the doc, the kernel name and the bits; everything else
/// is derived from them: the unit struct (type and value share the kernel's
/// name), its [`GfpFlags`] impl with the properties computed from the bits,
/// `|` and `or`, `Debug` and the name [`Gfp`] prints. A mark after the
/// bits says what the constant is for the rules: `[sleeps]` (it contains
/// `__GFP_DIRECT_RECLAIM`, so it is not `NonSleeping`), `[nofail]` (not
/// `NotNoFail`), `[modifier]` (it has [`Modifier::when`]); a test checks the
/// marks against the bits. The combination rules of [`crate::rules`] are
/// written over the properties, so a new flag needs no other edit. Entries
/// whose bits include another's come first: `Display` takes the first name
/// whose bits are all set.
macro_rules! gfp_flags {
    ($(
        $(#[$doc:meta])*
        $name:ident = $bits:expr; $([$kind:ident])?
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
            pub struct $name;

            impl sealed::Sealed for $name {}

            impl GfpFlags for $name {
                const BITS: u32 = $bits;
                type DirectReclaim = Has<{ $bits & bits::DIRECT_RECLAIM != 0 }>;
                type NoFail = Has<{ $bits & bits::NOFAIL != 0 }>;
                type NoRetry = Has<{ $bits & bits::NORETRY != 0 }>;
                type RetryMayFail = Has<{ $bits & bits::RETRY_MAYFAIL != 0 }>;
                type Zero = Has<{ $bits & bits::ZERO != 0 }>;
            }

            impl $name {
                /// `self | rhs`, usable in a `const`: a driver names its flag
                /// combination once (`const RX_GFP: Or<GFP_ATOMIC, __GFP_NOWARN> =
                /// GFP_ATOMIC.or(__GFP_NOWARN);`).
                #[inline(always)]
                pub const fn or<R: GfpFlags>(self, rhs: R) -> Or<$name, R> {
                    Or(self, rhs)
                }
            }

            impl<R: GfpFlags> BitOr<R> for $name {
                type Output = Or<$name, R>;
                #[inline(always)]
                fn bitor(self, rhs: R) -> Self::Output {
                    Or(self, rhs)
                }
            }

            impl fmt::Debug for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str(stringify!($name))
                }
            }

            gfp_flags!(@rules $name $($kind)?);
        )*

        /// Every constant's bits and kernel name, in table order.
        pub(crate) const NAMES: &[(u32, &str)] = &[$(($bits, stringify!($name))),*];

        /// Every constant's bits and its mark (`""`, `"sleeps"`, `"nofail"`,
        /// `"modifier"`), for the test that checks the marks against the bits.
        #[cfg(test)]
        const MARKS: &[(&str, u32, &str)] = &[$((stringify!($name), $bits, stringify!($($kind)?))),*];
    };
    // The leaf rules follow the mark: a `sleeps` constant is not
    // `NonSleeping`, a `nofail` one is not `NotNoFail`.
    (@rules $name:ident) => {
        impl NonSleeping for $name {}
        impl NotNoFail for $name {}
    };
    (@rules $name:ident sleeps) => {
        impl NotNoFail for $name {}
    };
    (@rules $name:ident nofail) => {
        impl NonSleeping for $name {}
    };
    (@rules $name:ident modifier) => {
        impl Modifier for $name {}
        gfp_flags!(@rules $name);
    };
}

gfp_flags! {
    /// `GFP_KERNEL_ACCOUNT` = `GFP_KERNEL | __GFP_ACCOUNT` (0x400CC0): a
    /// `GFP_KERNEL` request charged to the caller's memory cgroup, for
    /// memory a user can make the kernel allocate. May sleep.
    GFP_KERNEL_ACCOUNT = bits::DIRECT_RECLAIM | bits::KSWAPD_RECLAIM | bits::IO | bits::FS | bits::ACCOUNT; [sleeps]
    /// `GFP_KERNEL` = `__GFP_RECLAIM | __GFP_IO | __GFP_FS` (0xCC0): the usual
    /// request from process context. May sleep.
    GFP_KERNEL = bits::DIRECT_RECLAIM | bits::KSWAPD_RECLAIM | bits::IO | bits::FS; [sleeps]
    /// `GFP_NOFS` = `__GFP_RECLAIM | __GFP_IO` (0xC40): may sleep, but must
    /// not recurse into the filesystem. Prefer a [`nofs`](crate::MaySleep::nofs)
    /// scope, which masks every request in the section.
    GFP_NOFS = bits::DIRECT_RECLAIM | bits::KSWAPD_RECLAIM | bits::IO; [sleeps]
    /// `GFP_NOIO` = `__GFP_RECLAIM` (0xC00): may sleep, but must not start
    /// I/O. Prefer a [`noio`](crate::MaySleep::noio) scope.
    GFP_NOIO = bits::DIRECT_RECLAIM | bits::KSWAPD_RECLAIM; [sleeps]
    /// `GFP_ATOMIC` = `__GFP_HIGH | __GFP_KSWAPD_RECLAIM` (0x820): does not
    /// sleep and may use the atomic reserve. For interrupt handlers and
    /// spinlocked sections that cannot tolerate failure well.
    GFP_ATOMIC = bits::HIGH | bits::KSWAPD_RECLAIM;
    /// `GFP_NOWAIT` = `__GFP_KSWAPD_RECLAIM | __GFP_NOWARN` (0x2800): does not
    /// sleep and does not touch reserves; failure is expected and quiet.
    GFP_NOWAIT = bits::KSWAPD_RECLAIM | bits::NOWARN;
    /// `__GFP_HIGH` (0x20): high priority; may use reserves.
    __GFP_HIGH = bits::HIGH; [modifier]
    /// `__GFP_IO` (0x40): may start physical I/O.
    __GFP_IO = bits::IO;
    /// `__GFP_FS` (0x80): may call into the filesystem.
    __GFP_FS = bits::FS;
    /// `__GFP_ZERO` (0x100): the memory is returned zeroed. Byte buffers
    /// requested with it are typed `[u8]` instead of `[MaybeUninit<u8>]`.
    __GFP_ZERO = bits::ZERO; [modifier]
    /// `__GFP_DIRECT_RECLAIM` (0x400): the caller may enter direct reclaim,
    /// which sleeps.
    __GFP_DIRECT_RECLAIM = bits::DIRECT_RECLAIM; [sleeps]
    /// `__GFP_KSWAPD_RECLAIM` (0x800): wake the background reclaimer.
    __GFP_KSWAPD_RECLAIM = bits::KSWAPD_RECLAIM;
    /// `__GFP_NOWARN` (0x2000): do not report a failure.
    __GFP_NOWARN = bits::NOWARN; [modifier]
    /// `__GFP_RETRY_MAYFAIL` (0x4000): reclaim and retry a bounded number of
    /// times, then fail. Needs direct reclaim.
    __GFP_RETRY_MAYFAIL = bits::RETRY_MAYFAIL; [modifier]
    /// `__GFP_NOFAIL` (0x8000): the request cannot fail; it reclaims, sleeps
    /// and retries until it succeeds. Needs direct reclaim, so it is only
    /// accepted through a [`MaySleep`](crate::MaySleep) token, and only with
    /// a size proven at most [`NOFAIL_MAX_SIZE`](crate::size::NOFAIL_MAX_SIZE).
    __GFP_NOFAIL = bits::NOFAIL; [nofail]
    /// `__GFP_NORETRY` (0x10000): one light reclaim pass, then fail. Needs
    /// direct reclaim.
    __GFP_NORETRY = bits::NORETRY; [modifier]
    /// `__GFP_ACCOUNT` (0x400000): charge the memory to the caller's cgroup.
    /// Carried to the backend; the `System` backend ignores it.
    __GFP_ACCOUNT = bits::ACCOUNT; [modifier]
}

impl<F: GfpFlags> From<F> for Gfp {
    fn from(flags: F) -> Gfp {
        flags.gfp()
    }
}

/// Prints the flags the way the kernel's `%pGg` does: `GFP_KERNEL|__GFP_ZERO`.
impl fmt::Display for Gfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bits() == 0 {
            return f.write_str("0");
        }
        let mut rest = self.bits();
        let mut first = true;
        for &(bits, name) in NAMES {
            if rest & bits == bits {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !bits;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{rest:#x}")?;
        }
        Ok(())
    }
}

/// The outcome of a request with flags `F`: `T` for `__GFP_NOFAIL`,
/// `Result<T, AllocError>` otherwise.
pub type Outcome<F, T> = <<F as GfpFlags>::NoFail as Bool>::Outcome<T>;

/// The size bound a request with flags `F` accepts: [`NofailMax`](crate::size::NofailMax) for
/// `__GFP_NOFAIL`, `B` otherwise.
pub type BoundFor<F, B = KmallocMax> = <<F as GfpFlags>::NoFail as Bool>::SizeBound<B>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marks_of_the_flag_table_agree_with_the_bits() {
        for &(name, bits, mark) in MARKS {
            assert_eq!(mark == "sleeps", bits & bits::DIRECT_RECLAIM != 0, "{name}: `sleeps` iff __GFP_DIRECT_RECLAIM");
            assert_eq!(mark == "nofail", bits & bits::NOFAIL != 0, "{name}: `nofail` iff __GFP_NOFAIL");
            assert!(["", "sleeps", "nofail", "modifier"].contains(&mark), "{name}: unknown mark {mark}");
        }
        assert_eq!(MARKS.len(), NAMES.len());
    }

    #[test]
    fn the_flag_table_names_every_constant_once_supersets_first() {
        for (index, &(bits, name)) in NAMES.iter().enumerate() {
            assert!(NAMES.iter().filter(|&&(_, other)| other == name).count() == 1, "{name} twice");
            // A constant listed later never contains an earlier one, or
            // `Display` would print the smaller name for the larger value.
            for &(later_bits, later) in &NAMES[index + 1..] {
                assert!(later_bits & bits != bits || later_bits == bits, "{later} contains {name} but comes after it");
            }
            assert_eq!(Gfp::new(bits).to_string(), name, "{name} prints as itself");
        }
        assert_eq!(NAMES.len(), 17);
    }
    use alloc::string::ToString;

    /// The bit table of docs/DESIGN.md, i.e. Linux v6.12 gfp_types.h.
    #[test]
    fn every_constant_has_the_kernel_value() {
        assert_eq!(__GFP_HIGH::BITS, 0x20);
        assert_eq!(__GFP_IO::BITS, 0x40);
        assert_eq!(__GFP_FS::BITS, 0x80);
        assert_eq!(__GFP_ZERO::BITS, 0x100);
        assert_eq!(__GFP_DIRECT_RECLAIM::BITS, 0x400);
        assert_eq!(__GFP_KSWAPD_RECLAIM::BITS, 0x800);
        assert_eq!(__GFP_NOWARN::BITS, 0x2000);
        assert_eq!(__GFP_RETRY_MAYFAIL::BITS, 0x4000);
        assert_eq!(__GFP_NOFAIL::BITS, 0x8000);
        assert_eq!(__GFP_NORETRY::BITS, 0x10000);
        assert_eq!(__GFP_ACCOUNT::BITS, 0x40_0000);
        assert_eq!(GFP_KERNEL::BITS, 0xCC0);
        assert_eq!(GFP_NOFS::BITS, 0xC40);
        assert_eq!(GFP_NOIO::BITS, 0xC00);
        assert_eq!(GFP_ATOMIC::BITS, 0x820);
        assert_eq!(GFP_NOWAIT::BITS, 0x2800);
    }

    #[test]
    fn or_is_the_union_and_computes_properties() {
        type K = Or<Or<GFP_KERNEL, __GFP_NOFAIL>, __GFP_ZERO>;
        assert_eq!(K::BITS, 0xCC0 | 0x8000 | 0x100);
        let (reclaim, nofail) = (<K as GfpFlags>::DirectReclaim::VALUE, <K as GfpFlags>::NoFail::VALUE);
        let (zero, noretry) = (<K as GfpFlags>::Zero::VALUE, <K as GfpFlags>::NoRetry::VALUE);
        assert_eq!((reclaim, nofail, zero, noretry), (true, true, true, false));
        let value = GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO;
        assert_eq!(value.gfp().bits(), K::BITS);
        assert_eq!(core::mem::size_of_val(&value), 0);
    }

    #[test]
    fn properties_agree_with_bits_for_every_leaf() {
        fn check<F: GfpFlags>(_: F) {
            let gfp = Gfp::new(F::BITS);
            assert_eq!(<F::DirectReclaim as Bool>::VALUE, gfp.may_sleep());
            assert_eq!(<F::NoFail as Bool>::VALUE, gfp.nofail());
            assert_eq!(<F::NoRetry as Bool>::VALUE, gfp.noretry());
            assert_eq!(<F::RetryMayFail as Bool>::VALUE, gfp.retry_mayfail());
            assert_eq!(<F::Zero as Bool>::VALUE, gfp.zeroed());
        }
        check(GFP_KERNEL);
        check(GFP_NOFS);
        check(GFP_NOIO);
        check(GFP_ATOMIC);
        check(GFP_NOWAIT);
        check(__GFP_HIGH);
        check(__GFP_IO);
        check(__GFP_FS);
        check(__GFP_ZERO);
        check(__GFP_DIRECT_RECLAIM);
        check(__GFP_KSWAPD_RECLAIM);
        check(__GFP_NOWARN);
        check(__GFP_RETRY_MAYFAIL);
        check(__GFP_NOFAIL);
        check(__GFP_NORETRY);
        check(__GFP_ACCOUNT);
        check(GFP_ATOMIC | __GFP_ZERO | __GFP_NOWARN);
    }

    #[test]
    fn display_uses_kernel_names() {
        assert_eq!(GFP_KERNEL.gfp().to_string(), "GFP_KERNEL");
        assert_eq!((GFP_ATOMIC | __GFP_ZERO).gfp().to_string(), "GFP_ATOMIC|__GFP_ZERO");
        assert_eq!(GFP_NOIO.gfp().to_string(), "GFP_NOIO");
        assert_eq!(Gfp::new(0).to_string(), "0");
        assert_eq!((__GFP_DIRECT_RECLAIM | __GFP_NOFAIL).gfp().to_string(), "__GFP_DIRECT_RECLAIM|__GFP_NOFAIL");
        assert_eq!(alloc::format!("{:?}", GFP_NOFS.gfp()), "Gfp(0xc40: GFP_NOFS)");
    }

    #[test]
    fn from_bits_validates() {
        assert_eq!(Gfp::from_bits(0xCC0), Some(GFP_KERNEL.gfp()));
        assert_eq!(Gfp::from_bits(0x2800), Some(GFP_NOWAIT.gfp()));
        assert_eq!(Gfp::from_bits(0xCC0 | 0x8000).map(Gfp::bits), Some(0x8CC0));
        assert_eq!(Gfp::from_bits(0x1), None, "unknown bit");
        assert_eq!(Gfp::from_bits(0x8000 | 0x820), None, "NOFAIL without reclaim");
        assert_eq!(Gfp::from_bits(0x10000 | 0x820), None, "NORETRY without reclaim");
        assert_eq!(Gfp::from_bits(0x4000 | 0x2800), None, "RETRY_MAYFAIL without reclaim");
        assert_eq!(Gfp::from_bits(0xCC0 | 0x8000 | 0x10000), None, "NOFAIL|NORETRY");
        assert_eq!(Gfp::from_bits(0xCC0 | 0x8000 | 0x4000), None, "NOFAIL|RETRY_MAYFAIL");
        assert_eq!(Gfp::from_bits(0xCC0 | 0x10000 | 0x4000), None, "NORETRY|RETRY_MAYFAIL");
    }

    #[test]
    fn without_clears_only_the_mask() {
        let kernel = GFP_KERNEL.gfp();
        assert_eq!(kernel.without(bits::FS), GFP_NOFS.gfp());
        assert_eq!(kernel.without(bits::FS | bits::IO), GFP_NOIO.gfp());
        assert!(kernel.without(bits::FS | bits::IO).may_sleep());
    }
}
