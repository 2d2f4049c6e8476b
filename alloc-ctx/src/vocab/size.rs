//! The bound table, checked sizes and size arithmetic; their user
//! documentation is on the public `crate::size` module (lib.rs).

use core::fmt;
use core::marker::PhantomData;
use core::mem::size_of;

use crate::vocab::family::{Family, KVmalloc, Kmalloc, Vmalloc};

/// `KMALLOC_MAX_SIZE` on x86-64: 4 MiB.
pub const KMALLOC_MAX_SIZE: usize = 4 * 1024 * 1024;
/// `KMALLOC_MAX_CACHE_SIZE` on x86-64: 8 KiB, the largest slab class.
pub const KMALLOC_MAX_CACHE_SIZE: usize = 8 * 1024;
/// `INT_MAX`: `kvmalloc` refuses anything larger (mm/util.c).
pub const KVMALLOC_MAX_SIZE: usize = i32::MAX as usize;
/// `PAGE_SIZE` on x86-64.
pub const PAGE_SIZE: usize = 4096;
/// The page allocator warns on `__GFP_NOFAIL` above order 1: `PAGE_SIZE << 1`.
pub const NOFAIL_MAX_SIZE: usize = PAGE_SIZE << 1;

mod sealed {
    // A seal: unnameable outside its module on purpose, so that only this
    // crate implements the traits it seals (`unnameable_types` flags every
    // seal).
    #[allow(unnameable_types)]
    pub trait Sealed {
        /// This bound, as a value a [`SizeError`](super::SizeError)
        /// carries. In the seal, so that it is not part of [`Bound`](super::Bound).
        const ID: super::BoundId;
    }
    /// Sizes: only `Size<B>` may claim to be checked.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a checked size: `SizeFor` is sealed",
        label = "only `Size<B>` values, made by a check, are sizes",
        note = "a size reaches the allocator only after a check against its bound: `Size::<B>::new(bytes)?`, `array_size::<T, B>(count)?`, `Size::<B>::of::<T>()`"
    )]
    #[allow(unnameable_types)] // a seal, as `Sealed`
    pub trait CheckedSize {}
}

/// An allocator's maximum request size.
///
/// The implementations are uninhabited marker types; the bound exists only
/// in the type of a [`Size`]. This trait is sealed.
pub trait Bound: sealed::Sealed + 'static {
    /// The largest accepted size in bytes.
    const MAX: usize;
    /// The kernel's name for the limit, used in errors.
    const NAME: &'static str;
    /// Where the limit comes from, used in errors.
    const SOURCE: &'static str;
    /// The build-time error for a type too large for this bound: what the
    /// limit is and what to do instead.
    const TOO_LARGE: &'static str;
    /// The allocator family that serves a request of this bound (a
    /// container's family: [`KVec`](crate::KVec)'s `KmallocMax` is served
    /// by [`Kmalloc`](crate::family::Kmalloc), [`KVVec`](crate::KVVec)'s
    /// `KvmallocMax` by [`KVmalloc`](crate::family::KVmalloc),
    /// [`VVec`](crate::VVec)'s `VmallocMax` by
    /// [`Vmalloc`](crate::family::Vmalloc)).
    type Family: Family;
}

