//! Backends: where the memory comes from.
//!
//! A [`Backend`] allocates, reallocates and frees. It is a single-attempt
//! primitive: the request layer above it decides, from the flags, whether
//! to report, reclaim, retry or wait. That split lets budget,
//! failure-injection and reserve backends wrap one another without
//! re-implementing the flag semantics.
//!
//! Allocating and reallocating take a [`Request`]: the layout and the
//! *effective* flags (after NOFS/NOIO scopes) of a token request, which
//! only this crate's request path creates. A backend can therefore be
//! implemented (and can wrap and forward to another backend) anywhere, but
//! only be asked for memory through a token, whose flags the compiler
//! checked against the context and whose size passed a bound. Freeing
//! breaks no rule (`kfree()` is allowed anywhere) and takes no request.
//!
//! [`System`] (the global allocator) is the default everywhere. [`Budget`]
//! limits and tracks bytes (and keeps a reserve for `__GFP_HIGH`),
//! [`FailInject`] fails chosen calls; they compose:
//! `FailInject::wrap(Budget::new(1 << 20))`. [`Heap`] makes any
//! `GlobalAlloc` heap a backend (`Heap::wrap(&HEAP)`).

use core::alloc::Layout;
use core::ptr::NonNull;

use crate::vocab::family::FamilyId;
use crate::vocab::flags::Gfp;

mod budget;
mod fail_inject;
mod heap;

pub use budget::Budget;
pub use fail_inject::FailInject;
pub use heap::Heap;

/// One allocation request, as the request path made it: a layout of
/// non-zero size whose size was checked against the request's bound, and
/// the effective flags (the thread's NOFS/NOIO scope applied), which the
/// caller's token was allowed to ask for.
///
/// Only alloc-ctx creates one, for the duration of a token request; a
/// backend reads it and may pass it on to the backend it wraps. This is
/// what keeps [`Backend::allocate`] and [`Backend::reallocate`] behind the
/// tokens: without a `Request`, code outside the crate cannot call them, so
/// it cannot ask for sleeping flags in an atomic section or for an
/// unchecked size. It is deliberately neither `Clone` nor `Copy`, so a
/// backend cannot keep one past the call that lent it.
///
/// User code cannot build one:
///
/// ```compile_fail,E0451
/// use core::alloc::Layout;
/// use alloc_ctx::backend::{Backend, Request, System};
/// use alloc_ctx::flags::*;
///
/// // error[E0451]: fields `layout` and `gfp` of struct `Request` are private
/// let request = Request { layout: Layout::new::<[u8; 1 << 20]>(), gfp: GFP_KERNEL.gfp() };
/// let _ = System.allocate(&request);
/// ```
///
/// ```compile_fail,E0624
/// use core::alloc::Layout;
/// use alloc_ctx::backend::Request;
/// use alloc_ctx::flags::*;
///
/// // error[E0624]: associated function `new` is private
/// let request = Request::new(Layout::new::<u64>(), GFP_KERNEL.gfp(), alloc_ctx::family::FamilyId::Kmalloc, core::panic::Location::caller());
/// ```
///
/// It asks for memory through a token instead, whose flags and size are
/// checked when the program is built:
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::backend::System;
/// use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
///
/// let buffer = cx.alloc_in(System, GFP_KERNEL, Size::<KmallocMax>::new(1 << 20).unwrap()).unwrap();
/// assert_eq!(buffer.len(), 1 << 20);
/// # }
/// ```
#[derive(Debug)]
pub struct Request {
    layout: Layout,
    gfp: Gfp,
    /// The allocator family the request is for (a constant of the
    /// container's type).
    family: FamilyId,
    /// Where the request was made.
    location: &'static core::panic::Location<'static>,
    /// Set by a fault-injecting backend ([`Request::fail_as_injected`]).
    injected: core::cell::Cell<bool>,
}

