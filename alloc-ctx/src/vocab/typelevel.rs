//! Type-level booleans.
//!
//! Flag types describe their properties ("contains `__GFP_NOFAIL`", "contains
//! `__GFP_DIRECT_RECLAIM`", …) as [`True`] or [`False`] associated types, so
//! that a combination's properties are computed by the compiler and the rules
//! of [`crate::rules`] can be written as trait bounds. Nothing here exists at
//! run time.

use crate::vocab::error::AllocError;

mod sealed {
    // A seal: unnameable outside its module on purpose, so that only this
    // crate implements the traits it seals (`unnameable_types` flags every
    // seal).
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// A boolean known to the type checker: [`True`] or [`False`].
///
/// This trait is sealed; the two implementations are the only ones.
pub trait Bool: sealed::Sealed + 'static {
    /// The value, for code that needs it at run time (always const-folded).
    const VALUE: bool;
    /// `Self || Rhs`.
    type Or<Rhs: Bool>: Bool;
    /// `Self && Rhs`.
    type And<Rhs: Bool>: Bool;
    /// `!Self`.
    type Not: Bool;
    /// The size bound of a request: [`NofailMax`](crate::size::NofailMax) when
    /// `Self` (the request's NOFAIL property) is [`True`], `B` otherwise.
    type SizeBound<B: crate::vocab::size::Bound>: crate::vocab::size::Bound;
    /// `Then` when `Self` is [`True`], `Else` otherwise: how a request's
    /// bound is computed from its flags (a non-blocking kvmalloc request
    /// has kmalloc's bound).
    type Pick<Then: crate::vocab::size::Bound, Else: crate::vocab::size::Bound>: crate::vocab::size::Bound;
    /// The element type of a byte buffer: `u8` when the memory is known to
    /// be initialised (zeroed), `MaybeUninit<u8>` otherwise.
    type Byte: ByteElem;

    /// The outcome type of a request: the value itself when `Self` is
    /// [`True`] (a `__GFP_NOFAIL` request cannot fail) or
    /// `Result<T, AllocError>` otherwise.
    type Outcome<T>;

    /// Turns the result of a request into its outcome type.
    ///
    /// For [`True`] (NOFAIL) the request path never returns `Err`: the retry
    /// loop only returns on success, so the `Err` arm is unreachable.
    #[doc(hidden)]
    fn outcome<T>(result: Result<T, AllocError>) -> Self::Outcome<T>;
}

/// Type-level `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct True;

/// Type-level `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct False;

impl sealed::Sealed for True {}
impl sealed::Sealed for False {}

impl Bool for True {
    const VALUE: bool = true;
    type Or<Rhs: Bool> = True;
    type And<Rhs: Bool> = Rhs;
    type Not = False;
    type SizeBound<B: crate::vocab::size::Bound> = crate::vocab::size::NofailMax;
    type Pick<Then: crate::vocab::size::Bound, Else: crate::vocab::size::Bound> = Then;
    type Byte = u8;
    type Outcome<T> = T;

    #[inline(always)]
    fn outcome<T>(result: Result<T, AllocError>) -> T {
        match result {
            Ok(value) => value,
            // The NOFAIL path loops until it succeeds; reaching this arm
            // would be a bug in this crate, not a user error.
            Err(error) => unreachable!("a __GFP_NOFAIL request returned an error: {error}"),
        }
    }
}

impl Bool for False {
    const VALUE: bool = false;
    type Or<Rhs: Bool> = Rhs;
    type And<Rhs: Bool> = False;
    type Not = True;
    type SizeBound<B: crate::vocab::size::Bound> = B;
    type Pick<Then: crate::vocab::size::Bound, Else: crate::vocab::size::Bound> = Else;
    type Byte = core::mem::MaybeUninit<u8>;
    type Outcome<T> = Result<T, AllocError>;

    #[inline(always)]
    fn outcome<T>(result: Result<T, AllocError>) -> Result<T, AllocError> {
        result
    }
}

/// A `const bool` as a type: `<BoolOf<B> as ToBool>::Bool` is [`True`]
/// or [`False`]. The flag table computes its flags' properties from their
/// bits with it.
pub struct BoolOf<const B: bool>;

/// See [`BoolOf`].
pub trait ToBool {
    /// The type-level boolean.
    type Bool: Bool;
}
impl ToBool for BoolOf<true> {
    type Bool = True;
}
impl ToBool for BoolOf<false> {
    type Bool = False;
}

/// `A` implies `B`, for a pair `(A, B)`; the combination rules of
/// [`crate::rules`] are bounds on it.
///
/// Generic in the second place where the first is [`False`], so that code
/// generic over flags known not to be NOFAIL (`F: NoWaitFlags`) satisfies
/// the NOFAIL rules without knowing its other properties.
pub trait Implies {}
impl<B: Bool> Implies for (False, B) {}
impl Implies for (True, True) {}

/// Not both of the pair `(A, B)`.
///
/// Generic in the second place where the first is [`False`], as
/// [`Implies`].
pub trait NotBoth {}
impl<B: Bool> NotBoth for (False, B) {}
impl NotBoth for (True, False) {}

/// [`False`] only.
pub trait IsFalse {}
impl IsFalse for False {}

/// [`True`] only.
pub trait IsTrue {}
impl IsTrue for True {}

mod byte_sealed {
    #[allow(unnameable_types)] // a seal, as `sealed::Sealed`
    pub trait Sealed {}
}

/// The element of a byte buffer: `u8` (initialised) or `MaybeUninit<u8>`.
/// Sealed. A request's buffer has initialised bytes when its flags
/// contain `__GFP_ZERO` ([`Bool::Byte`]).
pub trait ByteElem: byte_sealed::Sealed + Copy + 'static {}
impl byte_sealed::Sealed for u8 {}
impl byte_sealed::Sealed for core::mem::MaybeUninit<u8> {}
impl ByteElem for u8 {}
impl ByteElem for core::mem::MaybeUninit<u8> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<B: Bool>() -> bool {
        B::VALUE
    }

    #[test]
    fn truth_tables() {
        assert!(value::<<True as Bool>::Or<False>>());
        assert!(value::<<False as Bool>::Or<True>>());
        assert!(!value::<<False as Bool>::Or<False>>());
        assert!(value::<<True as Bool>::And<True>>());
        assert!(!value::<<True as Bool>::And<False>>());
        assert!(!value::<<False as Bool>::And<True>>());
        assert!(!value::<<True as Bool>::Not>());
        assert!(value::<<False as Bool>::Not>());
    }
}
