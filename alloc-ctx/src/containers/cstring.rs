//! [`CString`]: an owned, NUL-terminated byte string in a [`KVec<u8>`]
//! (Rust-for-Linux's `kernel::str::CString`), formatted with flags and a
//! token.

use core::ffi::CStr;
use core::fmt::{self, Write};
use core::ops::Deref;

use crate::containers::kvec::KVec;
use crate::context::token::Token;
use crate::vocab::error::{Error, code};
use crate::vocab::family::{Kmalloc, Serves};
use crate::vocab::flags::GfpFlags;
use crate::vocab::rules::{MayFail, Permits};

/// An owned C string: bytes without an interior NUL, then one NUL, in a
/// [`KVec<u8>`] (Rust-for-Linux's `CString`). Dereferences to
/// [`core::ffi::CStr`].
///
/// # Invariants
///
/// The vector holds at least one byte; its last byte is NUL and no other
/// is.
pub struct CString {
    buf: KVec<u8>,
}

/// Counts the bytes a format would write, writing nothing.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.checked_add(s.len()).ok_or(fmt::Error)?;
        Ok(())
    }
}

/// Writes into a vector's spare capacity, failing rather than growing.
struct Fill<'a>(&'a mut KVec<u8>);

impl Write for Fill<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            self.0.push_within_capacity(byte).map_err(|_| fmt::Error)?;
        }
        Ok(())
    }
}

impl CString {
    /// Formats `args` into a new C string (Rust-for-Linux's
    /// `CString::try_from_fmt(fmt!(…))`, with flags and a token): one
    /// allocation of exactly the formatted length plus the NUL.
    ///
    /// Errors: `ENOMEM` when the allocation fails; `EINVAL` when the
    /// formatted text contains a NUL byte (it could not be a C string);
    /// `EINVAL` also when a `Display` implementation writes a different
    /// text the second time (the text is measured, then written).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> alloc_ctx::error::Result {
    /// use alloc_ctx::{fmt, flags::*, str::CString};
    /// let name = CString::try_from_fmt(fmt!("{}-{}", "eth", 0), GFP_KERNEL, cx)?;
    /// assert_eq!(name.to_bytes_with_nul(), b"eth-0\0");
    /// assert_eq!(name.to_str(), Ok("eth-0"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// An interior NUL is refused:
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{error::code::EINVAL, fmt, flags::*, str::CString};
    /// assert_eq!(CString::try_from_fmt(fmt!("a{}b", '\0'), GFP_KERNEL, cx).err(), Some(EINVAL));
    /// # }
    /// ```
    #[track_caller]
    pub fn try_from_fmt<C, F>(args: fmt::Arguments<'_>, flags: F, cx: &mut C) -> Result<Self, Error>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
        Kmalloc: Serves<F>,
    {
        let mut count = Count(0);
        count.write_fmt(args).map_err(|_| code::ENOMEM)?;
        let len = count.0.checked_add(1).ok_or(code::ENOMEM)?;
        let mut buf = KVec::with_capacity(len, flags, cx)?;
        Fill(&mut buf).write_fmt(args).map_err(|_| code::EINVAL)?;
        if buf.len() != count.0 || buf.contains(&0) {
            return Err(code::EINVAL);
        }
        buf.push_within_capacity(0).map_err(|_| code::EINVAL)?;
        // INVARIANT: the text has no NUL (checked) and one was appended.
        Ok(CString { buf })
    }

    /// The bytes, without the NUL.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{fmt, flags::*, str::CString};
    /// let s = CString::try_from_fmt(fmt!("rx{}", 3), GFP_KERNEL, cx).unwrap();
    /// assert_eq!(s.as_bytes(), b"rx3");
    /// # }
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.buf.len() - 1]
    }

    /// The vector, NUL included.
    pub fn into_bytes_with_nul(self) -> KVec<u8> {
        self.buf
    }
}

impl Deref for CString {
    type Target = CStr;

    fn deref(&self) -> &CStr {
        // SAFETY: one NUL, the last byte (the invariant).
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.buf) }
    }
}

impl AsRef<CStr> for CString {
    fn as_ref(&self) -> &CStr {
        self
    }
}

impl fmt::Debug for CString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for CString {
    /// The text, non-UTF-8 bytes replaced (`�`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.as_bytes().utf8_chunks() {
            f.write_str(chunk.valid())?;
            if !chunk.invalid().is_empty() {
                f.write_char(char::REPLACEMENT_CHARACTER)?;
            }
        }
        Ok(())
    }
}

impl PartialEq for CString {
    fn eq(&self, other: &Self) -> bool {
        self.buf == other.buf
    }
}

impl Eq for CString {}

/// `format_args!` under Rust-for-Linux's name, for
/// [`CString::try_from_fmt`](crate::str::CString::try_from_fmt).
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{fmt, flags::*, str::CString};
/// let s = CString::try_from_fmt(fmt!("{:02x}", 10), GFP_KERNEL, cx).unwrap();
/// assert_eq!(s.as_bytes(), b"0a");
/// # }
/// ```
#[macro_export]
macro_rules! fmt {
    ($($t:tt)*) => {
        ::core::format_args!($($t)*)
    };
}
