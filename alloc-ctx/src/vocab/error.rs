//! Errors: the allocation error, and kernel error numbers ([`Error`]).
//!
//! A request fails with an [`AllocError`], which says why (out of memory,
//! or a size over the allocator's bound). Driver code usually returns what
//! the kernel returns to its caller, a negative error number: [`Error`],
//! with the kernel's codes in [`code`] (`ENOMEM`, `EINVAL`, `EOVERFLOW`,
//! …). Every error of this crate converts into it, so `?` works in a
//! function returning [`Result`] (`Result<T, Error>`), as in
//! Rust-for-Linux:
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::error::{Error, code::*};
//! use alloc_ctx::size::{KmallocMax, array_size};
//! use alloc_ctx::{KVec, MaySleep, flags::*};
//!
//! #[derive(Debug, Default)]
//! #[repr(C)]
//! struct Descriptor { addr: u64, len: u32, flags: u32 }
//!
//! #[derive(Default)]
//! struct Nic { ring: KVec<Descriptor>, ring_bytes: usize }
//!
//! #[alloc_ctx::may_sleep]
//! fn probe(nic: &mut Nic, ring_entries: usize) -> Result<(), Error> {
//!     if ring_entries == 0 {
//!         return Err(EINVAL);
//!     }
//!     nic.ring_bytes = array_size::<Descriptor, KmallocMax>(ring_entries)?.get(); // SizeError -> Error
//!     nic.ring = KVec::with_capacity(ring_entries, GFP_KERNEL, cx)?; // AllocError -> Error
//!     nic.ring.push(Descriptor::default(), GFP_KERNEL, cx)?; // AllocError -> Error
//!     Ok(())
//! }
//!
//! let mut nic = Nic::default();
//! assert_eq!(probe(cx, &mut nic, 64), Ok(()));
//! assert_eq!((nic.ring.len(), nic.ring_bytes), (1, 64 * 16));
//! assert_eq!(probe(cx, &mut nic, 0), Err(EINVAL));
//! // More descriptors than kmalloc can hold: -ENOMEM, as kmalloc_array() returns NULL.
//! assert_eq!(probe(cx, &mut nic, 1 << 20).unwrap_err().to_errno(), -12);
//! // A size computation that overflows: -EOVERFLOW, as memdup_array_user().
//! assert_eq!(probe(cx, &mut nic, usize::MAX), Err(EOVERFLOW));
//! # }
//! ```

use core::fmt;
use core::num::{NonZeroI32, NonZeroU64};
use core::ptr::NonNull;

use crate::vocab::gfp::Gfp;
use crate::vocab::size::{BoundId, SizeError};

/// A fallible request failed; the container it was made for is unchanged.
///
/// `__GFP_NOFAIL` requests never produce one: their result type is the value
/// itself. Why the request failed is its [`kind`](Self::kind): out of memory,
/// or a size over the allocator's bound. It converts into an [`Error`]
/// (`ENOMEM`, or `EOVERFLOW` for an overflowing size).
///
/// Two words on 64-bit targets, as std's `TryReserveError`: the size, and
/// the flags, the alignment as a power of two and the cause packed in a
/// non-zero word, so that a `Result<(), AllocError>` (what growing a
/// container returns) is two words too and returns in registers. (On
/// 32-bit targets the packed word is still 64 bits: 16 bytes in all.)
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{AllocError, AllocErrorKind, KVec, MaySleep, backend::Budget, flags::*};
/// {
///     let mut ring = KVec::<u64, _>::new_in(Budget::new(64));
///     let error: AllocError = ring.reserve(1024, GFP_KERNEL, cx).unwrap_err();
///     assert_eq!((error.size(), error.align()), (8192, 8));
///     assert!(matches!(error.kind(), AllocErrorKind::OutOfMemory { .. }));
///     assert_eq!(error.to_string(), "allocation of 8192 bytes (align 8) failed, mode:0xcc0(GFP_KERNEL)");
///     assert!(ring.is_empty()); // unchanged
/// };
/// # }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AllocError {
    /// The requested size in bytes (the rejected size for a size error).
    size: usize,
    /// The rest in one word ([`AllocError::pack`]): the flags the backend
    /// saw (empty for a size error), `log2` of the requested alignment and
    /// the cause. Never zero, so that `Result<(), AllocError>` is two
    /// words too, returned in registers.
    meta: NonZeroU64,
}