impl Request {
    /// A request for `layout` with the flags `gfp` as the caller asked
    /// (the thread's scope mask is applied when a backend reads them).
    ///
    /// The caller (the request path) guarantees that the size passed the
    /// request's bound and that the caller's token permits `gfp`. The
    /// non-zero size, which [`System`] relies on, is checked here; every
    /// caller already tested it, so the check folds away.
    #[inline(always)]
    pub(crate) fn new(
        layout: Layout,
        gfp: Gfp,
        family: FamilyId,
        location: &'static core::panic::Location<'static>,
    ) -> Request {
        assert!(layout.size() != 0, "alloc-ctx: a zero-sized request reached the request path");
        Request { layout, gfp, family, location, injected: core::cell::Cell::new(false) }
    }

    /// The allocator family that serves this request: `Kmalloc` for a
    /// `KVec`, `KBox`, `Arc` or raw buffer, `Vmalloc` for a `VVec`/`VBox`,
    /// `KVmalloc` for a `KVVec`/`KVBox`, as Rust-for-Linux's `Kmalloc`,
    /// `Vmalloc` and `KVmalloc` allocators are three entry points. A kernel
    /// or RTOS backend routes on it (`krealloc`, `vrealloc`, `kvrealloc`);
    /// the backends of this crate serve every family from one heap.
    ///
    /// The family's rules were checked when the program was built
    /// ([`crate::family`]): a `Vmalloc` request always has
    /// `__GFP_DIRECT_RECLAIM`, a `KVmalloc` request never has
    /// `__GFP_NORETRY`, and one without direct reclaim is at most
    /// `KMALLOC_MAX_SIZE` (kvmalloc serves it with kmalloc alone). The old
    /// block of a `KVmalloc` reallocation without direct reclaim may be
    /// vmalloc memory: glue frees it as `vfree_atomic` does.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use core::{alloc::Layout, cell::Cell, ptr::NonNull};
    /// use alloc_ctx::backend::{Backend, Request, System};
    /// use alloc_ctx::family::FamilyId;
    /// use alloc_ctx::{KVVec, KVec, MaySleep, flags::*};
    ///
    /// /// Remembers the family of the last request, then asks `System`.
    /// struct Router(Cell<Option<FamilyId>>);
    /// // SAFETY: every block comes from `System`.
    /// unsafe impl Backend for Router {
    ///     fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
    ///         self.0.set(Some(request.family()));
    ///         System.allocate(request)
    ///     }
    ///     unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
    ///         // SAFETY: forwarded.
    ///         unsafe { System.free(ptr, layout) }
    ///     }
    /// }
    /// let router = Router(Cell::new(None));
    /// let _table = KVVec::<u64, _>::with_capacity_in(8, &router, GFP_KERNEL, cx).unwrap();
    /// assert_eq!(router.0.get(), Some(FamilyId::KVmalloc));
    /// let _list = KVec::<u64, _>::with_capacity_in(8, &router, GFP_KERNEL, cx).unwrap();
    /// assert_eq!(router.0.get(), Some(FamilyId::Kmalloc));
    /// # }
    /// ```
    #[inline(always)]
    pub fn family(&self) -> FamilyId {
        self.family
    }

    /// Where the request was made: the caller of the request or container
    /// operation (carried by `#[track_caller]`), for reports such as a
    /// failure sweep's.
    #[inline(always)]
    pub fn location(&self) -> &'static core::panic::Location<'static> {
        self.location
    }

    /// The layout to allocate: its size is non-zero and within the bound of
    /// the request (e.g. `KMALLOC_MAX_SIZE`). For a reallocation, the new
    /// layout.
    #[inline(always)]
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The effective flags: those of the request minus the thread's
    /// NOFS/NOIO scope mask. A backend honours `__GFP_ZERO`; it may use the
    /// others to decide (a reserve for `__GFP_HIGH`, a failure rule), but it
    /// never sleeps or retries itself: that is the request path's job.
    ///
    /// The mask is applied here, when asked, rather than when the request
    /// is made: a backend that ignores the flags (the system allocator)
    /// costs the request no read of the thread's state. The mask cannot
    /// change while a request is in progress.
    #[inline(always)]
    pub fn gfp(&self) -> Gfp {
        crate::context::state::current_gfp_context(self.gfp)
    }

