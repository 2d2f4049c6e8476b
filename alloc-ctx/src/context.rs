//! Capability tokens: [`MaySleep`] and [`NoWait`].
//!
//! A token is a zero-sized proof of the context the code runs in. Requests
//! are made *through* a token, and the flags a request may carry depend on
//! the token's type (see [`crate::rules`]):
//!
//! * [`MaySleep`] proves the caller may block. It is not `Copy`: it is
//!   passed on by [`reborrow`](MaySleep::reborrow) (or `&mut`), and an
//!   atomic section *borrows* it mutably, so while the section's [`NoWait`]
//!   lives the sleep token is frozen by the borrow checker.
//! * [`NoWait`] is the context of a `#[nowait]` function. Any context may
//!   make non-blocking requests, so it is `Copy`, and a `MaySleep` yields one
//!   ([`MaySleep::nowait`]); never the reverse.
//!
//! Both are `!Send` and `!Sync`: a context belongs to one thread.
//!
//! ```
//! use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}};
//!
//! MaySleep::enter(|mut cx| {
//!     let size = Size::<Kmalloc>::new(256)?;
//!     let buf = cx.alloc(GFP_KERNEL | __GFP_ZERO, size)?; // may sleep: fine here
//!     assert!(buf.iter().all(|&b| b == 0));
//!     cx.nowait_scope(|nw| {
//!         // Only non-blocking requests compile in here.
//!         let packet = nw.alloc(GFP_ATOMIC, size)?;
//!         assert_eq!(packet.len(), 256);
//!         Ok::<_, alloc_ctx::AllocError>(())
//!     })?;
//!     Ok::<_, alloc_ctx::AllocError>(())
//! })?;
//! # Ok::<_, alloc_ctx::AllocError>(())
//! ```
//!
//! The rules are checked by `cargo check`. A sleeping request in a nowait
//! scope does not compile:
//!
//! ```compile_fail,E0277
//! use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}};
//! MaySleep::enter(|mut cx| {
//!     cx.nowait_scope(|nw| {
//!         // error: `GFP_KERNEL` may sleep (it contains `__GFP_DIRECT_RECLAIM`)
//!         let _ = nw.alloc(GFP_KERNEL, Size::<Kmalloc>::new(64).unwrap());
//!     });
//! });
//! ```
//!
//! While a nowait scope lives, the sleep token is frozen:
//!
//! ```compile_fail,E0499
//! use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}};
//! MaySleep::enter(|mut cx| {
//!     let size = Size::<Kmalloc>::new(64).unwrap();
//!     let mut cx2 = &mut cx;
//!     cx.nowait_scope(|_nw| {
//!         let _ = cx2.alloc(GFP_KERNEL, size); // error: `cx` is already borrowed
//!     });
//! });
//! ```

use core::marker::PhantomData;

use crate::backend::{Backend, System};
use crate::flags::{Gfp, GfpFlags, bits};
use crate::kbox::KBox;
use crate::rules::Permits;
use crate::size::{Kmalloc, SizeFor};
use crate::state::{self, AtomicSection, ScopeMask};
use crate::typelevel::Bool;

mod sealed {
    pub trait Sealed {}
}

/// The GFP bits a NOFS/NOIO scope clears, recorded in the type of the
/// scope's [`MaySleep`] token. Sealed.
pub trait Mask: sealed::Sealed + 'static {
    /// The bits cleared from every request made through the token.
    const CLEAR: u32;
    /// The mask after entering a NOFS scope.
    type WithNoFs: Mask;
    /// The mask after entering a NOIO scope.
    type WithNoIo: Mask;
}

/// No scope: requests are served as asked.
#[derive(Debug)]
pub enum Unmasked {}
/// Inside a NOFS scope (`memalloc_nofs_save()`): `__GFP_FS` is cleared.
#[derive(Debug)]
pub enum NoFs {}
/// Inside a NOIO scope (`memalloc_noio_save()`): `__GFP_IO | __GFP_FS` are
/// cleared.
#[derive(Debug)]
pub enum NoIo {}

