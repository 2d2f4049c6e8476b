//! `Zeroable`: the types for which all-zero bytes are a valid value, which
//! `KBox::zeroed` and `KVec::zeroed` may return without initialising them.

use super::*;

/// Types for which all-zero bytes are a valid value: what
/// [`BoundedBox::zeroed`] may return without initialising anything
/// (`kzalloc`).
///
/// Implemented for the integers, floats, `bool`, `char`, raw pointers,
/// `Option` of references, `NonNull` and `NonZero*`, atomics, `()`,
/// `PhantomData`, `MaybeUninit`, and arrays and tuples of such types.
///
/// # Safety
///
/// Implement it only for types whose every field accepts all-zero bytes as
/// a valid value, with no padding-sensitive invariant: typically a
/// `#[repr(C)]` struct of such fields. A type with a reference, a `NonNull`,
/// a `NonZero*`, an `enum` without a zero discriminant, or a
/// field whose zero value breaks a safety invariant must not implement it.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KBox, flags::*, Zeroable};
///
/// #[repr(C)]
/// struct Regs { ctrl: u32, status: u32, dma: *mut u8 }
/// // SAFETY: integers and a raw pointer: all-zero is a valid `Regs`.
/// unsafe impl Zeroable for Regs {}
///
/// let regs = KBox::<Regs>::zeroed(GFP_KERNEL, cx).unwrap();
/// assert!(regs.ctrl == 0 && regs.dma.is_null());
/// # }
/// ```
pub unsafe trait Zeroable {}

macro_rules! zeroable {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: all-zero bytes are a valid value of this type.
        unsafe impl Zeroable for $ty {}
    )*};
}

zeroable!(
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    bool,
    char,
    (),
    core::sync::atomic::AtomicBool,
    core::sync::atomic::AtomicU8,
    core::sync::atomic::AtomicU16,
    core::sync::atomic::AtomicU32,
    core::sync::atomic::AtomicUsize,
    core::sync::atomic::AtomicI8,
    core::sync::atomic::AtomicI16,
    core::sync::atomic::AtomicI32,
    core::sync::atomic::AtomicIsize,
    Option<core::num::NonZeroU8>,
    Option<core::num::NonZeroU16>,
    Option<core::num::NonZeroU32>,
    Option<core::num::NonZeroU64>,
    Option<core::num::NonZeroUsize>,
    Option<core::num::NonZeroI32>,
    Option<core::num::NonZeroI64>,
    Option<core::num::NonZeroIsize>,
);
#[cfg(target_has_atomic = "64")]
zeroable!(core::sync::atomic::AtomicU64, core::sync::atomic::AtomicI64);

// SAFETY: a null pointer is a valid raw pointer.
unsafe impl<T> Zeroable for *const T {}
// SAFETY: a null pointer is a valid raw pointer.
unsafe impl<T> Zeroable for *mut T {}
// SAFETY: null is `None` (the null-pointer optimisation is guaranteed).
unsafe impl<T> Zeroable for Option<NonNull<T>> {}
// SAFETY: null is `None` (guaranteed for `Option<&T>`).
unsafe impl<T> Zeroable for Option<&T> {}
// SAFETY: null is `None` (guaranteed for `Option<&mut T>`).
unsafe impl<T> Zeroable for Option<&mut T> {}
// SAFETY: a null atomic pointer is valid.
unsafe impl<T> Zeroable for core::sync::atomic::AtomicPtr<T> {}
// SAFETY: zero-sized.
unsafe impl<T: ?Sized> Zeroable for PhantomData<T> {}
// SAFETY: any bytes are a valid `MaybeUninit`.
unsafe impl<T> Zeroable for MaybeUninit<T> {}
// SAFETY: `ManuallyDrop<T>` has `T`'s layout and validity.
unsafe impl<T: Zeroable> Zeroable for ManuallyDrop<T> {}
// SAFETY: `Cell`/`UnsafeCell` have `T`'s layout and validity.
unsafe impl<T: Zeroable> Zeroable for core::cell::Cell<T> {}
// SAFETY: as `Cell`.
unsafe impl<T: Zeroable> Zeroable for core::cell::UnsafeCell<T> {}
// SAFETY: every element accepts all-zero bytes, and arrays have no padding
// between elements beyond the elements' own.
unsafe impl<T: Zeroable, const N: usize> Zeroable for [T; N] {}

macro_rules! zeroable_tuples {
    ($(($($t:ident),+))*) => {$(
        // SAFETY: every field accepts all-zero bytes; padding may be anything.
        unsafe impl<$($t: Zeroable),+> Zeroable for ($($t,)+) {}
    )*};
}
zeroable_tuples!((A)(A, B)(A, B, C)(A, B, C, D)(A, B, C, D, E)(A, B, C, D, E, G));
