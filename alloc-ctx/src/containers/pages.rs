//! Zeroed vectors (`KVec::zeroed`) and the pages behind vmalloc-backed
//! buffers (Rust-for-Linux's `AsPageIter` on `VBox`/`VVec`).

use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;

use crate::containers::kbox::{BoundedBox, Zeroable, with_zero};
use crate::containers::kvec::BoundedVec;
use crate::context::token::{Token, served};
use crate::request::backend::Backend;
#[cfg(feature = "alloc")]
use crate::request::backend::System;
use crate::vocab::error::{AllocError, Error, code};
use crate::vocab::family::{RequestBound, Serves};
use crate::vocab::flags::GfpFlags;
use crate::vocab::rules::{MayFail, Permits};
use crate::vocab::size::{Bound, PAGE_SIZE, VmallocMax};

#[cfg(feature = "alloc")]
impl<T: Zeroable, B: Bound> BoundedVec<T, B, System> {
    /// A vector of `len` all-zero elements (`kvcalloc`-style): the request
    /// carries `__GFP_ZERO`, so the allocator hands back zeroed memory and
    /// the CPU writes nothing. `T` must accept zero bytes as a value
    /// ([`Zeroable`]).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
    /// use alloc_ctx::{KVec, flags::*};
    /// let counters = KVec::<u64>::zeroed(512, GFP_KERNEL, cx)?;
    /// assert_eq!(counters.len(), 512);
    /// assert!(counters.iter().all(|&c| c == 0));
    /// # Ok(())
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn zeroed<C, F>(len: usize, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
        B::Family: Serves<F>,
    {
        Self::zeroed_in(len, System, flags, cx)
    }
}

impl<T: Zeroable, B: Bound, A: Backend> BoundedVec<T, B, A> {
    /// As [`zeroed`](BoundedVec::zeroed), from `backend`.
    ///
    /// ```
    /// use alloc_ctx::{KVec, NoWait, backend::Budget, flags::*};
    /// let budget = Budget::new(64);
    /// NoWait::enter(|nw| {
    ///     let v = KVec::<u32, _>::zeroed_in(16, &budget, GFP_ATOMIC, nw).unwrap();
    ///     assert_eq!((v.as_slice(), budget.live_bytes()), (&[0; 16][..], 64));
    ///     assert!(KVec::<u32, _>::zeroed_in(1, &budget, GFP_ATOMIC | __GFP_NOWARN, nw).is_err());
    /// });
    /// ```
    #[track_caller]
    pub fn zeroed_in<C, F>(len: usize, backend: A, flags: F, cx: &mut C) -> Result<Self, AllocError>
    where
        C: Token + Permits<F>,
        F: GfpFlags + MayFail,
        B::Family: Serves<F>,
    {
        let mut vec = Self::new_in(backend);
        let mut gfp = None;
        vec.reserve_exact_gfp::<RequestBound<F, B>>(len, || *gfp.insert(with_zero(served(cx, flags.gfp()))))?;
        if gfp.is_some_and(|gfp| !gfp.zeroed()) {
            // Not reachable (adding `__GFP_ZERO` keeps flags valid), but
            // the elements' validity must not depend on it.
            // SAFETY: the buffer has room for `len` elements.
            unsafe { vec.as_mut_ptr().write_bytes(0, len) };
        }
        // SAFETY: room for `len` elements was reserved (or `len` is 0, or
        // `T` is zero-sized), and they are all-zero bytes: allocated with
        // `__GFP_ZERO`, which every backend honours (the `Backend`
        // contract), or zeroed above; all-zero bytes are a valid `T`
        // (`T: Zeroable`).
        unsafe { vec.set_len(len) };
        Ok(vec)
    }
}

/// A buffer whose memory is a run of pages that can be walked one page at
/// a time (Rust-for-Linux's `kernel::page::AsPageIter`): [`VBox`](crate::VBox)
/// and [`VVec`](crate::VVec), the vmalloc-backed containers.
pub trait AsPageIter {
    /// The pages behind the buffer, in order.
    fn page_iter(&mut self) -> VmallocPageIter<'_>;
}

impl<T: ?Sized, A: Backend> AsPageIter for BoundedBox<T, VmallocMax, A> {
    /// The pages of the boxed value (none for a zero-sized one).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{VBox, flags::*, page::{AsPageIter, PAGE_SIZE}};
    /// let mut frame = VBox::<[u8; 3 * PAGE_SIZE]>::zeroed(GFP_KERNEL, cx).unwrap();
    /// let offsets: Vec<usize> = frame.page_iter().map(|page| page.offset()).collect();
    /// assert_eq!(offsets, [0, PAGE_SIZE, 2 * PAGE_SIZE]);
    /// # }
    /// ```
    fn page_iter(&mut self) -> VmallocPageIter<'_> {
        let size = mem::size_of_val::<T>(self);
        let base = NonNull::from(&mut **self).cast::<u8>();
        VmallocPageIter { base, size, next: 0, _buf: PhantomData }
    }
}