impl sealed::Sealed for Unmasked {}
impl sealed::Sealed for NoFs {}
impl sealed::Sealed for NoIo {}

impl Mask for Unmasked {
    const CLEAR: u32 = 0;
    type WithNoFs = NoFs;
    type WithNoIo = NoIo;
}
impl Mask for NoFs {
    const CLEAR: u32 = bits::FS;
    type WithNoFs = NoFs;
    type WithNoIo = NoIo;
}
impl Mask for NoIo {
    const CLEAR: u32 = bits::FS | bits::IO;
    // NOIO already implies NOFS: a nested NOFS scope changes nothing.
    type WithNoFs = NoIo;
    type WithNoIo = NoIo;
}

/// Proof that the current code may sleep (block, enter direct reclaim,
/// wait for I/O).
///
/// * Zero-sized, not `Copy`/`Clone`, `!Send`, `!Sync`.
/// * Created only by the run-time-checked entry point [`MaySleep::enter`]
///   (and `#[may_sleep(entry)]`), which panics inside an atomic section, or
///   by the `unsafe` [`MaySleep::assume`].
/// * `M` records a NOFS/NOIO scope ([`MaySleep::nofs`], [`MaySleep::noio`]).
///
/// A `MaySleep` cannot be forged in safe code:
///
/// ```compile_fail,E0451
/// let cx = alloc_ctx::MaySleep { _context: core::marker::PhantomData };
/// ```
///
/// and cannot leave its thread:
///
/// ```compile_fail,E0277
/// alloc_ctx::MaySleep::enter(|cx| {
///     std::thread::scope(|s| { s.spawn(move || drop(cx)); });
/// });
/// ```
#[must_use = "a context token does nothing unless requests are made through it"]
pub struct MaySleep<'a, M: Mask = Unmasked> {
    // `&'a mut ()`: the token is a (re)borrow of the context it came from;
    // `*mut ()`: `!Send`/`!Sync`; `M`: the scope mask.
    _context: PhantomData<(&'a mut (), *mut (), M)>,
}

/// Proof that the current code is in a context that must not sleep, or at
/// least does not need to: the context of a `#[nowait]` function.
///
/// Zero-sized, `Copy`, `!Send`, `!Sync`. Requests through it compile only
/// with non-blocking flags (`GFP_ATOMIC`, `GFP_NOWAIT`, …) and never with
/// `__GFP_NOFAIL`:
///
/// ```compile_fail,E0277
/// use alloc_ctx::{MaySleep, flags::*, size::{Nofail, Size}};
/// MaySleep::enter(|cx| {
///     let nw = cx.nowait();
///     // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
///     let _ = nw.alloc(GFP_ATOMIC | __GFP_NOFAIL, Size::<Nofail>::of::<[u8; 64]>());
/// });
/// ```
#[derive(Clone, Copy)]
#[must_use = "a context token does nothing unless requests are made through it"]
pub struct NoWait<'a> {
    _context: PhantomData<(&'a (), *mut ())>,
}

/// The byte buffer a raw request returns: `KBox<[u8]>` when `__GFP_ZERO`
/// is in the flags (the memory is initialised), `KBox<[MaybeUninit<u8>]>`
/// otherwise.
pub type Buffer<F, A = System> = KBox<[<<F as GfpFlags>::Zero as Bool>::Byte], A>;

/// The outcome of a request with flags `F`: `T` for `__GFP_NOFAIL`,
/// `Result<T, AllocError>` otherwise.
pub type Outcome<F, T> = <<F as GfpFlags>::NoFail as Bool>::Outcome<T>;

/// The size bound a request with flags `F` accepts: [`Nofail`](crate::size::Nofail) for
/// `__GFP_NOFAIL`, `B` otherwise.
pub type BoundFor<F, B = Kmalloc> = <<F as GfpFlags>::NoFail as Bool>::SizeBound<B>;