/// The bound table: every size bound, declared once, from the strictest
/// up. Each step `[…]` holds bounds of equal maximum; each later step's
/// maximum is at least the earlier ones'.
///
/// From the table come the marker types and their [`Bound`] impls,
/// [`BoundId`] (what an error carries), and the lattice between the
/// bounds: a size of a stricter bound is accepted where a wider one is
/// asked for ([`SizeFor`]) and widens with `From`; the other way is a
/// checked `TryFrom`. A new bound is one entry here (plus its ui cases);
/// a test checks the table's order against the maxima.
macro_rules! bounds {
    ($(
        [$(
            $(#[$doc:meta])*
            $name:ident: max $max:expr, name $kernel_name:literal, source $source:literal, family $family:ident,
                too_large $too_large:literal;
        )+]
    )+) => {
        $($(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $name {}
            impl sealed::Sealed for $name {
                const ID: BoundId = BoundId::$name;
            }
            impl Bound for $name {
                const MAX: usize = $max;
                const NAME: &'static str = $kernel_name;
                const SOURCE: &'static str = $source;
                const TOO_LARGE: &'static str = $too_large;
                type Family = $family;
            }
        )+)+

        mod id {
            use super::{Bound, $($($name),+),+};

            /// Which bound rejected a size: one byte, so that a
            /// [`SizeError`](super::SizeError) and an `AllocError` stay two
            /// words. Reachable only through the bounds' seal, so as
            /// unnameable as the seal.
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[allow(clippy::enum_variant_names)] // named after the bound types
            #[allow(unnameable_types)]
            pub enum BoundId {
                $($(
                    #[doc = concat!("[`", stringify!($name), "`]")]
                    $name,
                )+)+
            }

            impl BoundId {
                pub(crate) const fn max(self) -> usize {
                    match self { $($(BoundId::$name => <$name as Bound>::MAX,)+)+ }
                }
                pub(crate) const fn name(self) -> &'static str {
                    match self { $($(BoundId::$name => <$name as Bound>::NAME,)+)+ }
                }
                pub(crate) const fn source(self) -> &'static str {
                    match self { $($(BoundId::$name => <$name as Bound>::SOURCE,)+)+ }
                }
                /// The bound whose discriminant (`bound as u8`) is `index`,
                /// for a bound packed with other values.
                pub(crate) const fn from_index(index: u8) -> BoundId {
                    $($(if index == BoundId::$name as u8 {
                        return BoundId::$name;
                    })+)+
                    panic!("alloc-ctx: not a bound's discriminant")
                }
            }
        }
        pub(crate) use id::BoundId;

        /// The table's bounds with their maxima, strictest first, grouped
        /// by step (for the test of its order).
        #[cfg(test)]
        const STEPS: &[&[(&str, usize)]] = &[$(&[$((stringify!($name), <$name as Bound>::MAX)),+]),+];

        /// Every bound's id, in table order (for the tests of packed ids).
        #[cfg(test)]
        pub(crate) const BOUND_IDS: &[BoundId] = &[$($(BoundId::$name),+),+];

        lattice!($([$($name)+])+);
    };
}

/// The lattice of [`bounds!`]'s steps: every bound accepts sizes of its own
/// step and of every earlier one; sizes widen to later steps with `From` and
/// narrow to earlier ones with `TryFrom`.
macro_rules! lattice {
    () => {};
    // Within a step: each size is accepted by each bound of the step.
    (@step [$($a:ident)+] $b:tt) => {
        $(lattice!(@accept $a $b);)+
    };
    (@accept $a:ident [$($b:ident)+]) => {
        $(impl SizeFor<$b> for Size<$a> {
            #[inline(always)]
            fn bytes(self) -> usize {
                self.bytes
            }
        })+
    };
    // `$narrow` is an earlier step than `$wide`.
    (@wider [$($narrow:ident)+] $wide:tt) => {
        $(lattice!(@widen $narrow $wide);)+
    };
    (@widen $narrow:ident [$($wide:ident)+]) => {
        $(
            impl SizeFor<$wide> for Size<$narrow> {
                #[inline(always)]
                fn bytes(self) -> usize {
                    self.bytes
                }
            }
            impl From<Size<$narrow>> for Size<$wide> {
                fn from(size: Size<$narrow>) -> Size<$wide> {
                    size.widen()
                }
            }
            impl TryFrom<Size<$wide>> for Size<$narrow> {
                type Error = SizeError;
                fn try_from(size: Size<$wide>) -> Result<Size<$narrow>, SizeError> {
                    size.recheck()
                }
            }
        )+
    };
    // The first step, then the rest.
    ($first:tt $($rest:tt)*) => {
        lattice!(@step $first $first);
        $(lattice!(@wider $first $rest);)*
        lattice!($($rest)*);
    };
}