/// A request's result in two words, `Ok(block)` as the block and 0, an
/// error as its size and its (non-zero) packed rest: what the request
/// path's cold retries return, in registers, where a `Result<NonNull<u8>,
/// AllocError>` is returned in memory.
pub(crate) struct ResultWords(*mut u8, u64);

impl ResultWords {
    #[inline(always)]
    pub(crate) fn new(result: Result<NonNull<u8>, AllocError>) -> ResultWords {
        match result {
            Ok(block) => ResultWords(block.as_ptr(), 0),
            Err(error) => ResultWords(core::ptr::without_provenance_mut(error.size), error.meta.get()),
        }
    }

    #[inline(always)]
    pub(crate) fn into_result(self) -> Result<NonNull<u8>, AllocError> {
        match NonZeroU64::new(self.1) {
            // SAFETY: a zero second word is only made from `Ok(block)`
            // (`new`), whose pointer is non-null.
            None => Ok(unsafe { NonNull::new_unchecked(self.0) }),
            Some(meta) => Err(AllocError { size: self.0.addr(), meta }),
        }
    }
}

/// Why a request failed: what [`AllocError::kind`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocErrorKind {
    /// The backend had no memory for the request (after whatever reclaim
    /// and retries its flags allow).
    OutOfMemory {
        /// The requested size in bytes.
        size: usize,
        /// The requested alignment.
        align: usize,
        /// The effective flags the backend saw.
        gfp: Gfp,
    },
    /// The size was rejected by its bound before reaching the allocator.
    Size(SizeError),
}

impl AllocError {
    /// The backend had no memory for `layout` with flags `gfp`.
    #[inline]
    pub(crate) const fn out_of_memory(size: usize, align: usize, gfp: Gfp) -> AllocError {
        // Alignments are powers of two below 2^64, so their log fits a byte.
        #[allow(clippy::cast_possible_truncation)]
        let align_log2 = align.trailing_zeros() as u8;
        AllocError { size, meta: AllocError::pack(gfp, align_log2, None) }
    }

    /// The flags (bits 0 to 31), `log2` of the alignment (bits 32 to 39)
    /// and the cause (bits 40 to 47: 0 for out of memory, 1 + the bound's
    /// discriminant for a size error), with bit 63 set.
    #[inline]
    const fn pack(gfp: Gfp, align_log2: u8, bound: Option<BoundId>) -> NonZeroU64 {
        let cause = match bound {
            None => 0,
            Some(bound) => bound as u64 + 1,
        };
        let meta = gfp.bits() as u64 | (align_log2 as u64) << 32 | cause << 40 | 1 << 63;
        match NonZeroU64::new(meta) {
            Some(meta) => meta,
            None => unreachable!(),
        }
    }

    /// The flags the backend saw (empty for a size error).
    const fn gfp(&self) -> Gfp {
        // The low 32 bits are the flags' (`pack`).
        #[allow(clippy::cast_possible_truncation)]
        Gfp::new(self.meta.get() as u32)
    }

    /// `None`: out of memory; `Some`: the bound that rejected the size.
    const fn bound(&self) -> Option<BoundId> {
        // Bits 40 to 47 are the cause's (`pack`).
        #[allow(clippy::cast_possible_truncation)]
        match (self.meta.get() >> 40) as u8 {
            0 => None,
            cause => Some(BoundId::from_index(cause - 1)),
        }
    }

    /// `log2` of the requested alignment.
    const fn align_log2(&self) -> u32 {
        // Bits 32 to 39 are the alignment's (`pack`).
        (self.meta.get() >> 32) as u32 & 0xff
    }

    /// Why the request failed.
    pub const fn kind(&self) -> AllocErrorKind {
        match self.bound() {
            None => AllocErrorKind::OutOfMemory { size: self.size, align: self.align(), gfp: self.gfp() },
            Some(bound) => AllocErrorKind::Size(SizeError::from_parts(self.size, bound)),
        }
    }

    /// The requested size in bytes (for a size error, the rejected size;
    /// `usize::MAX` if its computation overflowed).
    pub const fn size(&self) -> usize {
        self.size
    }

    /// The requested alignment (1 for a size error).
    pub const fn align(&self) -> usize {
        1 << self.align_log2()
    }