impl<'a> MaySleep<'a> {
    /// Runs `f` with a fresh sleep token, after checking at run time that
    /// the current thread is not inside an atomic section.
    ///
    /// # Panics
    ///
    /// Inside an atomic section, with the kernel's "BUG: sleeping function
    /// called from invalid context" message.
    #[track_caller]
    pub fn enter<R>(f: impl FnOnce(MaySleep<'_>) -> R) -> R {
        state::might_sleep();
        f(MaySleep { _context: PhantomData })
    }

    /// Creates a sleep token without any check.
    ///
    /// For FFI and kernel glue that knows its context by other means.
    ///
    /// # Safety
    ///
    /// The calling thread must be allowed to block for all of `'a`: not in
    /// an interrupt handler, not holding a spinlock, not in an RCU read-side
    /// section, preemption enabled. The type system, the run-time checks and
    /// the NOFAIL retry loop of this crate trust the token; a wrong one turns
    /// a compile-time guarantee into a deadlock or a scheduling-while-atomic
    /// bug in the environment.
    #[inline(always)]
    pub const unsafe fn assume() -> MaySleep<'a> {
        MaySleep { _context: PhantomData }
    }
}

impl<'a, M: Mask> MaySleep<'a, M> {
    /// A new token borrowed from this one, to pass to a callee; this one is
    /// usable again when the callee returns.
    ///
    /// The scope mask is kept at run time (the thread's scope state) rather
    /// than in the new token's type, so `#[may_sleep]` functions need not be
    /// generic over it.
    #[inline(always)]
    pub fn reborrow(&mut self) -> MaySleep<'_> {
        MaySleep { _context: PhantomData }
    }

    /// A non-sleeping token for calling `#[nowait]` functions.
    ///
    /// This does not enter an atomic section (use
    /// [`nowait_scope`](Self::nowait_scope) for that): the context may still
    /// sleep, it just does not need to.
    #[inline(always)]
    pub fn nowait(&self) -> NoWait<'_> {
        NoWait { _context: PhantomData }
    }

    /// Runs `f` as a non-sleeping section: the typed `PF_MEMALLOC_NOWAIT`.
    ///
    /// Inside, only non-blocking requests compile, so a `__GFP_NOFAIL`
    /// request cannot "lose" at run time: it is rejected at type check. The
    /// sleep token is mutably borrowed for the whole section, and the
    /// thread's atomic depth is raised (restored on unwind), so entry points
    /// and `might_sleep()` reached from inside panic.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}, state::in_atomic};
    /// MaySleep::enter(|mut cx| {
    ///     let frame = cx.nowait_scope(|nw| {
    ///         assert!(in_atomic());
    ///         nw.alloc(GFP_ATOMIC, Size::<Kmalloc>::new(1500).unwrap()) // may fail: a `Result`
    ///     });
    ///     assert!(frame.is_ok() && !in_atomic());
    /// });
    /// ```
    ///
    /// A `__GFP_NOFAIL` request inside does not compile, however small (the
    /// August 2024 "NOFAIL loses" case, caught at type check):
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, flags::*, size::{Nofail, Size}};
    /// MaySleep::enter(|mut cx| {
    ///     cx.nowait_scope(|nw| {
    ///         // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
    ///         let _ = nw.alloc(GFP_NOWAIT | __GFP_NOFAIL, Size::<Nofail>::of::<[u8; 64]>());
    ///     });
    /// });
    /// ```
    #[inline]
    pub fn nowait_scope<R>(&mut self, f: impl FnOnce(NoWait<'_>) -> R) -> R {
        let _section = AtomicSection::enter();
        f(NoWait { _context: PhantomData })
    }

    /// Runs `f` with preemption "disabled": the same as
    /// [`nowait_scope`](Self::nowait_scope), named after the kernel's
    /// `preempt_disable()` sections.
    #[inline]
    pub fn atomic<R>(&mut self, f: impl FnOnce(NoWait<'_>) -> R) -> R {
        self.nowait_scope(f)
    }

    /// Runs `f` in a NOFS scope (`memalloc_nofs_save()`): every request in
    /// it is served without `__GFP_FS`, so `GFP_KERNEL` becomes `GFP_NOFS`.
    ///
    /// The mask is in the type of the token `f` receives and in the
    /// thread's scope state (restored on unwind), which reclaim consults.
    #[inline]
    pub fn nofs<R>(&mut self, f: impl FnOnce(MaySleep<'_, M::WithNoFs>) -> R) -> R {
        let _scope = ScopeMask::enter(bits::FS);
        f(MaySleep { _context: PhantomData })
    }

    /// Runs `f` in a NOIO scope (`memalloc_noio_save()`): every request in
    /// it is served without `__GFP_IO | __GFP_FS`, so `GFP_KERNEL` becomes
    /// `GFP_NOIO`.
    #[inline]
    pub fn noio<R>(&mut self, f: impl FnOnce(MaySleep<'_, M::WithNoIo>) -> R) -> R {
        let _scope = ScopeMask::enter(bits::FS | bits::IO);
        f(MaySleep { _context: PhantomData })
    }

    /// The flags as this context serves them: `flags` minus the token's
    /// scope mask and the thread's current scope mask.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, flags::*};
    /// MaySleep::enter(|mut cx| {
    ///     assert_eq!(cx.effective(GFP_KERNEL), GFP_KERNEL.gfp());
    ///     cx.nofs(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOFS.gfp()));
    ///     cx.noio(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOIO.gfp()));
    /// });
    /// ```
    #[inline(always)]
    pub fn effective<F: GfpFlags>(&self, flags: F) -> Gfp {
        state::current_gfp_context(flags.gfp().without(M::CLEAR))
    }

    /// Allocates a byte buffer of `size` bytes from the [`System`] backend.
    ///
    /// `size` must be a checked [`Size`](crate::size::Size): a
    /// `Size<Kmalloc>` (or stricter), or a `Size<Nofail>` when `flags`
    /// contain `__GFP_NOFAIL`. The result is the buffer itself for NOFAIL
    /// requests and `Result<_, AllocError>` otherwise; the buffer is
    /// `[u8]` with `__GFP_ZERO` and `[MaybeUninit<u8>]` without.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, flags::*, size::{Nofail, Size}};
    /// MaySleep::enter(|cx| {
    ///     // NOFAIL: no Result, and the size is proven at most 8 KiB.
    ///     let table = cx.alloc(GFP_KERNEL | __GFP_NOFAIL | __GFP_ZERO, Size::<Nofail>::of::<[u32; 512]>());
    ///     assert_eq!(table.len(), 2048);
    /// });
    /// ```
    ///
    /// A raw `usize` is rejected at type check:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, flags::*};
    /// MaySleep::enter(|cx| {
    ///     let _ = cx.alloc(GFP_KERNEL, 4096usize); // error: not a checked size
    /// });
    /// ```
    ///
    /// and so is a kmalloc-bounded size on a NOFAIL request:
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, flags::*, size::{Kmalloc, Size}};
    /// MaySleep::enter(|cx| {
    ///     let size = Size::<Kmalloc>::new(4096).unwrap();
    ///     let _ = cx.alloc(GFP_KERNEL | __GFP_NOFAIL, size); // error: needs Size<Nofail>
    /// });
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc<F, S>(&self, flags: F, size: S) -> Outcome<F, Buffer<F>>
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
    pub fn alloc_in<A, F, S>(&self, backend: A, flags: F, size: S) -> Outcome<F, Buffer<F, A>>
    where
        A: Backend,
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        <F::NoFail as Bool>::outcome(KBox::alloc_bytes(backend, self.effective(flags), size.bytes()))
    }
}

impl<'a> NoWait<'a> {
    /// Runs `f` as an atomic section with a fresh non-sleeping token: the
    /// thread's atomic depth is raised for the call (restored on unwind),
    /// so a `MaySleep` entry point reached from inside panics. For interrupt
    /// handlers and other code entered from outside a token-carrying caller.
    #[inline]
    pub fn enter<R>(f: impl FnOnce(NoWait<'_>) -> R) -> R {
        let _section = AtomicSection::enter();
        f(NoWait { _context: PhantomData })
    }

    /// Creates a non-sleeping token without raising the atomic depth.
    ///
    /// # Safety
    ///
    /// The token must not outlive the section it stands for (`'a`), and the
    /// caller must keep the thread's own bookkeeping right: code that relies
    /// on [`state::in_atomic`] (the entry points' `might_sleep()` check)
    /// will not see this section unless the caller raised the depth itself.
    #[inline(always)]
    pub const unsafe fn assume() -> NoWait<'a> {
        NoWait { _context: PhantomData }
    }
}

impl<'a> NoWait<'a> {
    /// The flags as this context serves them (the thread's scope mask
    /// applied; non-blocking flags never reclaim, so this is mostly `flags`).
    #[inline(always)]
    pub fn effective<F: GfpFlags>(self, flags: F) -> Gfp {
        state::current_gfp_context(flags.gfp())
    }

    /// Allocates a byte buffer of `size` bytes from the [`System`] backend,
    /// without sleeping. Only non-blocking flags compile, and never
    /// `__GFP_NOFAIL`; the result is always a `Result`.
    ///
    /// ```
    /// use alloc_ctx::{NoWait, flags::*, size::{Kmalloc, Size}};
    /// NoWait::enter(|nw| {
    ///     let rx = nw.alloc(GFP_ATOMIC | __GFP_ZERO, Size::<Kmalloc>::new(1500).unwrap());
    ///     assert_eq!(rx.map(|b| b.len()), Ok(1500));
    /// });
    /// ```
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{NoWait, flags::*, size::{Kmalloc, Size}};
    /// NoWait::enter(|nw| {
    ///     // error: `GFP_KERNEL` may sleep; a `#[nowait]` context can only use `GFP_NOWAIT` or `GFP_ATOMIC`
    ///     let _ = nw.alloc(GFP_KERNEL, Size::<Kmalloc>::new(1500).unwrap());
    /// });
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc<F, S>(self, flags: F, size: S) -> Outcome<F, Buffer<F>>
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
    pub fn alloc_in<A, F, S>(self, backend: A, flags: F, size: S) -> Outcome<F, Buffer<F, A>>
    where
        A: Backend,
        F: GfpFlags,
        Self: Permits<F>,
        S: SizeFor<BoundFor<F>>,
    {
        <F::NoFail as Bool>::outcome(KBox::alloc_bytes(backend, self.effective(flags), size.bytes()))
    }
}

/// A token of either kind, for generic code such as containers: the
/// operation is bounded by `C: Permits<F>`, so the rules of the token's
/// context apply. Sealed.
pub trait Context: sealed::Sealed {
    /// `gfp` as this context serves it (scope masks applied).
    fn serve(&self, gfp: Gfp) -> Gfp;
}

impl<M: Mask> sealed::Sealed for MaySleep<'_, M> {}
impl sealed::Sealed for NoWait<'_> {}
impl<M: Mask> sealed::Sealed for &MaySleep<'_, M> {}
impl<M: Mask> sealed::Sealed for &mut MaySleep<'_, M> {}
impl sealed::Sealed for &NoWait<'_> {}

impl<M: Mask> Context for MaySleep<'_, M> {
    #[inline(always)]
    fn serve(&self, gfp: Gfp) -> Gfp {
        state::current_gfp_context(gfp.without(M::CLEAR))
    }
}