bounds! {
    [
    /// `__GFP_NOFAIL` requests: at most [`NOFAIL_MAX_SIZE`] (8 KiB, an order-1
    /// page allocation). The only size a NOFAIL request accepts.
        NofailMax: max NOFAIL_MAX_SIZE, name "NOFAIL_MAX_SIZE", source "order-1 page allocation", family Kmalloc,
            too_large "the type is larger than NOFAIL_MAX_SIZE (8 KiB, an order-1 page allocation): a `__GFP_NOFAIL` request cannot promise it; drop `__GFP_NOFAIL` and handle the `AllocError`, or split the allocation";
    /// A slab class: at most [`KMALLOC_MAX_CACHE_SIZE`] (8 KiB).
        SlabCacheMax: max KMALLOC_MAX_CACHE_SIZE, name "KMALLOC_MAX_CACHE_SIZE", source "largest slab class", family Kmalloc,
            too_large "the type is larger than KMALLOC_MAX_CACHE_SIZE (8 KiB), the largest slab class: use a kmalloc-bounded size";
    ]
    [
    /// `kmalloc`: at most [`KMALLOC_MAX_SIZE`] (4 MiB). The bound of [`KVec`](crate::KVec).
        KmallocMax: max KMALLOC_MAX_SIZE, name "KMALLOC_MAX_SIZE", source "kmalloc", family Kmalloc,
            too_large "the type is larger than KMALLOC_MAX_SIZE (4 MiB): kmalloc cannot serve it, nor kvmalloc without `__GFP_DIRECT_RECLAIM` (it does not fall back to vmalloc then); use a kvmalloc-bounded size (`Size<KvmallocMax>`, `KVVec`, `KVBox`) with sleeping flags such as `GFP_KERNEL`";
    ]
    [
    /// `kvmalloc`: at most `INT_MAX`. The bound of [`KVVec`](crate::KVVec).
        KvmallocMax: max KVMALLOC_MAX_SIZE, name "INT_MAX", source "kvmalloc", family KVmalloc,
            too_large "the type is larger than INT_MAX bytes, the most kvmalloc accepts: split the allocation";
    ]
    [
    /// `vmalloc`: at most `isize::MAX`, the largest Rust `Layout` (vmalloc has
    /// no fixed maximum of its own; it refuses sizes above the total RAM at
    /// run time). The bound of [`VVec`](crate::VVec) and [`VBox`](crate::VBox).
        VmallocMax: max isize::MAX as usize, name "isize::MAX", source "vmalloc, the largest Rust Layout", family Vmalloc,
            too_large "the type is larger than isize::MAX bytes, the largest Rust type: split the allocation";
    ]
}

/// A size was rejected by a bound: it names the bound, its maximum and
/// the rejected size.
///
/// Two words (the size and a one-byte bound), so a `Result<Size<B>,
/// SizeError>` returns in registers. Only this crate creates one, so it
/// always describes a real rejection.
///
/// ```
/// use alloc_ctx::size::{KmallocMax, Size, array_size};
/// let error = Size::<KmallocMax>::new(5 << 20).unwrap_err();
/// assert_eq!((error.bound(), error.max(), error.requested()), ("KMALLOC_MAX_SIZE", 4 << 20, 5 << 20));
/// assert_eq!(error.to_string(), "5242880 bytes exceeds KMALLOC_MAX_SIZE (4194304 bytes, kmalloc) by 1048576 bytes");
/// let overflow = array_size::<u64, KmallocMax>(usize::MAX / 4).unwrap_err();
/// assert!(overflow.is_overflow());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SizeError {
    /// The rejected size; `usize::MAX` when the computation overflowed.
    requested: usize,
    bound: BoundId,
}

impl SizeError {
    pub(crate) const fn new<B: Bound>(requested: usize) -> SizeError {
        SizeError { requested, bound: B::ID }
    }

    pub(crate) const fn from_parts(requested: usize, bound: BoundId) -> SizeError {
        SizeError { requested, bound }
    }

    pub(crate) const fn bound_id(&self) -> BoundId {
        self.bound
    }

    /// The kernel name of the bound that was exceeded (e.g. `"INT_MAX"`).
    pub const fn bound(&self) -> &'static str {
        self.bound.name()
    }

    /// The bound's maximum in bytes.
    pub const fn max(&self) -> usize {
        self.bound.max()
    }

    /// Where the bound comes from (e.g. `"kvmalloc"`).
    pub const fn source(&self) -> &'static str {
        self.bound.source()
    }

    /// The rejected size in bytes (`usize::MAX` for an overflow).
    pub const fn requested(&self) -> usize {
        self.requested
    }

    /// Whether the size computation overflowed (and saturated at
    /// `usize::MAX`), rather than giving a size over the bound.
    pub const fn is_overflow(&self) -> bool {
        self.requested == usize::MAX
    }

    /// By how many bytes the request exceeded the bound (`usize::MAX - max`
    /// for an overflow).
    pub const fn excess(&self) -> usize {
        self.requested.saturating_sub(self.max())
    }
}

impl fmt::Display for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bound, max, source) = (self.bound(), self.max(), self.source());
        if self.is_overflow() {
            write!(
                f,
                "size computation overflowed (saturated at usize::MAX), so it exceeds {bound} ({max} bytes, {source})"
            )
        } else {
            write!(f, "{} bytes exceeds {bound} ({max} bytes, {source}) by {} bytes", self.requested, self.excess())
        }
    }
}

impl fmt::Debug for SizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SizeError")
            .field("requested", &self.requested)
            .field("bound", &self.bound())
            .field("max", &self.max())
            .finish()
    }
}

impl core::error::Error for SizeError {}