    /// Whether the backend ran out of memory (rather than the size being
    /// rejected by its bound).
    pub const fn is_out_of_memory(&self) -> bool {
        self.bound().is_none()
    }

    /// The size error, if the size was rejected by its bound.
    pub const fn size_error(&self) -> Option<SizeError> {
        match self.bound() {
            None => None,
            Some(bound) => Some(SizeError::from_parts(self.size, bound)),
        }
    }
}

impl From<core::convert::Infallible> for AllocError {
    /// Never called: lets an initialiser that cannot fail (a lock's,
    /// `new_spinlock!`) be a field of one whose error is `AllocError`
    /// (`try_pin_init!(… ? AllocError)`).
    fn from(never: core::convert::Infallible) -> AllocError {
        match never {}
    }
}

impl From<SizeError> for AllocError {
    #[inline]
    fn from(error: SizeError) -> AllocError {
        AllocError { size: error.requested(), meta: AllocError::pack(Gfp::new(0), 0, Some(error.bound_id())) }
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            AllocErrorKind::OutOfMemory { size, align, gfp } => {
                write!(f, "allocation of {size} bytes (align {align}) failed, mode:{gfp:#x}({gfp})")
            }
            AllocErrorKind::Size(error) => fmt::Display::fmt(&error, f),
        }
    }
}

impl fmt::Debug for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AllocError").field(&self.kind()).finish()
    }
}

impl core::error::Error for AllocError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        None
    }
}

/// A kernel error number, as a function returns it to C: `-ENOMEM`,
/// `-EINVAL`, … (the Rust-for-Linux `kernel::error::Error`).
///
/// It holds a negative value in `-MAX_ERRNO..=-1` ([`MAX_ERRNO`] is 4095),
/// so a kernel `ERR_PTR` can carry it. The codes are the constants of
/// [`code`]; [`to_errno`](Self::to_errno) gives the `int` to return to C.
///
/// Every error of this crate converts into it, so `?` works in a function
/// returning [`Result`]:
///
/// | from | errno | why |
/// |---|---|---|
/// | [`AllocError`], out of memory | `ENOMEM` | the allocator had no memory |
/// | [`AllocError`], a size error | as [`SizeError`] | the same size gives the same errno, whether it was checked alone or inside a request |
/// | [`SizeError`], an overflow | `EOVERFLOW` | the size computation overflowed: the kernel's answer to an overflowing `count * size` (`memdup_array_user()`, `vmemdup_array_user()`) |
/// | [`SizeError`], over the bound | `ENOMEM` | what the C allocator returns for a size over its maximum (`kmalloc()` above `KMALLOC_MAX_SIZE`, `kvmalloc()` above `INT_MAX` return `NULL`) |
/// | [`PushError`](crate::PushError) | as its [`AllocError`] | `push` failed to grow the vector |
/// | [`CapacityError`](crate::CapacityError), [`InsertError`](crate::InsertError) (index or capacity), [`RemoveError`](crate::RemoveError) | `EINVAL` | as Rust-for-Linux: no memory was asked for; the caller's index or the vector's fixed capacity is wrong |
///
/// ```
/// use alloc_ctx::error::{Error, code::*};
/// assert_eq!(ENOMEM.to_errno(), -12);
/// assert_eq!(Error::from_errno(-22), EINVAL);
/// assert_eq!(EOVERFLOW.name(), Some("EOVERFLOW"));
/// assert_eq!(format!("{ENOMEM:?}"), "ENOMEM");
/// // Not an error number: EINVAL, as Rust-for-Linux's `Error::from_errno`.
/// assert_eq!(Error::from_errno(5000), EINVAL);
/// assert_eq!(Error::try_from_errno(0), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(NonZeroI32);

/// `Result<T, Error>`, the return type of most driver functions (the
/// Rust-for-Linux `kernel::error::Result`).
///
/// ```
/// use alloc_ctx::error::{Result, code::EINVAL};
/// fn check(queues: u32) -> Result {
///     if queues == 0 { Err(EINVAL) } else { Ok(()) }
/// }
/// assert_eq!(check(0), Err(EINVAL));
/// ```
pub type Result<T = (), E = Error> = core::result::Result<T, E>;