    /// Marks this request's failure as injected, for a fault-injecting
    /// backend about to return `None`: the request path then fails the
    /// whole request at once, without reclaim or retry, unless it is
    /// `__GFP_NOFAIL`. That is how an injected fault behaves in the kernel
    /// (`failslab` fails a `kmalloc()` before the page allocator's retry
    /// loop), and it lets a failure sweep fail sleeping requests too. The
    /// mark belongs to this request: a wrapper that swallows the failure
    /// and succeeds another way leaves nothing behind for later requests.
    #[inline]
    pub fn fail_as_injected(&self) {
        self.injected.set(true);
    }

    /// Takes the injected mark (the request path reads it after each
    /// failed attempt).
    #[inline(always)]
    pub(crate) fn injected(&self) -> bool {
        self.injected.replace(false)
    }
}

/// What a backend is told about a free ([`Backend::free_with`]): the
/// allocator family of the block and whether the free is made where the
/// thread must not sleep (an atomic section, a `#[nowait]` function,
/// interrupts disabled).
///
/// `vfree` and `kvfree` of vmalloc memory may sleep outside interrupt
/// context (Linux v6.12), so kernel glue frees a block whose
/// [`must_defer`](Free::must_defer) is true as `vfree_atomic` does: queued
/// and freed later from a worker. A backend whose free never sleeps (every
/// backend of this crate, [`System`] included) frees at once, whatever it
/// says.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use core::{alloc::Layout, cell::Cell, ptr::NonNull};
/// use alloc_ctx::backend::{Backend, Free, Request, System};
/// use alloc_ctx::{KVVec, MaySleep, flags::*};
///
/// /// Counts the frees kernel glue would defer to `vfree_atomic`.
/// struct Glue(Cell<usize>);
/// // SAFETY: every block comes from `System`.
/// unsafe impl Backend for Glue {
///     fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
///         System.allocate(request)
///     }
///     unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
///         // SAFETY: forwarded.
///         unsafe { System.free(ptr, layout) }
///     }
///     unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
///         if free.must_defer() {
///             self.0.set(self.0.get() + 1); // a kernel: vfree_atomic(ptr)
///         }
///         // SAFETY: forwarded.
///         unsafe { self.free(ptr, layout) }
///     }
/// }
/// let glue = Glue(Cell::new(0));
/// {
///     let table = KVVec::<u64, _>::with_capacity_in(1 << 20, &glue, GFP_KERNEL, cx).unwrap();
///     cx.nowait_scope(|_| drop(table)); // an 8 MiB kvmalloc block freed in an atomic section
/// };
/// assert_eq!(glue.0.get(), 1);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Free {
    family: FamilyId,
    atomic: bool,
}

impl Free {
    /// A free of a block of `family`, made now: whether the thread must not
    /// sleep is read from its context state.
    #[inline]
    pub(crate) fn now(family: FamilyId) -> Free {
        // The read is only needed where a free may sleep: a constant test
        // for the others (the family is a type-level constant).
        let atomic = family.free_may_sleep() && !crate::context::state::may_block();
        Free { family, atomic }
    }

    /// The allocator family the block came from.
    #[inline(always)]
    pub fn family(&self) -> FamilyId {
        self.family
    }

    /// The free is made where the thread must not sleep (recorded for
    /// families whose free may sleep; `false` for the others).
    #[inline(always)]
    pub fn atomic(&self) -> bool {
        self.atomic
    }

    /// The free may sleep and is made where the thread must not: kernel
    /// glue defers it, as `vfree_atomic` does.
    #[inline(always)]
    pub fn must_defer(&self) -> bool {
        self.atomic && self.family.free_may_sleep()
    }
}

