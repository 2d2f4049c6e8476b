//! Backends: where the memory comes from.
//!
//! A [`Backend`] allocates, reallocates and frees given a `Layout` and the
//! *effective* flags of the request (after NOFS/NOIO scopes). It is a
//! single-attempt primitive: the request layer above it decides, from the
//! flags, whether to report, reclaim, retry or wait. That split lets
//! budget, failure-injection and reserve backends wrap one another without
//! re-implementing the flag semantics.
//!
//! [`System`] (the global allocator) is the default everywhere. [`Budget`]
//! limits and tracks bytes (and keeps a reserve for `__GFP_HIGH`),
//! [`FailInject`] fails chosen calls; they compose:
//! `FailInject::new(Budget::new(1 << 20))`.

use core::alloc::Layout;
use core::ptr::NonNull;

use crate::flags::Gfp;

mod budget;
mod fail_inject;

pub use budget::Budget;
pub use fail_inject::FailInject;

/// A source of memory.
///
/// # Safety
///
/// Implementations must uphold, for every `layout` with a non-zero size
/// (the request layer never passes a zero-sized one):
///
/// * `allocate` returns either `None` or a pointer to a block valid for
///   reads and writes of `layout.size()` bytes, aligned to `layout.align()`,
///   not aliased by any other live block; if `gfp.zeroed()`, the block is
///   zero-filled.
/// * `reallocate` behaves as `allocate` of `new` followed by a copy of
///   `min(old.size(), new.size())` bytes and a `free` of the old block; on
///   `None` the old block is untouched and still owned by the caller. If
///   `gfp.zeroed()`, bytes past `old.size()` are zero.
/// * A block stays valid until it is passed to `free` or `reallocate`.
pub unsafe trait Backend {
    /// One attempt at allocating `layout`; `None` when there is no memory.
    fn allocate(&self, layout: Layout, gfp: Gfp) -> Option<NonNull<u8>>;

    /// Frees a block.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this backend's `allocate` or `reallocate` with
    /// exactly `layout`, and must not be used afterwards.
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout);

    /// One attempt at resizing a block to `new` (same alignment as `old`).
    ///
    /// The default allocates, copies and frees.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this backend with exactly `old`, and
    /// `new.align() == old.align()`.
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, new: Layout, gfp: Gfp) -> Option<NonNull<u8>> {
        let fresh = self.allocate(new, gfp)?;
        // SAFETY: both blocks are valid for min(old, new) bytes, and they are
        // distinct live allocations, so they do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), old.size().min(new.size()));
        }
        // SAFETY: the caller guarantees `ptr` was allocated here with `old`;
        // its contents now live in `fresh`.
        unsafe { self.free(ptr, old) };
        Some(fresh)
    }
}

/// `Backend` for handles that dereference to a backend: each call is
/// forwarded to the backend behind it.
macro_rules! forward_backend {
    ($(#[$attr:meta])* $handle:ty) => {
        $(#[$attr])*
        // SAFETY: forwards every call to `B`, which upholds the contract.
        unsafe impl<B: Backend + ?Sized> Backend for $handle {
            #[inline]
            fn allocate(&self, layout: Layout, gfp: Gfp) -> Option<NonNull<u8>> {
                (**self).allocate(layout, gfp)
            }
            #[inline]
            unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
                // SAFETY: the caller upholds `free`'s contract for `B`.
                unsafe { (**self).free(ptr, layout) }
            }
            #[inline]
            unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, new: Layout, gfp: Gfp) -> Option<NonNull<u8>> {
                // SAFETY: the caller upholds `reallocate`'s contract for `B`.
                unsafe { (**self).reallocate(ptr, old, new, gfp) }
            }
        }
    };
}

forward_backend!(&B);
forward_backend!(
    /// A shared backend, for containers that must be `'static` (a cache a
    /// shrinker frees from, work handed to another thread).
    #[cfg(target_has_atomic = "ptr")]
    alloc::sync::Arc<B>
);

/// The global allocator (`alloc::alloc`). The default backend.
///
/// Honours `__GFP_ZERO`; other flags are for the request layer and ignored
/// here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct System;

// SAFETY: `alloc`/`alloc_zeroed`/`realloc`/`dealloc` of the global allocator
// meet the contract for non-zero sizes; the zero-fill of `reallocate`'s tail
// is done below.
unsafe impl Backend for System {
    #[inline]
    fn allocate(&self, layout: Layout, gfp: Gfp) -> Option<NonNull<u8>> {
        debug_assert!(layout.size() != 0);
        // SAFETY: the request layer never passes a zero-sized layout.
        let ptr =
            unsafe { if gfp.zeroed() { alloc::alloc::alloc_zeroed(layout) } else { alloc::alloc::alloc(layout) } };
        NonNull::new(ptr)
    }

    #[inline]
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from the global allocator
        // with `layout`.
        unsafe { alloc::alloc::dealloc(ptr.as_ptr(), layout) }
    }

    #[inline]
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, new: Layout, gfp: Gfp) -> Option<NonNull<u8>> {
        // SAFETY: `ptr` came from the global allocator with `old` (caller),
        // `new.size()` is non-zero and, being a valid `Layout`, does not
        // overflow `isize` when rounded to the alignment.
        let fresh = NonNull::new(unsafe { alloc::alloc::realloc(ptr.as_ptr(), old, new.size()) })?;
        if gfp.zeroed() && new.size() > old.size() {
            // SAFETY: the block is valid for `new.size()` bytes; the tail
            // past `old.size()` is inside it.
            unsafe { fresh.as_ptr().add(old.size()).write_bytes(0, new.size() - old.size()) };
        }
        Some(fresh)
    }
}