/// The largest error number (`include/linux/err.h`).
///
/// ```
/// use alloc_ctx::error::{Error, MAX_ERRNO};
/// assert!(Error::try_from_errno(-MAX_ERRNO).is_some());
/// assert!(Error::try_from_errno(-MAX_ERRNO - 1).is_none());
/// ```
pub const MAX_ERRNO: i32 = 4095;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)*) => {
        /// Kernel error codes (`include/uapi/asm-generic/errno-base.h`,
        /// `errno.h` and `include/linux/errno.h`), as [`Error`] values.
        ///
        /// ```
        /// use alloc_ctx::error::code::*;
        /// assert_eq!((ENOMEM.to_errno(), EINVAL.to_errno(), EOVERFLOW.to_errno()), (-12, -22, -75));
        /// ```
        pub mod code {
            use super::Error;
            $(
                $(#[$doc])*
                pub const $name: Error = Error::from_const(-$value);
            )*
        }

        const NAMES: &[(i32, &str)] = &[$(($value, stringify!($name)),)*];
    };
}

codes! {
    /// Operation not permitted.
    EPERM = 1,
    /// No such file or directory.
    ENOENT = 2,
    /// No such process.
    ESRCH = 3,
    /// Interrupted system call.
    EINTR = 4,
    /// I/O error.
    EIO = 5,
    /// No such device or address.
    ENXIO = 6,
    /// Argument list too long.
    E2BIG = 7,
    /// Exec format error.
    ENOEXEC = 8,
    /// Bad file number.
    EBADF = 9,
    /// No child processes.
    ECHILD = 10,
    /// Try again.
    EAGAIN = 11,
    /// Out of memory.
    ENOMEM = 12,
    /// Permission denied.
    EACCES = 13,
    /// Bad address.
    EFAULT = 14,
    /// Block device required.
    ENOTBLK = 15,
    /// Device or resource busy.
    EBUSY = 16,
    /// File exists.
    EEXIST = 17,
    /// Cross-device link.
    EXDEV = 18,
    /// No such device.
    ENODEV = 19,
    /// Not a directory.
    ENOTDIR = 20,
    /// Is a directory.
    EISDIR = 21,
    /// Invalid argument.
    EINVAL = 22,
    /// File table overflow.
    ENFILE = 23,
    /// Too many open files.
    EMFILE = 24,
    /// Not a typewriter (an unknown `ioctl` command).
    ENOTTY = 25,
    /// Text file busy.
    ETXTBSY = 26,
    /// File too large.
    EFBIG = 27,
    /// No space left on device.
    ENOSPC = 28,
    /// Illegal seek.
    ESPIPE = 29,
    /// Read-only file system.
    EROFS = 30,
    /// Too many links.
    EMLINK = 31,
    /// Broken pipe.
    EPIPE = 32,
    /// Math argument out of domain of func.
    EDOM = 33,
    /// Math result not representable.
    ERANGE = 34,
    /// Resource deadlock would occur.
    EDEADLK = 35,
    /// File name too long.
    ENAMETOOLONG = 36,
    /// Invalid system call number.
    ENOSYS = 38,
    /// Directory not empty.
    ENOTEMPTY = 39,
    /// No message of desired type.
    ENOMSG = 42,
    /// No data available.
    ENODATA = 61,
    /// Timer expired.
    ETIME = 62,
    /// Protocol error.
    EPROTO = 71,
    /// Not a data message.
    EBADMSG = 74,
    /// Value too large for defined data type.
    EOVERFLOW = 75,
    /// Illegal byte sequence.
    EILSEQ = 84,
    /// Message too long.
    EMSGSIZE = 90,
    /// Operation not supported on transport endpoint.
    EOPNOTSUPP = 95,
    /// Address already in use.
    EADDRINUSE = 98,
    /// Network is down.
    ENETDOWN = 100,
    /// Connection reset by peer.
    ECONNRESET = 104,
    /// No buffer space available.
    ENOBUFS = 105,
    /// Transport endpoint is not connected.
    ENOTCONN = 107,
    /// Cannot send after transport endpoint shutdown.
    ESHUTDOWN = 108,
    /// Connection timed out.
    ETIMEDOUT = 110,
    /// Connection refused.
    ECONNREFUSED = 111,
    /// No route to host.
    EHOSTUNREACH = 113,
    /// Operation already in progress.
    EALREADY = 114,
    /// Operation now in progress.
    EINPROGRESS = 115,
    /// Stale file handle.
    ESTALE = 116,
    /// Structure needs cleaning.
    EUCLEAN = 117,
    /// Remote I/O error.
    EREMOTEIO = 121,
    /// Quota exceeded.
    EDQUOT = 122,
    /// No medium found.
    ENOMEDIUM = 123,
    /// Operation Canceled.
    ECANCELED = 125,
    /// Required key not available.
    ENOKEY = 126,
    /// Owner died.
    EOWNERDEAD = 130,
    /// Memory page has hardware error.
    EHWPOISON = 133,
    /// Restart the system call after a signal (kernel-internal: a sleep was interrupted; never seen by user space).
    ERESTARTSYS = 512,
    /// Restart the system call, whatever the signal handler says (kernel-internal).
    ERESTARTNOINTR = 513,
    /// Restart if there is no signal handler (kernel-internal).
    ERESTARTNOHAND = 514,
    /// No such `ioctl` command (kernel-internal; the VFS returns `ENOTTY`).
    ENOIOCTLCMD = 515,
    /// Restart by calling `sys_restart_syscall` (kernel-internal).
    ERESTART_RESTARTBLOCK = 516,
    /// Driver requests probe retry (kernel-internal).
    EPROBE_DEFER = 517,
    /// Open found a stale dentry (kernel-internal).
    EOPENSTALE = 518,
    /// Parameter not supported (kernel-internal).
    ENOPARAM = 519,
    /// Illegal NFS file handle.
    EBADHANDLE = 521,
    /// Update synchronization mismatch.
    ENOTSYNC = 522,
    /// Cookie is stale.
    EBADCOOKIE = 523,
    /// Operation is not supported (kernel-internal).
    ENOTSUPP = 524,
    /// Buffer or request is too small.
    ETOOSMALL = 525,
    /// An untranslatable error occurred.
    ESERVERFAULT = 526,
    /// Type not supported by server.
    EBADTYPE = 527,
    /// Request initiated, but will not complete before timeout.
    EJUKEBOX = 528,
    /// iocb queued, will get completion event.
    EIOCBQUEUED = 529,
    /// Conflict with recalled state.
    ERECALLCONFLICT = 530,
    /// NFS file lock reclaim refused.
    ENOGRACE = 531,
}