/// A byte count proven at most `B::MAX`.
///
/// Zero-cost: a `usize` at run time. The only safe constructors check.
pub struct Size<B: Bound> {
    bytes: usize,
    bound: PhantomData<fn() -> B>,
}

impl<B: Bound> Clone for Size<B> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<B: Bound> Copy for Size<B> {}
impl<B: Bound> PartialEq for Size<B> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl<B: Bound> Eq for Size<B> {}
impl<B: Bound> core::hash::Hash for Size<B> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}
/// Sizes of one bound order by their byte counts.
///
/// ```
/// use alloc_ctx::size::{KmallocMax, Size};
/// let (small, large) = (Size::<KmallocMax>::new(64)?, Size::<KmallocMax>::new(4096)?);
/// assert!(small < large);
/// assert_eq!(small.max(large), large);
/// # Ok::<(), alloc_ctx::SizeError>(())
/// ```
impl<B: Bound> PartialOrd for Size<B> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<B: Bound> Ord for Size<B> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}
impl<B: Bound> fmt::Debug for Size<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Size<{}>({})", B::NAME, self.bytes)
    }
}

/// Evaluated when a program using `Size::<B>::of::<T>()` is built.
struct AssertFits<T, B>(PhantomData<(T, B)>);
impl<T, B: Bound> AssertFits<T, B> {
    const OK: () = if size_of::<T>() > B::MAX {
        panic!("{}", B::TOO_LARGE)
    };
}

impl<B: Bound> Size<B> {
    /// The largest size of this bound.
    pub const MAX: Size<B> = Size { bytes: B::MAX, bound: PhantomData };

    /// Checks `bytes` against the bound.
    ///
    /// ```
    /// use alloc_ctx::size::{KmallocMax, Size, KMALLOC_MAX_SIZE};
    /// assert!(Size::<KmallocMax>::new(KMALLOC_MAX_SIZE).is_ok());
    /// let err = Size::<KmallocMax>::new(KMALLOC_MAX_SIZE + 1).unwrap_err();
    /// assert_eq!(err.bound(), "KMALLOC_MAX_SIZE");
    /// assert_eq!(err.excess(), 1);
    /// ```
    #[inline]
    pub const fn new(bytes: usize) -> Result<Size<B>, SizeError> {
        if bytes <= B::MAX { Ok(Size { bytes, bound: PhantomData }) } else { Err(SizeError::new::<B>(bytes)) }
    }

    /// The size of `T`, checked when the program is built: a type larger
    /// than the bound fails `cargo build` (not `cargo check`, which does not
    /// evaluate generic constants).
    ///
    /// ```
    /// use alloc_ctx::size::{NofailMax, Size};
    /// const HEADER: Size<NofailMax> = Size::of::<[u64; 16]>();
    /// assert_eq!(HEADER.get(), 128);
    /// ```
    ///
    /// ```compile_fail,E0080
    /// use alloc_ctx::size::{NofailMax, Size};
    /// // 16 KiB does not fit an order-1 NOFAIL request: the build fails.
    /// const TOO_BIG: Size<NofailMax> = Size::of::<[u8; 16384]>();
    /// ```
    #[inline(always)]
    pub const fn of<T>() -> Size<B> {
        #[allow(clippy::let_unit_value)]
        let () = AssertFits::<T, B>::OK;
        Size { bytes: size_of::<T>(), bound: PhantomData }
    }

    /// The byte count.
    #[inline(always)]
    pub const fn get(self) -> usize {
        self.bytes
    }

    /// Re-checks this size against another bound (e.g. a `Size<KmallocMax>`
    /// before a NOFAIL request, which needs a `Size<NofailMax>`).
    #[inline]
    pub const fn recheck<B2: Bound>(self) -> Result<Size<B2>, SizeError> {
        Size::<B2>::new(self.bytes)
    }

    /// Converts to a wider bound; no run-time check, as the target's maximum
    /// is at least this one's.
    #[inline(always)]
    pub fn widen<B2: Bound>(self) -> Size<B2>
    where
        Self: SizeFor<B2>,
    {
        Size { bytes: self.bytes, bound: PhantomData }
    }
}

impl<B: Bound> TryFrom<usize> for Size<B> {
    type Error = SizeError;
    fn try_from(bytes: usize) -> Result<Size<B>, SizeError> {
        Size::new(bytes)
    }
}

impl<B: Bound> From<Size<B>> for usize {
    fn from(size: Size<B>) -> usize {
        size.bytes
    }
}