/// A source of memory.
///
/// A backend is asked for memory only by the request path, through a
/// [`Request`]; a backend that wraps another forwards the request it was
/// given. User code implements backends, and allocates from them with a
/// token request such as `cx.alloc_in(&backend, GFP_KERNEL, size)` or
/// `KBox::new_in(value, &backend, GFP_KERNEL, cx)`:
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use core::alloc::Layout;
/// use core::ptr::NonNull;
/// use core::sync::atomic::{AtomicUsize, Ordering};
/// use alloc_ctx::backend::{Backend, Request, System};
/// use alloc_ctx::{KBox, MaySleep, flags::*, size::{KmallocMax, Size}};
///
/// /// Counts the bytes asked of the backend it wraps.
/// struct Counting<B: Backend> {
///     inner: B,
///     requested: AtomicUsize,
/// }
///
/// // SAFETY: every block comes from `inner`, which upholds the contract;
/// // the wrapper only counts.
/// unsafe impl<B: Backend> Backend for Counting<B> {
///     fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
///         self.requested.fetch_add(request.layout().size(), Ordering::Relaxed);
///         self.inner.allocate(request)
///     }
///
///     unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
///         // SAFETY: the caller's contract, forwarded.
///         unsafe { self.inner.free(ptr, layout) }
///     }
/// }
///
/// let counting = Counting { inner: System, requested: AtomicUsize::new(0) };
/// let buffer = cx.alloc_in(&counting, GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()).unwrap();
/// let value = KBox::new_in(7u64, &counting, GFP_KERNEL, cx).unwrap();
/// assert_eq!((buffer.len(), *value), (64, 7));
/// assert_eq!(counting.requested.load(Ordering::Relaxed), 64 + 8);
/// # }
/// ```
///
/// # Safety
///
/// Implementations must uphold, for every `request` (whose layout has a
/// non-zero size):
///
/// * `allocate` returns either `None` or a pointer to a block valid for
///   reads and writes of `request.layout().size()` bytes, aligned to
///   `request.layout().align()`, not aliased by any other live block; if
///   `request.gfp().zeroed()`, the block is zero-filled.
/// * `reallocate` behaves as `allocate` of `request` followed by a copy of
///   `min(old.size(), request.layout().size())` bytes and a `free` of the
///   old block; on `None` the old block is untouched and still owned by the
///   caller. If `request.gfp().zeroed()`, bytes past `old.size()` are zero.
/// * A block stays valid until it is passed to `free` or `reallocate`.
///
/// And, for the context rules to mean anything: `allocate`, `reallocate`
/// and `free` never block or sleep (no sleeping lock, no waiting, no
/// `MaySleep::enter`), whatever the flags say. They are called from atomic
/// sections for non-blocking requests; reclaim, back-off and retries are
/// the request path's, which only does them for requests that may sleep.
/// A spinlock (e.g. this crate's `SpinLock`, or `spin`) is fine.
pub unsafe trait Backend {
    /// One attempt at allocating `request.layout()`; `None` when there is
    /// no memory.
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>>;

    /// Frees a block.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this backend's `allocate` or `reallocate` with
    /// exactly `layout`, and must not be used afterwards.
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout);

    /// Frees a block, told its allocator family and whether the thread
    /// must not sleep ([`Free`]): how the containers free. Kernel glue
    /// overrides it to call `kfree`, `vfree` or `kvfree`, or
    /// `vfree_atomic` when [`Free::must_defer`]; a wrapper forwards it.
    ///
    /// The default calls [`free`](Backend::free), which never sleeps.
    ///
    /// # Safety
    ///
    /// As [`free`](Backend::free).
    #[inline]
    unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
        let _ = free;
        // SAFETY: the caller's contract, the same as `free`'s.
        unsafe { self.free(ptr, layout) }
    }

    /// One attempt at resizing a block of layout `old` to
    /// `request.layout()`.
    ///
    /// The default allocates, copies and frees.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this backend with exactly `old`, and
    /// `request.layout().align() == old.align()`.
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        let fresh = self.allocate(request)?;
        // SAFETY: both blocks are valid for min(old, new) bytes, and they are
        // distinct live allocations, so they do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(ptr.as_ptr(), fresh.as_ptr(), old.size().min(request.layout().size()));
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
            fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
                (**self).allocate(request)
            }
            #[inline]
            unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
                // SAFETY: the caller upholds `free`'s contract for `B`.
                unsafe { (**self).free(ptr, layout) }
            }
            #[inline]
            unsafe fn free_with(&self, ptr: NonNull<u8>, layout: Layout, free: Free) {
                // SAFETY: the caller upholds `free`'s contract for `B`.
                unsafe { (**self).free_with(ptr, layout, free) }
            }
            #[inline]
            unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
                // SAFETY: the caller upholds `reallocate`'s contract for `B`.
                unsafe { (**self).reallocate(ptr, old, request) }
            }
        }
    };
}

