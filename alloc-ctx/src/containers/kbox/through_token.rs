//! Requests made through a token itself: `cx.alloc(flags, size)` and
//! `cx.alloc_in(backend, flags, size)`, which return a byte `Buffer`.

use super::*;

// ---- requests through a token ----------------------------------------------
//
// `cx.alloc(flags, size)` returns a `KBox`, so it is defined here, above the
// tokens, rather than in the token module: the tokens only prove what a
// request may do, and the containers make it.

/// The byte buffer a raw request returns: `KBox<[u8]>` when `__GFP_ZERO`
/// is in the flags (the memory is initialised), `KBox<[MaybeUninit<u8>]>`
/// otherwise.
pub type Buffer<F, A = System> = KBox<[<<F as GfpFlags>::Zero as Bool>::Byte], A>;

/// The one body of both tokens' `alloc_in`: the flags as the token serves
/// them, the buffer, and the result type the flags choose.
#[inline(always)]
#[track_caller]
fn alloc_bytes_through<C: Token, A: Backend, F: GfpFlags>(
    cx: &C,
    backend: A,
    flags: F,
    bytes: usize,
) -> Outcome<F, Buffer<F, A>> {
    <F::NoFail as Bool>::outcome(KBox::alloc_bytes(backend, served(cx, flags.gfp()), bytes))
}

// The two impls are written out, not generated, so that a rejected request
// points at a plain `MaySleep::alloc` / `NoWait::alloc` in its note.
impl MaySleep {
    /// Allocates a byte buffer of `size` bytes from the [`System`] backend.
    ///
    /// `size` must be a checked [`Size`](crate::size::Size): a
    /// `Size<KmallocMax>` (or stricter), or a `Size<NofailMax>` when `flags`
    /// contain `__GFP_NOFAIL`. The result is the buffer itself for NOFAIL
    /// requests and `Result<_, AllocError>` otherwise; the buffer is
    /// `[u8]` with `__GFP_ZERO` and `[MaybeUninit<u8>]` without.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, size::{NofailMax, Size}};
    /// // NOFAIL: no Result, and the size is proven at most 8 KiB.
    /// let table = cx.alloc(GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO, Size::<NofailMax>::of::<[u32; 512]>());
    /// assert_eq!(table.len(), 2048);
    /// # }
    /// ```
    ///
    /// A raw `usize` is rejected at type check:
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, flags::*};
    /// {
    ///     let _ = cx.alloc(GFP_KERNEL, 4096usize); // error: not a checked size
    /// };
    /// # }
    /// ```
    ///
    /// and so is a kmalloc-bounded size on a NOFAIL request:
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
    /// {
    ///     let size = Size::<KmallocMax>::new(4096).unwrap();
    ///     let _ = cx.alloc(GFP_KERNEL | __GFP_NOFAIL, size); // error: needs Size<NofailMax>
    /// };
    /// # }
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub fn alloc<F, S>(&mut self, flags: F, size: S) -> Outcome<F, Buffer<F>>
    where
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        self.alloc_in(System, flags, size)
    }

    /// As [`alloc`](Self::alloc), from `backend`.
    #[inline]
    #[track_caller]
    pub fn alloc_in<A, F, S>(&mut self, backend: A, flags: F, size: S) -> Outcome<F, Buffer<F, A>>
    where
        A: Backend,
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        alloc_bytes_through(self, backend, flags, size.bytes())
    }
}

impl NoWait {
    /// Allocates a byte buffer of `size` bytes from the [`System`] backend,
    /// without sleeping. Only non-blocking flags compile, and never
    /// `__GFP_NOFAIL`; the result is always a `Result`.
    ///
    /// ```
    /// use alloc_ctx::{NoWait, flags::*, size::{KmallocMax, Size}};
    /// NoWait::enter(|nw| {
    ///     let rx = nw.alloc(GFP_ATOMIC | __GFP_ZERO, Size::<KmallocMax>::new(1500).unwrap());
    ///     assert_eq!(rx.map(|b| b.len()), Ok(1500));
    /// });
    /// ```
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{NoWait, flags::*, size::{KmallocMax, Size}};
    /// NoWait::enter(|nw| {
    ///     // error: `GFP_KERNEL` may sleep; a `#[nowait]` context can only use `GFP_NOWAIT` or `GFP_ATOMIC`
    ///     let _ = nw.alloc(GFP_KERNEL, Size::<KmallocMax>::new(1500).unwrap());
    /// });
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub fn alloc<F, S>(&mut self, flags: F, size: S) -> Outcome<F, Buffer<F>>
    where
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        self.alloc_in(System, flags, size)
    }

    /// As [`alloc`](Self::alloc), from `backend`.
    #[inline]
    #[track_caller]
    pub fn alloc_in<A, F, S>(&mut self, backend: A, flags: F, size: S) -> Outcome<F, Buffer<F, A>>
    where
        A: Backend,
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        alloc_bytes_through(self, backend, flags, size.bytes())
    }
}