/// A size checked against a bound at least as strict as `B`: what the
/// allocation fast path accepts.
///
/// `Size<B>` is accepted where `B` is asked for, and so is any size of a
/// stricter bound (a `Size<NofailMax>` where `KmallocMax` is asked for). A raw
/// `usize` never is, and no other type can claim to be checked: the trait
/// is sealed.
///
/// ```compile_fail,E0277
/// use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, SizeFor}};
/// #[derive(Clone, Copy)]
/// struct Forged;
/// impl SizeFor<KmallocMax> for Forged { // error: the trait is sealed
///     fn bytes(self) -> usize { 1 << 40 }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a size checked against the `{B}` bound",
    label = "this size has not been proven to fit `{B}`",
    note = "sizes reach the allocation fast path only as `Size<B>` values, checked against the allocator's maximum (and NOFAIL requests only accept `Size<NofailMax>`, at most 8 KiB)",
    note = "fix: check it first: `Size::<{B}>::new(bytes)?`, `array_size::<T, {B}>(count)?`, or `Size::<{B}>::try_from(wider_size)?`"
)]
pub trait SizeFor<B: Bound>: sealed::CheckedSize + Copy {
    /// The checked byte count.
    fn bytes(self) -> usize;
}

impl<B: Bound> sealed::CheckedSize for Size<B> {}

/// Saturating size arithmetic, after `include/linux/overflow.h`.
///
/// Every helper returns `usize::MAX` on overflow, and treats an operand of
/// `usize::MAX` as already saturated (the result is `usize::MAX` again, even
/// for `size_mul(usize::MAX, 0)`, which the kernel computes as 0): once a
/// computation has overflowed, nothing later can bring it back under a bound.
pub mod overflow {
    use core::mem::{align_of, size_of};

    /// `a * b`, saturating and sticky.
    #[inline]
    pub const fn size_mul(a: usize, b: usize) -> usize {
        if a == usize::MAX || b == usize::MAX {
            return usize::MAX;
        }
        match a.checked_mul(b) {
            Some(product) => product,
            None => usize::MAX,
        }
    }

    /// `a + b`, saturating and sticky.
    #[inline]
    pub const fn size_add(a: usize, b: usize) -> usize {
        if a == usize::MAX || b == usize::MAX {
            return usize::MAX;
        }
        match a.checked_add(b) {
            Some(sum) => sum,
            None => usize::MAX,
        }
    }

    /// `a - b`; `usize::MAX` if either is saturated or the result would be
    /// negative (as the kernel's `size_sub`).
    #[inline]
    pub const fn size_sub(a: usize, b: usize) -> usize {
        if a == usize::MAX || b == usize::MAX {
            return usize::MAX;
        }
        match a.checked_sub(b) {
            Some(difference) => difference,
            None => usize::MAX,
        }
    }

    /// `a * b`: the size of an array of `a` elements of `b` bytes.
    #[inline]
    pub const fn array_size(a: usize, b: usize) -> usize {
        size_mul(a, b)
    }

    /// `a * b * c`: the size of a three-dimensional array.
    #[inline]
    pub const fn array3_size(a: usize, b: usize, c: usize) -> usize {
        size_mul(size_mul(a, b), c)
    }

    /// `count * size_of::<E>()`: the bytes of a trailing flexible array.
    #[inline]
    pub const fn flex_array_size<E>(count: usize) -> usize {
        size_mul(count, size_of::<E>())
    }

    /// `x` rounded up to a multiple of `align`, saturating.
    ///
    /// Crate-internal: `align` must be a power of two, which the callers
    /// take from `align_of`; a public version would need a type for it
    /// (`core::ptr::Alignment` is unstable).
    #[inline]
    pub(crate) const fn align_up(x: usize, align: usize) -> usize {
        debug_assert!(align.is_power_of_two());
        size_add(x, align - 1) & !(align - 1) | saturated_bits(x, align)
    }

    /// Keeps a saturated value saturated through `align_up`'s masking.
    #[inline]
    const fn saturated_bits(x: usize, align: usize) -> usize {
        if size_add(x, align - 1) == usize::MAX { usize::MAX } else { 0 }
    }

    /// The size of a `#[repr(C)]` struct with header `H` and a trailing
    /// array of `count` elements `E`: the header padded to `E`'s alignment,
    /// the array, and tail padding to the struct's alignment.
    #[inline]
    pub const fn struct_size<H, E>(count: usize) -> usize {
        let align = if align_of::<H>() > align_of::<E>() { align_of::<H>() } else { align_of::<E>() };
        let header = align_up(size_of::<H>(), align_of::<E>());
        align_up(size_add(header, flex_array_size::<E>(count)), align)
    }
}

