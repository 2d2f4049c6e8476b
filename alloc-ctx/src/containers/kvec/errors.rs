//! The vector's errors: what a failed `push`, `insert` or `remove` hands
//! back, and their kernel error numbers.

use super::*;

/// A [`push`](BoundedVec::push) failed to grow the vector; the value is
/// handed back.
///
/// It converts into an [`AllocError`] and into an
/// [`Error`](crate::error::Error) (as its `error`), so `?` works on `push`.
#[derive(Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{error}")]
pub struct PushError<T> {
    /// The value that was not pushed.
    pub value: T,
    /// Why.
    pub error: AllocError,
}

impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushError").field("error", &self.error).finish_non_exhaustive()
    }
}

impl<T> PushError<T> {
    /// The value that was not pushed (as [`InsertError::into_value`]).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KVec, MaySleep, backend::Budget, flags::*};
    /// let mut v = KVec::<u64, _>::new_in(Budget::new(0));
    /// assert_eq!(v.try_push(7, GFP_KERNEL, cx).unwrap_err().into_value(), 7);
    /// # }
    /// ```
    pub fn into_value(self) -> T {
        self.value
    }
}

impl<T> From<PushError<T>> for AllocError {
    fn from(error: PushError<T>) -> AllocError {
        error.error
    }
}

/// The vector was full, and the operation does not allocate
/// ([`push_within_capacity`](BoundedVec::push_within_capacity)); the value
/// is handed back. Rust-for-Linux's `PushError`, here named for what it
/// says, since a failed growing `push` is a [`PushError`].
///
/// It converts into `EINVAL` ([`Error`](crate::error::Error)), as in
/// Rust-for-Linux: the system is not out of memory.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVec, flags::*, CapacityError};
/// let mut full = KVec::<u8>::new();
/// assert_eq!(full.push_within_capacity(7), Err(CapacityError(7)));
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("not enough capacity")]
pub struct CapacityError<T>(pub T);

impl<T> fmt::Debug for CapacityError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Not enough capacity")
    }
}

/// An [`insert`](BoundedVec::insert) or
/// [`insert_within_capacity`](BoundedVec::insert_within_capacity) failed;
/// the value is handed back.
///
/// It converts into an [`Error`](crate::error::Error): `EINVAL` for the
/// index or a full vector (as Rust-for-Linux), `ENOMEM` when growing
/// failed.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVec, flags::*, InsertError};
/// let mut v = KVec::<u8>::new();
/// let Err(InsertError::IndexOutOfBounds(value)) = v.insert(3, 9, GFP_KERNEL, cx) else { unreachable!() };
/// assert_eq!(value, 9);
/// # }
/// ```
#[derive(Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InsertError<T> {
    /// The index was greater than the length.
    #[error("index out of bounds")]
    IndexOutOfBounds(T),
    /// The vector was full ([`insert_within_capacity`](BoundedVec::insert_within_capacity)).
    #[error("not enough capacity")]
    OutOfCapacity(T),
    /// Growing the vector failed ([`insert`](BoundedVec::insert)).
    #[error("{}", .0.error)]
    NoMemory(PushError<T>),
}

impl<T> InsertError<T> {
    /// The value that was not inserted.
    ///
    /// ```
    /// use alloc_ctx::InsertError;
    /// assert_eq!(InsertError::OutOfCapacity("frame").into_value(), "frame");
    /// ```
    pub fn into_value(self) -> T {
        match self {
            InsertError::IndexOutOfBounds(value) | InsertError::OutOfCapacity(value) => value,
            InsertError::NoMemory(error) => error.value,
        }
    }
}

impl<T> fmt::Debug for InsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::IndexOutOfBounds(_) => f.write_str("Index out of bounds"),
            InsertError::OutOfCapacity(_) => f.write_str("Not enough capacity"),
            InsertError::NoMemory(error) => fmt::Debug::fmt(error, f),
        }
    }
}

/// A [`remove`](BoundedVec::remove) was given an index out of bounds.
///
/// It converts into `EINVAL` ([`Error`](crate::error::Error)).
///
/// ```
/// use alloc_ctx::{KVec, RemoveError};
/// assert_eq!(KVec::<u8>::new().remove(0), Err(RemoveError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("index out of bounds")]
pub struct RemoveError;

impl<T> From<PushError<T>> for Error {
    /// As the [`AllocError`] inside (the value is dropped).
    fn from(error: PushError<T>) -> Error {
        error.error.into()
    }
}

impl<T> From<CapacityError<T>> for Error {
    /// `EINVAL`, as Rust-for-Linux: the system is not out of memory, the
    /// vector is full and the caller asked it not to grow.
    fn from(_: CapacityError<T>) -> Error {
        code::EINVAL
    }
}

impl<T> From<InsertError<T>> for Error {
    /// `EINVAL` for a bad index or a full vector (as Rust-for-Linux); as the
    /// [`AllocError`] when growing failed.
    fn from(error: InsertError<T>) -> Error {
        match error {
            InsertError::NoMemory(error) => error.into(),
            _ => code::EINVAL,
        }
    }
}

impl From<RemoveError> for Error {
    /// `EINVAL`: the index was out of bounds.
    fn from(_: RemoveError) -> Error {
        code::EINVAL
    }
}