impl Error {
    const fn from_const(errno: i32) -> Error {
        match Error::try_from_errno(errno) {
            Some(error) => error,
            None => panic!("not an error number"),
        }
    }

    /// The error for a negative error number in `-MAX_ERRNO..=-1`; any
    /// other value is a bug in the caller and gives `EINVAL`, as in
    /// Rust-for-Linux.
    ///
    /// ```
    /// use alloc_ctx::error::{Error, code::*};
    /// assert_eq!(Error::from_errno(-12), ENOMEM);
    /// assert_eq!(Error::from_errno(12), EINVAL); // positive: not an error number
    /// ```
    pub const fn from_errno(errno: i32) -> Error {
        match Error::try_from_errno(errno) {
            Some(error) => error,
            None => code::EINVAL,
        }
    }

    /// The error for a negative error number in `-MAX_ERRNO..=-1`, or
    /// `None` for any other value.
    ///
    /// ```
    /// use alloc_ctx::error::{Error, code::ENOSPC};
    /// assert_eq!(Error::try_from_errno(-28), Some(ENOSPC));
    /// assert_eq!(Error::try_from_errno(0), None);
    /// ```
    pub const fn try_from_errno(errno: i32) -> Option<Error> {
        if errno < -MAX_ERRNO || errno >= 0 {
            return None;
        }
        match NonZeroI32::new(errno) {
            Some(value) => Some(Error(value)),
            None => None,
        }
    }

    /// The negative error number, what a kernel function returns to C.
    ///
    /// ```
    /// use alloc_ctx::error::code::EBUSY;
    /// assert_eq!(EBUSY.to_errno(), -16);
    /// ```
    pub const fn to_errno(self) -> i32 {
        self.0.get()
    }

    /// The code's name (`"ENOMEM"`), if it is one of [`code`].
    ///
    /// ```
    /// use alloc_ctx::error::{Error, code::ENOMEM};
    /// assert_eq!(ENOMEM.name(), Some("ENOMEM"));
    /// assert_eq!(Error::from_errno(-300).name(), None);
    /// ```
    pub fn name(self) -> Option<&'static str> {
        let errno = -self.to_errno();
        NAMES.iter().find(|&&(value, _)| value == errno).map(|&(_, name)| name)
    }
}