/// The size of `[T; count]`, checked against bound `B`.
///
/// ```
/// use alloc_ctx::size::{array_size, KvmallocMax, KVMALLOC_MAX_SIZE};
/// assert_eq!(array_size::<u32, KvmallocMax>(10)?.get(), 40);
/// let err = array_size::<u32, KvmallocMax>(KVMALLOC_MAX_SIZE / 4 + 1).unwrap_err();
/// assert_eq!(err.bound(), "INT_MAX");
/// # Ok::<(), alloc_ctx::size::SizeError>(())
/// ```
#[inline]
pub const fn array_size<T, B: Bound>(count: usize) -> Result<Size<B>, SizeError> {
    // The fast path: plain checked arithmetic, since any saturated value
    // fails the bound anyway. Only a saturated count of zero-sized elements
    // needs the sticky rule explicitly (MAX × 0 is not 0 here).
    let saturated_zst = size_of::<T>() == 0 && count == usize::MAX;
    match count.checked_mul(size_of::<T>()) {
        Some(bytes) if bytes <= B::MAX && !saturated_zst => Ok(Size { bytes, bound: PhantomData }),
        _ => Size::new(overflow::array_size(count, size_of::<T>())),
    }
}

/// The size of `[[[T; c]; b]; a]`, checked against bound `B`.
#[inline]
pub const fn array3_size<T, B: Bound>(a: usize, b: usize, c: usize) -> Result<Size<B>, SizeError> {
    Size::new(overflow::size_mul(overflow::array3_size(a, b, c), size_of::<T>()))
}

/// The size of a trailing array of `count` elements `E`, checked against `B`.
#[inline]
pub const fn flex_array_size<E, B: Bound>(count: usize) -> Result<Size<B>, SizeError> {
    Size::new(overflow::flex_array_size::<E>(count))
}

/// The size of a header `H` followed by `count` elements `E` (see
/// [`overflow::struct_size`]), checked against `B`.
///
/// ```
/// use alloc_ctx::size::{struct_size, KmallocMax};
/// #[repr(C)]
/// struct Header { len: u32, flags: u16 } // 8 bytes with padding
/// assert_eq!(struct_size::<Header, u64, KmallocMax>(3)?.get(), 8 + 24);
/// # Ok::<(), alloc_ctx::size::SizeError>(())
/// ```
#[inline]
pub const fn struct_size<H, E, B: Bound>(count: usize) -> Result<Size<B>, SizeError> {
    // The fast path in checked arithmetic (the header and alignments are
    // constants); on any overflow, the saturating computation gives the
    // error. Equal to `Size::new(overflow::struct_size::<H, E>(count))`.
    let align = if align_of::<H>() > align_of::<E>() { align_of::<H>() } else { align_of::<E>() };
    let header = overflow::align_up(size_of::<H>(), align_of::<E>());
    let saturated_zst = size_of::<E>() == 0 && count == usize::MAX;
    if let Some(array) = count.checked_mul(size_of::<E>())
        && let Some(unpadded) = array.checked_add(header)
        && let Some(padded) = unpadded.checked_add(align - 1)
    {
        let bytes = padded & !(align - 1);
        if bytes <= B::MAX && !saturated_zst {
            return Ok(Size { bytes, bound: PhantomData });
        }
    }
    Size::new(overflow::struct_size::<H, E>(count))
}

/// A size constant checked when the program is type-checked.
///
/// `const_size!(Bound, bytes)` is a `Size<Bound>`; a constant over the bound
/// is an error at `cargo check`, pointing at the macro's line, never a
/// run-time one. `bytes` must be a constant expression that does not use
/// the generic parameters of an enclosing function (it is evaluated as a
/// `const` item); for a size that depends on a type parameter, use
/// [`Size::of`], which is checked when the program is built.
///
/// ```
/// use alloc_ctx::{const_size, size::{NofailMax, Size}};
/// const SMALL: Size<NofailMax> = const_size!(NofailMax, 4096);
/// assert_eq!(SMALL.get(), 4096);
/// ```
///
/// ```compile_fail,E0080
/// use alloc_ctx::{const_size, size::{NofailMax, Size}};
/// fn control_block() -> Size<NofailMax> {
///     const_size!(NofailMax, 8193) // over 8 KiB: rejected by `cargo check`
/// }
/// ```
#[macro_export]
macro_rules! const_size {
    ($bound:ty, $bytes:expr $(,)?) => {{
        // A `const` item, not an inline `const { }` block: rustc evaluates
        // const items while type-checking, inline blocks only when building.
        const CHECKED: $crate::size::Size<$bound> = match $crate::size::Size::<$bound>::new($bytes) {
            ::core::result::Result::Ok(size) => size,
            ::core::result::Result::Err(_) => ::core::panic!(::core::concat!(
                "const_size!: ",
                ::core::stringify!($bytes),
                " bytes exceeds the ",
                ::core::stringify!($bound),
                " bound"
            )),
        };
        CHECKED
    }};
}