impl<T, A: Backend> AsPageIter for BoundedVec<T, VmallocMax, A> {
    /// The pages of the vector's whole buffer (its capacity, not only its
    /// length: the pages are the allocation's).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{VVec, flags::*, page::{AsPageIter, PAGE_SIZE}};
    /// let mut v = VVec::<u64>::with_capacity(PAGE_SIZE, GFP_KERNEL, cx).unwrap(); // 8 pages
    /// assert_eq!(v.page_iter().page_count(), 8);
    /// # }
    /// ```
    fn page_iter(&mut self) -> VmallocPageIter<'_> {
        let size = if mem::size_of::<T>() == 0 { 0 } else { self.capacity() * mem::size_of::<T>() };
        let base = NonNull::new(self.as_mut_ptr()).unwrap_or(NonNull::dangling()).cast::<u8>();
        VmallocPageIter { base, size, next: 0, _buf: PhantomData }
    }
}

/// The pages of a vmalloc-backed buffer, in order (Rust-for-Linux's
/// `VmallocPageIter`); from [`AsPageIter::page_iter`].
///
/// In the kernel each item is a whole physical page mapped somewhere in
/// the buffer's virtual range. In this simulation the buffer is one
/// ordinary allocation, so each item is the `PAGE_SIZE`-long chunk of it
/// at [`offset`](BorrowedPage::offset) `k * PAGE_SIZE`, and the last one
/// may be shorter when the buffer is not a whole number of pages.
pub struct VmallocPageIter<'a> {
    base: NonNull<u8>,
    size: usize,
    next: usize,
    // The buffer is borrowed mutably for as long as the pages are.
    _buf: PhantomData<&'a mut [u8]>,
}

impl VmallocPageIter<'_> {
    /// The number of pages the buffer spans (all of them, whatever has
    /// been iterated).
    pub fn page_count(&self) -> usize {
        self.size.div_ceil(PAGE_SIZE)
    }

    /// The buffer's size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
}

impl<'a> Iterator for VmallocPageIter<'a> {
    type Item = BorrowedPage<'a>;

    fn next(&mut self) -> Option<BorrowedPage<'a>> {
        let offset = self.next.checked_mul(PAGE_SIZE)?;
        if offset >= self.size {
            return None;
        }
        self.next += 1;
        // SAFETY: `offset < size`, and `base` points to a buffer of `size`
        // bytes.
        let ptr = unsafe { self.base.add(offset) };
        Some(BorrowedPage { ptr, offset, len: (self.size - offset).min(PAGE_SIZE), _buf: PhantomData })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.page_count() - self.next.min(self.page_count());
        (left, Some(left))
    }
}

impl ExactSizeIterator for VmallocPageIter<'_> {}

impl core::fmt::Debug for VmallocPageIter<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VmallocPageIter").field("size", &self.size).field("next", &self.next).finish()
    }
}

/// One page of a vmalloc-backed buffer, borrowed from it
/// (Rust-for-Linux's `BorrowedPage`): raw access, as the kernel's `Page`
/// gives (`read_raw`, `write_raw`, `fill_zero_raw`), checked against the
/// page's length.
pub struct BorrowedPage<'a> {
    ptr: NonNull<u8>,
    offset: usize,
    len: usize,
    _buf: PhantomData<&'a mut [u8]>,
}