/// A C-style return value as a [`Result`]: `Ok(())` for zero or a positive
/// value, the error for a negative error number (`EINVAL` for one below
/// `-MAX_ERRNO`, as [`Error::from_errno`]). Rust-for-Linux's `to_result`,
/// for calls into C (or C-shaped) functions that return `0` or `-errno`.
///
/// ```
/// use alloc_ctx::error::{Result, code::*, to_result};
///
/// fn c_probe(ok: bool) -> i32 { if ok { 0 } else { -19 } } // -ENODEV
///
/// fn probe(ok: bool) -> Result {
///     to_result(c_probe(ok))?;
///     Ok(())
/// }
/// assert_eq!(probe(true), Ok(()));
/// assert_eq!(probe(false), Err(ENODEV));
/// assert_eq!(to_result(-512), Err(ERESTARTSYS));
/// assert_eq!(to_result(3), Ok(()));
/// ```
pub fn to_result(err: i32) -> Result {
    if err < 0 { Err(Error::from_errno(err)) } else { Ok(()) }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As Rust-for-Linux's `Error`: the kernel's name (`errname()`), or
        // `Error(errno)` with the positive number when it has none.
        match self.name() {
            Some(name) => f.debug_tuple(name).finish(),
            None => f.debug_tuple("Error").field(&-self.to_errno()).finish(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.to_errno()),
            None => write!(f, "error {}", self.to_errno()),
        }
    }
}

impl core::error::Error for Error {}

impl From<AllocError> for Error {
    /// `ENOMEM` when the allocator had no memory; a size error maps as
    /// [`From<SizeError>`](#impl-From<SizeError>-for-Error) does, so that
    /// the same size gives the same errno whether it was checked on its own
    /// (`array_size()?`) or by the request.
    fn from(error: AllocError) -> Error {
        match error.size_error() {
            None => code::ENOMEM,
            Some(error) => error.into(),
        }
    }
}

impl From<core::convert::Infallible> for Error {
    /// Never called: lets `?` and the initialising constructors
    /// (`KBox::pin_init`) take an infallible initialiser, as in
    /// Rust-for-Linux.
    fn from(never: core::convert::Infallible) -> Error {
        match never {}
    }
}

impl From<SizeError> for Error {
    /// `EOVERFLOW` when the size computation overflowed (the kernel's
    /// answer to an overflowing `count * size`, as `memdup_array_user()`);
    /// `ENOMEM` when the size is over the allocator's bound (what
    /// `kmalloc()` above `KMALLOC_MAX_SIZE` and `kvmalloc()` above
    /// `INT_MAX` give: `NULL`, which callers return as `-ENOMEM`).
    fn from(error: SizeError) -> Error {
        if error.is_overflow() { code::EOVERFLOW } else { code::ENOMEM }
    }
}

#[cfg(test)]
mod tests {
    use super::code::*;
    use super::*;

    #[test]
    fn codes_round_trip_and_have_names() {
        for &(value, name) in NAMES {
            let error = Error::from_errno(-value);
            assert_eq!(error.to_errno(), -value);
            assert_eq!(error.name(), Some(name));
        }
        assert_eq!(Error::try_from_errno(-MAX_ERRNO).map(Error::to_errno), Some(-4095));
        assert_eq!(Error::try_from_errno(-MAX_ERRNO - 1), None);
        assert_eq!(Error::try_from_errno(1), None);
        assert_eq!(Error::from_errno(-300).name(), None);
        assert_eq!(alloc::format!("{:?} / {}", Error::from_errno(-300), ENOMEM), "Error(300) / ENOMEM (-12)");
    }

    #[test]
    fn codes_are_distinct_and_debug_prints_the_kernel_name() {
        for (i, &(value, name)) in NAMES.iter().enumerate() {
            assert!(NAMES[..i].iter().all(|&(v, n)| v != value && n != name), "{name} ({value}) listed twice");
            assert_eq!(alloc::format!("{:?}", Error::from_errno(-value)), name);
        }
        // The codes drivers return that a sleeping wait or an ioctl produces.
        assert_eq!((ERESTARTSYS.to_errno(), ESRCH.to_errno(), ENOTTY.to_errno()), (-512, -3, -25));
        assert_eq!(alloc::format!("{:?}", Err::<(), _>(ERESTARTSYS)), "Err(ERESTARTSYS)");
    }