#[cfg(test)]
mod tests {
    use super::overflow::{align_up, size_add, size_mul, size_sub};
    use super::*;

    #[test]
    fn the_bound_table_goes_from_strictest_to_widest() {
        for step in STEPS {
            assert!(step.iter().all(|&(_, max)| max == step[0].1), "a step holds equal maxima: {step:?}");
        }
        for pair in STEPS.windows(2) {
            assert!(pair[0][0].1 < pair[1][0].1, "steps widen: {:?} before {:?}", pair[0], pair[1]);
        }
        assert_eq!(STEPS.iter().map(|step| step.len()).sum::<usize>(), 5);
    }
    use alloc::string::ToString;

    fn bound_accepts_max_rejects_max_plus_one<B: Bound>() {
        assert_eq!(Size::<B>::new(B::MAX).map(Size::get), Ok(B::MAX));
        let err = Size::<B>::new(B::MAX + 1).unwrap_err();
        assert_eq!(err.bound(), B::NAME);
        assert_eq!(err.excess(), 1);
        assert!(err.to_string().contains(B::NAME), "{err}");
    }

    #[test]
    fn each_bound_accepts_its_maximum_and_rejects_one_more() {
        bound_accepts_max_rejects_max_plus_one::<KmallocMax>();
        bound_accepts_max_rejects_max_plus_one::<KvmallocMax>();
        bound_accepts_max_rejects_max_plus_one::<NofailMax>();
        bound_accepts_max_rejects_max_plus_one::<SlabCacheMax>();
        assert_eq!(KmallocMax::MAX, 4_194_304);
        assert_eq!(KvmallocMax::MAX, 2_147_483_647);
        assert_eq!(NofailMax::MAX, 8192);
        assert_eq!(SlabCacheMax::MAX, 8192);
    }

    #[test]
    fn saturation_is_an_overflow_error_for_every_bound() {
        let saturated = size_mul(usize::MAX / 2, 3);
        assert_eq!(saturated, usize::MAX);
        assert!(matches!(Size::<KvmallocMax>::new(saturated), Err(e) if e.is_overflow()));
        assert!(matches!(Size::<NofailMax>::new(saturated), Err(e) if e.is_overflow()));
        let msg = Size::<KvmallocMax>::new(saturated).unwrap_err().to_string();
        assert!(msg.contains("overflowed") && msg.contains("INT_MAX"), "{msg}");
    }

    #[test]
    fn saturation_is_sticky() {
        let m = usize::MAX;
        assert_eq!(size_mul(m, 0), m);
        assert_eq!(size_mul(0, m), m);
        assert_eq!(size_add(m, 0), m);
        assert_eq!(size_sub(m, m), m);
        assert_eq!(size_sub(m, 1), m);
        assert_eq!(size_sub(1, 2), m, "underflow saturates");
        assert_eq!(overflow::array3_size(m, 0, 0), m);
        assert_eq!(align_up(m, 8), m);
        assert_eq!(align_up(m - 3, 8), m);
        assert_eq!(overflow::struct_size::<u64, u8>(m), m);
    }