impl BorrowedPage<'_> {
    /// Where the page starts in the buffer, in bytes (a multiple of
    /// `PAGE_SIZE`).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The page's length: `PAGE_SIZE`, or less for the last page of a
    /// buffer that is not a whole number of pages (in the simulation only).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the page has no bytes (never: a page iterator yields none).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The page's first byte.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    fn check(&self, offset: usize, len: usize) -> Result<(), Error> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(code::EINVAL),
        }
    }

    /// Zeroes `len` bytes of the page from `offset` (`fill_zero_raw`);
    /// `EINVAL` if they are not all in the page.
    ///
    /// # Safety
    ///
    /// No other thread reads or writes these bytes meanwhile, and zero
    /// bytes are valid for what the buffer holds there.
    ///
    /// Rust-for-Linux's own example, with the token:
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() -> alloc_ctx::error::Result {
    /// use alloc_ctx::prelude::*;
    /// use alloc_ctx::page::{AsPageIter, PAGE_SIZE};
    ///
    /// let mut vbox = VBox::new((), GFP_KERNEL, cx)?;
    /// assert!(vbox.page_iter().next().is_none());
    ///
    /// let mut vbox = VBox::<[u8; PAGE_SIZE]>::new_uninit(GFP_KERNEL, cx)?;
    /// let page = vbox.page_iter().next().expect("At least one page should be available.\n");
    /// // SAFETY: There is no concurrent read or write to the same page.
    /// unsafe { page.fill_zero_raw(0, PAGE_SIZE)? };
    /// # Ok(())
    /// # }
    /// ```
    pub unsafe fn fill_zero_raw(&self, offset: usize, len: usize) -> Result<(), Error> {
        self.check(offset, len)?;
        // SAFETY: in the page (checked), which the iterator's borrow of the
        // buffer keeps valid; no concurrent access (the caller's contract).
        unsafe { self.ptr.as_ptr().add(offset).write_bytes(0, len) };
        Ok(())
    }

    /// Copies `len` bytes from `src` into the page at `offset`
    /// (`write_raw`); `EINVAL` if they are not all in the page.
    ///
    /// # Safety
    ///
    /// `src` is valid for reads of `len` bytes and does not overlap the
    /// page; no other thread reads or writes these bytes meanwhile; the
    /// bytes are valid for what the buffer holds there.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{VVec, flags::*, page::{AsPageIter, PAGE_SIZE}};
    /// let mut v = VVec::<u8>::zeroed(2 * PAGE_SIZE, GFP_KERNEL, cx).unwrap();
    /// let second = v.page_iter().nth(1).unwrap();
    /// let msg = *b"hello";
    /// // SAFETY: `msg` is readable and separate; no one else touches `v`.
    /// unsafe { second.write_raw(msg.as_ptr(), 0, msg.len()).unwrap() };
    /// assert_eq!(&v[PAGE_SIZE..PAGE_SIZE + 5], b"hello");
    /// # }
    /// ```
    pub unsafe fn write_raw(&self, src: *const u8, offset: usize, len: usize) -> Result<(), Error> {
        self.check(offset, len)?;
        // SAFETY: the destination is in the page (checked); the source is
        // the caller's (the contract), and they do not overlap.
        unsafe { core::ptr::copy_nonoverlapping(src, self.ptr.as_ptr().add(offset), len) };
        Ok(())
    }

    /// Copies `len` bytes of the page from `offset` to `dst` (`read_raw`);
    /// `EINVAL` if they are not all in the page.
    ///
    /// # Safety
    ///
    /// `dst` is valid for writes of `len` bytes and does not overlap the
    /// page; the bytes read are initialised; no other thread writes them
    /// meanwhile.
    pub unsafe fn read_raw(&self, dst: *mut u8, offset: usize, len: usize) -> Result<(), Error> {
        self.check(offset, len)?;
        // SAFETY: the source is in the page (checked); the destination is
        // the caller's (the contract), and they do not overlap.
        unsafe { core::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(offset), dst, len) };
        Ok(())
    }
}

impl core::fmt::Debug for BorrowedPage<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BorrowedPage").field("offset", &self.offset).field("len", &self.len).finish()
    }
}