impl Context for NoWait<'_> {
    #[inline(always)]
    fn serve(&self, gfp: Gfp) -> Gfp {
        state::current_gfp_context(gfp)
    }
}

/// What a `#[may_sleep]` function accepts as its token: a [`MaySleep`] by
/// value or `&mut`. Never a [`NoWait`].
///
/// The trait has no lifetime parameter so that the macros can write the
/// parameter as `cx: impl SleepContext` on stable (an anonymous lifetime in
/// argument-position `impl Trait` is not); the token's lifetime is the one
/// the argument outlives.
#[diagnostic::on_unimplemented(
    message = "`#[may_sleep]` function called from a `#[nowait]` context: `{Self}` is not a sleep token",
    label = "this context must not sleep, but the called function may",
    note = "a `NoWait` token stands for a context that must not sleep (a `#[nowait]` function, a spinlocked or interrupt section, a `nowait_scope`)",
    note = "fix: call the function before entering the atomic section, passing a `MaySleep` token (`&mut cx` or `cx.reborrow()`), or defer the work to a context that may sleep (a workqueue)",
    note = "a shared `&MaySleep` is not a sleep token either: pass `&mut cx` (a shared borrow could be copied into an atomic section; a unique one is frozen by it)"
)]
pub trait SleepContext: sealed::Sealed {
    /// The token.
    fn into_may_sleep<'a>(self) -> MaySleep<'a>
    where
        Self: 'a;
}

