//! [`TryClone`]: cloning that allocates through a request.
//!
//! `Clone` cannot take flags or a token, so the containers of this crate do
//! not implement it. `TryClone` is their clone: it takes the flags and the
//! token of the caller's context, fails with an [`AllocError`], and goes
//! deep: cloning a `KVec<KBox<T>>` allocates a new vector *and* a new box
//! for each element, every one through the same request rules.
//!
//! Every `Clone` type is `TryClone` (its `clone` cannot fail), so a
//! `KVec<u32>` or a `KVec<Arc<T>>` clones as well as a `KVec<KBox<T>>`.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
//! use alloc_ctx::{KBox, KVec, TryClone, flags::*};
//!
//! let mut queues: KVec<KBox<[u32; 4]>> = KVec::new();
//! queues.push(KBox::new([1; 4], GFP_KERNEL, cx)?, GFP_KERNEL, cx)?;
//! queues.push(KBox::new([2; 4], GFP_KERNEL, cx)?, GFP_KERNEL, cx)?;
//! let copy = queues.try_clone(GFP_KERNEL, cx)?; // a new vector and two new boxes
//! assert_eq!(copy, queues);
//! assert!(!core::ptr::eq(&*copy[0], &*queues[0]));
//! # Ok::<_, alloc_ctx::error::Error>(())
//! # }
//! ```

use crate::containers::kbox::BoundedBox;
use crate::context::token::Token;
use crate::request::backend::Backend;
use crate::vocab::error::AllocError;
use crate::vocab::flags::GfpFlags;
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::Bound;

/// A clone that may allocate: with flags and a token, failing with an
/// [`AllocError`]. Implemented by the containers of this crate.
///
/// Implemented for every `Clone` type, and for [`KBox`](crate::KBox) and
/// [`KVec`](crate::KVec) (any bound and backend) of `TryClone` values, deep.
/// Implement it for a type of your own that owns containers:
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
/// use alloc_ctx::{AllocError, KVec, Token, TryClone, flags::GfpFlags, rules::{MayFail, Permits}};
/// use alloc_ctx::flags::GFP_KERNEL;
///
/// struct Table { name: &'static str, rows: KVec<u64> }
///
/// impl TryClone for Table {
///     fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
///     where
///         C: Token + Permits<F>,
///         F: GfpFlags + MayFail,
///     {
///         Ok(Table { name: self.name, rows: self.rows.try_clone(flags, cx)? })
///     }
/// }
///
/// let mut rows = KVec::new();
/// rows.extend_from_slice(&[1, 2, 3], GFP_KERNEL, cx)?;
/// let table = Table { name: "routes", rows };
/// let copy = table.try_clone(GFP_KERNEL, cx)?;
/// assert_eq!((copy.name, copy.rows.as_slice()), ("routes", &[1, 2, 3][..]));
/// # Ok::<_, AllocError>(())
/// # }
/// ```
pub trait TryClone: Sized {
    /// A copy of `self`, whose allocations are requests with `flags`
    /// through `cx`. On failure, whatever was already copied is freed and
    /// `self` is untouched.
    fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail;
}

impl<T: Clone> TryClone for T {
    /// `Ok(self.clone())`: a `Clone` type's clone cannot fail.
    #[inline]
    fn try_clone<C, F>(&self, _flags: F, _cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
    {
        Ok(self.clone())
    }
}

// Only kmalloc-backed boxes: `TryClone` takes any flags the token permits,
// and the vmalloc and kvmalloc families refuse some.
impl<T: TryClone, B: Bound<Family = crate::vocab::family::Kmalloc>, A: Backend + Clone> TryClone
    for BoundedBox<T, B, A>
{
    /// A new box (from a clone of the backend handle) holding a deep copy of
    /// the value.
    #[track_caller]
    fn try_clone<C, F>(&self, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
    {
        let slot = BoundedBox::<T, B, A>::new_uninit_in(self.backend().clone(), flags, cx)?;
        // If this fails, `slot` is dropped, which frees its block.
        let value = (**self).try_clone(flags, cx)?;
        Ok(slot.write(value))
    }
}
