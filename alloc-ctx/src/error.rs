//! The allocation error.

use crate::flags::Gfp;
use crate::size::SizeError;

/// A fallible request failed; the container it was made for is unchanged.
///
/// `__GFP_NOFAIL` requests never produce one: their result type is the value
/// itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    /// The backend had no memory for the request (after whatever reclaim
    /// and retries its flags allow).
    #[error("allocation of {size} bytes (align {align}) failed, mode:{gfp:#x}({gfp})")]
    OutOfMemory {
        /// The requested size in bytes.
        size: usize,
        /// The requested alignment.
        align: usize,
        /// The effective flags the backend saw.
        gfp: Gfp,
    },
    /// The size was rejected by its bound before reaching the allocator.
    #[error(transparent)]
    Size(#[from] SizeError),
}

impl core::fmt::LowerHex for Gfp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::LowerHex::fmt(&self.bits(), f)
    }
}