forward_backend!(&B);
forward_backend!(
    /// A shared backend, for containers that must be `'static` (a cache a
    /// shrinker frees from, work handed to another thread).
    #[cfg(all(feature = "alloc", target_has_atomic = "ptr"))]
    alloc::sync::Arc<B>
);

/// The global allocator (`alloc::alloc`). The default backend.
///
/// Honours `__GFP_ZERO`; other flags are for the request layer and ignored
/// here.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct System;

/// Without the `alloc` feature there is no global allocator, and `System`
/// is an uninhabited placeholder: it stays the default backend parameter of
/// the containers (so `KVec<T, A>` is spelled the same in every build), but
/// no value of it exists. Containers are created with an explicit backend
/// (`KBox::new_in`, `KVec::new_in`, `cx.alloc_in`), the constructors that
/// use `System` (`KBox::new`, `KVec::new`, `cx.alloc`, `Budget::new`) are
/// not there.
#[cfg(not(feature = "alloc"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {}

// SAFETY: no value of the uninhabited placeholder exists, so none of these
// methods can be called.
#[cfg(not(feature = "alloc"))]
unsafe impl Backend for System {
    fn allocate(&self, _: &Request) -> Option<NonNull<u8>> {
        match *self {}
    }
    unsafe fn free(&self, _: NonNull<u8>, _: Layout) {
        match *self {}
    }
}

#[cfg(feature = "alloc")]
// SAFETY: `alloc`/`alloc_zeroed`/`realloc`/`dealloc` of the global allocator
// meet the contract for non-zero sizes, which every `Request` has; the
// zero-fill of `reallocate`'s tail is done below.
unsafe impl Backend for System {
    #[inline]
    fn allocate(&self, request: &Request) -> Option<NonNull<u8>> {
        let layout = request.layout();
        // SAFETY: a `Request`'s layout has a non-zero size (checked when it
        // was made, `Request::new`).
        let ptr = unsafe {
            if request.gfp().zeroed() { alloc::alloc::alloc_zeroed(layout) } else { alloc::alloc::alloc(layout) }
        };
        NonNull::new(ptr)
    }

    #[inline]
    unsafe fn free(&self, ptr: NonNull<u8>, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from the global allocator
        // with `layout`.
        unsafe { alloc::alloc::dealloc(ptr.as_ptr(), layout) }
    }

    #[inline]
    unsafe fn reallocate(&self, ptr: NonNull<u8>, old: Layout, request: &Request) -> Option<NonNull<u8>> {
        let new = request.layout();
        // SAFETY: `ptr` came from the global allocator with `old` (caller),
        // `new.size()` is non-zero (a `Request`'s) and, being the size of a
        // valid `Layout` of `old`'s alignment (caller), does not overflow
        // `isize` when rounded to the alignment.
        let fresh = NonNull::new(unsafe { alloc::alloc::realloc(ptr.as_ptr(), old, new.size()) })?;
        if request.gfp().zeroed() && new.size() > old.size() {
            // SAFETY: the block is valid for `new.size()` bytes; the tail
            // past `old.size()` is inside it.
            unsafe { fresh.as_ptr().add(old.size()).write_bytes(0, new.size() - old.size()) };
        }
        Some(fresh)
    }
}
