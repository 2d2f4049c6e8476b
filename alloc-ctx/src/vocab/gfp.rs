//! The run-time view of GFP flags: the kernel's bit values ([`bits`]) and
//! [`Gfp`], what backends, shrinkers and error messages see.
//!
//! Below the typed flags of [`crate::flags`] so that errors can carry a
//! `Gfp` without depending on the flag types. How a `Gfp` prints
//! (`GFP_KERNEL|__GFP_ZERO`) is implemented next to the flag table, which
//! holds the names.

use core::fmt;

/// The raw kernel bit values, for documentation, tests and FFI glue.
///
/// These are plain numbers: nothing in this crate accepts them as flags.
pub mod bits {
    /// `__GFP_HIGH`: the request is high priority and may use reserves.
    pub const HIGH: u32 = 0x20;
    /// `__GFP_IO`: the allocator may start physical I/O.
    pub const IO: u32 = 0x40;
    /// `__GFP_FS`: the allocator may call into the filesystem.
    pub const FS: u32 = 0x80;
    /// `__GFP_ZERO`: return zeroed memory.
    pub const ZERO: u32 = 0x100;
    /// `__GFP_DIRECT_RECLAIM`: the caller may enter direct reclaim, i.e. sleep.
    pub const DIRECT_RECLAIM: u32 = 0x400;
    /// `__GFP_KSWAPD_RECLAIM`: wake kswapd when memory runs low.
    pub const KSWAPD_RECLAIM: u32 = 0x800;
    /// `__GFP_NOWARN`: do not report a failure.
    pub const NOWARN: u32 = 0x2000;
    /// `__GFP_RETRY_MAYFAIL`: retry hard, but fail eventually.
    pub const RETRY_MAYFAIL: u32 = 0x4000;
    /// `__GFP_NOFAIL`: never fail; retry until memory is available.
    pub const NOFAIL: u32 = 0x8000;
    /// `__GFP_NORETRY`: one light reclaim attempt, then fail.
    pub const NORETRY: u32 = 0x10000;
    /// `__GFP_ACCOUNT`: charge the allocation to the caller's memory cgroup.
    pub const ACCOUNT: u32 = 0x40_0000;

    /// Every bit this crate knows; [`super::Gfp::from_bits`] rejects others.
    pub const KNOWN: u32 =
        HIGH | IO | FS | ZERO | DIRECT_RECLAIM | KSWAPD_RECLAIM | NOWARN | RETRY_MAYFAIL | NOFAIL | NORETRY | ACCOUNT;
}

/// The run-time view of a flags value: what backends and shrinkers see.
///
/// Safe code gets one from typed flags ([`GfpFlags::gfp`](crate::flags::GfpFlags::gfp)) or through the
/// validating [`Gfp::from_bits`]; there is no complement operator.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gfp(u32);

impl Gfp {
    /// The flags with exactly these bits; for the flag table, whose bits
    /// the rules have checked.
    #[inline(always)]
    pub(crate) const fn new(bits: u32) -> Gfp {
        Gfp(bits)
    }

    /// The exact kernel bit value.
    #[inline(always)]
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Checks `bits` and builds a `Gfp` from it: `None` if it has a bit this
    /// crate does not know, if it asks for `__GFP_NOFAIL`, `__GFP_NORETRY` or
    /// `__GFP_RETRY_MAYFAIL` without `__GFP_DIRECT_RECLAIM`, or if it asks
    /// for `__GFP_NOFAIL` together with a bounded-retry modifier, or for
    /// `__GFP_NORETRY` together with `__GFP_RETRY_MAYFAIL`.
    ///
    /// ```
    /// use alloc_ctx::flags::Gfp;
    /// assert!(Gfp::from_bits(0xCC0).is_some());
    /// assert!(Gfp::from_bits(0x8000).is_none()); // NOFAIL without reclaim
    /// assert!(Gfp::from_bits(0x1).is_none()); // __GFP_DMA is not modelled
    /// ```
    pub const fn from_bits(bits: u32) -> Option<Gfp> {
        let retry = bits::NOFAIL | bits::NORETRY | bits::RETRY_MAYFAIL;
        if bits & !bits::KNOWN != 0 {
            return None;
        }
        if bits & retry != 0 && bits & bits::DIRECT_RECLAIM == 0 {
            return None;
        }
        if bits & bits::NOFAIL != 0 && bits & (bits::NORETRY | bits::RETRY_MAYFAIL) != 0 {
            return None;
        }
        if bits & bits::NORETRY != 0 && bits & bits::RETRY_MAYFAIL != 0 {
            return None;
        }
        Some(Gfp(bits))
    }

    /// Builds a `Gfp` from raw bits without any check.
    ///
    /// # Safety
    ///
    /// A `Gfp` is trusted by backends: `bits` must be a valid combination as
    /// [`Gfp::from_bits`] defines it, and, if it contains
    /// `__GFP_DIRECT_RECLAIM`, it may only be passed to a backend from a
    /// context that may sleep.
    pub const unsafe fn from_bits_unchecked(bits: u32) -> Gfp {
        Gfp(bits)
    }

    /// The flags with `clear` removed: how a NOFS/NOIO scope masks a request
    /// (crate-internal so safe code cannot complement flags).
    #[inline(always)]
    pub(crate) const fn without(self, clear: u32) -> Gfp {
        Gfp(self.0 & !clear)
    }

    /// Whether every bit of `other` is set in `self`.
    #[inline(always)]
    pub const fn contains(self, other: Gfp) -> bool {
        self.0 & other.0 == other.0
    }

    #[inline(always)]
    const fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// Contains `__GFP_DIRECT_RECLAIM`: the request may sleep.
    pub const fn may_sleep(self) -> bool {
        self.has(bits::DIRECT_RECLAIM)
    }
    /// Contains `__GFP_IO`: reclaim may start I/O.
    pub const fn allows_io(self) -> bool {
        self.has(bits::IO)
    }
    /// Contains `__GFP_FS`: reclaim may call into the filesystem.
    pub const fn allows_fs(self) -> bool {
        self.has(bits::FS)
    }
    /// Contains `__GFP_ZERO`.
    pub const fn zeroed(self) -> bool {
        self.has(bits::ZERO)
    }
    /// Contains `__GFP_NOWARN`.
    pub const fn nowarn(self) -> bool {
        self.has(bits::NOWARN)
    }
    /// Contains `__GFP_NOFAIL`.
    pub const fn nofail(self) -> bool {
        self.has(bits::NOFAIL)
    }
    /// Contains `__GFP_NORETRY`.
    pub const fn noretry(self) -> bool {
        self.has(bits::NORETRY)
    }
    /// Contains `__GFP_RETRY_MAYFAIL`.
    pub const fn retry_mayfail(self) -> bool {
        self.has(bits::RETRY_MAYFAIL)
    }
    /// Contains `__GFP_HIGH`: may use reserves.
    pub const fn high(self) -> bool {
        self.has(bits::HIGH)
    }
}

impl fmt::Debug for Gfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gfp({:#x}: {self})", self.0)
    }
}

/// `{:#x}` prints the bit value, as the kernel's `%#x` of a `gfp_t`.
impl fmt::LowerHex for Gfp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}