    #[test]
    fn to_result_maps_negative_values_to_errors() {
        assert_eq!(to_result(0), Ok(()));
        assert_eq!(to_result(i32::MAX), Ok(()));
        assert_eq!(to_result(-12), Err(ENOMEM));
        assert_eq!(to_result(-MAX_ERRNO), Err(Error::from_errno(-MAX_ERRNO)));
        assert_eq!(to_result(-MAX_ERRNO - 1), Err(EINVAL), "not an error number");
        assert_eq!(to_result(i32::MIN), Err(EINVAL));
    }

    #[test]
    fn size_errors_map_to_eoverflow_or_enomem() {
        use crate::vocab::size::{KmallocMax, Size, array_size};
        let overflow = array_size::<u64, KmallocMax>(usize::MAX / 2).unwrap_err();
        let too_large = Size::<KmallocMax>::new(crate::vocab::size::KMALLOC_MAX_SIZE + 1).unwrap_err();
        assert_eq!(Error::from(overflow), EOVERFLOW);
        assert_eq!(Error::from(too_large), ENOMEM);
        assert_eq!(Error::from(AllocError::from(overflow)), EOVERFLOW);
        assert_eq!(Error::from(AllocError::from(too_large)), ENOMEM);
        let oom = AllocError::out_of_memory(8, 8, crate::vocab::flags::GfpFlags::gfp(crate::vocab::flags::GFP_KERNEL));
        assert_eq!(Error::from(oom), ENOMEM);
    }

    #[test]
    fn errors_are_two_words_and_keep_what_they_describe() {
        use crate::vocab::size::{KmallocMax, NofailMax, Size};
        assert_eq!(core::mem::size_of::<AllocError>(), 2 * core::mem::size_of::<usize>());
        assert_eq!(core::mem::size_of::<SizeError>(), 2 * core::mem::size_of::<usize>());
        assert_eq!(core::mem::size_of::<Result<usize, AllocError>>(), 2 * core::mem::size_of::<usize>());
        let gfp = crate::vocab::flags::GfpFlags::gfp(crate::vocab::flags::GFP_ATOMIC);
        let oom = AllocError::out_of_memory(1500, 64, gfp);
        assert_eq!(oom.kind(), AllocErrorKind::OutOfMemory { size: 1500, align: 64, gfp });
        assert!(oom.is_out_of_memory() && oom.size_error().is_none());
        let too_large = Size::<NofailMax>::new(9000).unwrap_err();
        let error = AllocError::from(too_large);
        assert_eq!(error.kind(), AllocErrorKind::Size(too_large));
        assert_eq!((error.size(), error.size_error()), (9000, Some(too_large)));
        assert_eq!(too_large.bound(), "NOFAIL_MAX_SIZE");
        assert_eq!(alloc::format!("{error}"), alloc::format!("{too_large}"));
        assert_ne!(Size::<KmallocMax>::new(9000).map(Size::get), Err(too_large));
    }

    #[test]
    fn the_packed_word_keeps_every_flag_alignment_and_bound() {
        use crate::vocab::size::{BOUND_IDS, SizeError};
        for bits in [0, 0x820, 0xcc0, 0x8000_0001, u32::MAX] {
            for log2 in [0, 3, 12, usize::BITS - 1] {
                let (size, align, gfp) = (usize::MAX - 5, 1usize << log2, Gfp::new(bits));
                let error = AllocError::out_of_memory(size, align, gfp);
                assert_eq!(error.kind(), AllocErrorKind::OutOfMemory { size, align, gfp });
                assert_eq!(ResultWords::new(Err(error)).into_result(), Err(error));
            }
        }
        for &bound in BOUND_IDS {
            let too_large = SizeError::from_parts(77, bound);
            let error = AllocError::from(too_large);
            assert_eq!((error.size_error(), error.kind()), (Some(too_large), AllocErrorKind::Size(too_large)));
            assert_eq!(ResultWords::new(Err(error)).into_result(), Err(error));
        }
        let mut byte = 0u8;
        let block = NonNull::from(&mut byte);
        assert_eq!(ResultWords::new(Ok(block)).into_result(), Ok(block));
        // The niche of the packed word keeps a `Result<(), AllocError>` two
        // words (returned in registers).
        assert_eq!(core::mem::size_of::<Result<(), AllocError>>(), core::mem::size_of::<AllocError>());
    }
}