impl<M: Mask> SleepContext for MaySleep<'_, M> {
    #[inline(always)]
    fn into_may_sleep<'a>(self) -> MaySleep<'a>
    where
        Self: 'a,
    {
        MaySleep { _context: PhantomData }
    }
}

impl<M: Mask> SleepContext for &mut MaySleep<'_, M> {
    #[inline(always)]
    fn into_may_sleep<'a>(self) -> MaySleep<'a>
    where
        Self: 'a,
    {
        MaySleep { _context: PhantomData }
    }
}

/// What a `#[nowait]` function accepts as its token: either kind of token,
/// by value or by reference.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a context token",
    label = "a `#[nowait]` function takes a `NoWait` or `MaySleep` token first",
    note = "pass the caller's `cx` (a `NoWait`, a `MaySleep`, or a reference to one)"
)]
pub trait NoWaitContext: sealed::Sealed {
    /// The token.
    fn into_nowait<'a>(self) -> NoWait<'a>
    where
        Self: 'a;
}

/// Every token and every reference to one converts to a `NoWait`: a context
/// that may sleep may also choose not to.
macro_rules! nowait_context {
    ($($ty:ty),* $(,)?) => {$(
        impl<M: Mask> NoWaitContext for $ty {
            #[inline(always)]
            fn into_nowait<'a>(self) -> NoWait<'a>
            where
                Self: 'a,
            {
                NoWait { _context: PhantomData }
            }
        }
    )*};
}