    /// A small deterministic generator (xorshift), so the property test
    /// needs no dependency and behaves the same under Miri.
    fn numbers(seed: u64, count: usize) -> impl Iterator<Item = usize> {
        let mut state = seed;
        core::iter::repeat_with(move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Mix small, boundary and huge values.
            match state % 4 {
                0 => (state >> 40) as usize,
                1 => usize::MAX - (state >> 60) as usize,
                2 => (state as usize) >> (state % 64),
                _ => state as usize,
            }
        })
        .take(count)
    }

    fn saturate(wide: u128, any_saturated: bool) -> usize {
        if any_saturated || wide > usize::MAX as u128 { usize::MAX } else { wide as usize }
    }

    #[test]
    fn typed_fast_paths_agree_with_the_saturating_helpers() {
        #[repr(C)]
        struct Header {
            _len: u32,
            _flags: u16,
        }
        let counts = [
            0,
            1,
            2,
            3,
            7,
            1000,
            KMALLOC_MAX_SIZE / 8,
            KMALLOC_MAX_SIZE / 8 + 1,
            usize::MAX / 8,
            usize::MAX / 2,
            usize::MAX - 1,
            usize::MAX,
        ];
        for count in counts {
            assert_eq!(array_size::<u64, KmallocMax>(count), Size::new(overflow::array_size(count, 8)), "{count}");
            assert_eq!(array_size::<(), KvmallocMax>(count), Size::new(overflow::array_size(count, 0)), "{count}");
            assert_eq!(array_size::<[u8; 3], NofailMax>(count), Size::new(overflow::array_size(count, 3)), "{count}");
            assert_eq!(
                struct_size::<Header, u64, KmallocMax>(count),
                Size::new(overflow::struct_size::<Header, u64>(count)),
                "{count}"
            );
            assert_eq!(
                struct_size::<Header, u8, NofailMax>(count),
                Size::new(overflow::struct_size::<Header, u8>(count)),
                "{count}"
            );
            assert_eq!(
                struct_size::<u64, (), KvmallocMax>(count),
                Size::new(overflow::struct_size::<u64, ()>(count)),
                "{count}"
            );
        }
    }

    #[test]
    fn helpers_agree_with_128_bit_arithmetic() {
        let iterations = if cfg!(miri) { 200 } else { 20_000 };
        let a_values = numbers(0x9E37_79B9_7F4A_7C15, iterations);
        let b_values = numbers(0xD1B5_4A32_D192_ED03, iterations);
        for (a, b) in a_values.zip(b_values) {
            let sat = a == usize::MAX || b == usize::MAX;
            assert_eq!(size_mul(a, b), saturate(a as u128 * b as u128, sat), "{a} * {b}");
            assert_eq!(size_add(a, b), saturate(a as u128 + b as u128, sat), "{a} + {b}");
            let sub = if a >= b { saturate((a - b) as u128, sat) } else { usize::MAX };
            assert_eq!(size_sub(a, b), sub, "{a} - {b}");
            let c = b % 1000;
            let sat3 = sat || c == usize::MAX;
            let prod = (a as u128).checked_mul(b as u128).and_then(|p| p.checked_mul(c as u128));
            let expected = match prod {
                Some(p) if !sat3 && size_mul(a, b) != usize::MAX => saturate(p, false),
                _ => usize::MAX,
            };
            assert_eq!(overflow::array3_size(a, b, c), expected, "{a} * {b} * {c}");
        }
    }

    #[test]
    fn typed_helpers_check_the_bound() {
        assert_eq!(array_size::<u64, KmallocMax>(KMALLOC_MAX_SIZE / 8).map(Size::get), Ok(KMALLOC_MAX_SIZE));
        assert_eq!(array_size::<u64, KmallocMax>(KMALLOC_MAX_SIZE / 8 + 1).unwrap_err().excess(), 8);
        assert_eq!(array3_size::<u16, NofailMax>(4, 32, 32).map(Size::get), Ok(8192));
        assert!(array3_size::<u16, NofailMax>(4, 32, 33).is_err());
        assert_eq!(flex_array_size::<u32, NofailMax>(2048).map(Size::get), Ok(8192));
        #[repr(C)]
        struct Header {
            _len: u8,
        }
        // 1-byte header padded to u64's alignment, then 2 elements.
        assert_eq!(struct_size::<Header, u64, KmallocMax>(2).map(Size::get), Ok(8 + 16));
        assert_eq!(
            struct_size::<Header, u64, KmallocMax>(2).map(Size::get),
            Ok(core::alloc::Layout::new::<Header>()
                .extend(core::alloc::Layout::array::<u64>(2).unwrap())
                .unwrap()
                .0
                .pad_to_align()
                .size())
        );
    }

    #[test]
    fn conversions_between_bounds() {
        let small = Size::<NofailMax>::of::<[u8; 100]>();
        let widened: Size<KvmallocMax> = small.into();
        assert_eq!(widened.get(), 100);
        let big = Size::<KmallocMax>::new(9000).unwrap();
        let err = Size::<NofailMax>::try_from(big).unwrap_err();
        assert_eq!((err.bound(), err.max(), err.excess()), ("NOFAIL_MAX_SIZE", 8192, 808));
        assert_eq!(Size::<NofailMax>::try_from(Size::<KmallocMax>::new(8192).unwrap()).map(Size::get), Ok(8192));
        assert_eq!(usize::from(big), 9000);
        assert_eq!(alloc::format!("{big:?}"), "Size<KMALLOC_MAX_SIZE>(9000)");
    }

    #[test]
    fn const_size_macro() {
        const S: Size<KmallocMax> = crate::const_size!(KmallocMax, 4096);
        assert_eq!(S.get(), 4096);
    }
}