nowait_context!(MaySleep<'_, M>, &MaySleep<'_, M>, &mut MaySleep<'_, M>);

impl NoWaitContext for NoWait<'_> {
    #[inline(always)]
    fn into_nowait<'a>(self) -> NoWait<'a>
    where
        Self: 'a,
    {
        NoWait { _context: PhantomData }
    }
}

impl NoWaitContext for &NoWait<'_> {
    #[inline(always)]
    fn into_nowait<'a>(self) -> NoWait<'a>
    where
        Self: 'a,
    {
        NoWait { _context: PhantomData }
    }
}

impl<M: Mask> core::fmt::Debug for MaySleep<'_, M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MaySleep(mask: {:#x})", M::CLEAR)
    }
}

impl core::fmt::Debug for NoWait<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NoWait")
    }
}

/// Entry points for the macros' `entry` form; not public API.
#[doc(hidden)]
pub mod entry {
    use super::*;

    /// `#[may_sleep(entry)]`: a `'static` sleep token after the run-time check.
    #[track_caller]
    #[inline]
    pub fn enter_may_sleep() -> MaySleep<'static> {
        state::might_sleep();
        MaySleep { _context: PhantomData }
    }

    /// `#[nowait(entry)]`: raises the atomic depth until dropped.
    #[must_use]
    pub struct NoWaitEntry {
        _section: AtomicSection,
    }

    impl NoWaitEntry {
        /// Enters the atomic section.
        #[inline]
        pub fn enter() -> NoWaitEntry {
            NoWaitEntry { _section: AtomicSection::enter() }
        }

        /// The section's token.
        #[inline(always)]
        pub fn token(&self) -> NoWait<'_> {
            NoWait { _context: PhantomData }
        }
    }
}
