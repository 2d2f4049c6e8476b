//! Capability tokens: [`MaySleep`] and [`NoWait`].
//!
//! A token is a zero-sized proof of the context the code runs in. Requests
//! are made *through* a token, and the flags a request may carry depend on
//! the token's type (see [`crate::rules`]).
//!
//! # One way to pass a token
//!
//! Code never owns a token: it holds a **`&mut` reference** to one, named
//! `cx`, and passes `cx` on, as one more argument of an otherwise ordinary
//! call. Rust reborrows a `&mut` argument implicitly, so `cx` stays usable
//! after each call:
//!
//! | code | holds | passes |
//! |---|---|---|
//! | `#[may_sleep]` fn, `MaySleep::enter(\|cx\| …)`, `nofs`/`noio` scopes | `cx: &mut MaySleep` | `cx` |
//! | `#[nowait]` fn, spinlock guard (`guard.token()`), `nowait_scope`, `NoWait::enter` | `cx: &mut NoWait` | `cx` |
//!
//! A `&mut MaySleep` is accepted wherever a `&mut NoWait` is (a context
//! that may sleep may also choose not to): it dereferences to one, and the
//! generic parameters of `#[nowait]` functions, containers and locks take
//! either. The reverse never compiles.
//!
//! # Why `&mut`: a frozen token cannot sleep through any borrow
//!
//! Sleeping takes the sleep token **exclusively** (`&mut MaySleep`), and so
//! does everything that derives a non-sleeping section from it: `nowait()`,
//! a spinlock, `nowait_scope`. While such a section lives, the borrow
//! checker lets nothing else reach the token, so no sleeping request, mutex,
//! mempool wait or reclaim can be made through it or any borrow of it. A
//! shared `&MaySleep` can do nothing that sleeps.
//!
//! ```
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
//!
//! MaySleep::enter(|cx| {
//!     let size = Size::<KmallocMax>::new(256)?;
//!     let buf = cx.alloc(GFP_KERNEL | __GFP_ZERO, size)?; // may sleep: fine here
//!     assert!(buf.iter().all(|&b| b == 0));
//!     cx.nowait_scope(|cx| {
//!         // Only non-blocking requests compile in here.
//!         let packet = cx.alloc(GFP_ATOMIC, size)?;
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
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
//! MaySleep::enter(|cx| {
//!     cx.nowait_scope(|nw| {
//!         // error: `GFP_KERNEL` may sleep (it contains `__GFP_DIRECT_RECLAIM`)
//!         let _ = nw.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap());
//!     });
//! });
//! ```
//!
//! While a non-sleeping token derived from the sleep token lives, the sleep
//! token is frozen:
//!
//! ```compile_fail,E0499
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
//! MaySleep::enter(|cx| {
//!     let size = Size::<KmallocMax>::new(64).unwrap();
//!     let nw = cx.nowait();
//!     let _ = cx.alloc(GFP_KERNEL, size); // error: `*cx` is already borrowed by `nw`
//!     let _ = nw.alloc(GFP_ATOMIC, size);
//! });
//! ```

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::vocab::flags::{Gfp, GfpFlags, bits};
use crate::vocab::rules::{NoFailConsistent, NoFailNeedsReclaim, NonSleeping, NotNoFail, Permits, RetryNeedsReclaim};

use crate::context::state::{self, AtomicSection};

mod sealed {
    // A seal: unnameable outside its module on purpose, so that only this
    // crate implements the traits it seals (`unnameable_types` flags every
    // seal).
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// Proof that the current code may sleep (block, enter direct reclaim,
/// wait for I/O). Held as `&mut MaySleep`.
///
/// * Zero-sized, not `Copy`/`Clone`, `!Send`, `!Sync`.
/// * Handed out only by the run-time-checked entry point
///   [`MaySleep::enter`] (which `#[may_sleep(entry)]` uses), which panics
///   inside an atomic section, and by the `unsafe` [`MaySleep::assume`];
///   either way as a `&mut` borrow that cannot outlive the call.
/// * The NOFS/NOIO scope of the code holding it is thread state
///   ([`MaySleep::nofs`], [`MaySleep::noio`]), as the kernel's
///   `current->flags`, so a masked token is accepted wherever a plain one is.
///
/// A `MaySleep` cannot be forged in safe code:
///
/// ```compile_fail,E0451
/// let cx = alloc_ctx::MaySleep { _not_send: core::marker::PhantomData };
/// ```
///
/// cannot leave its thread:
///
/// ```compile_fail,E0277
/// alloc_ctx::MaySleep::enter(|cx| {
///     std::thread::scope(|s| { s.spawn(move || drop(cx)); });
/// });
/// ```
///
/// and cannot escape the entry point:
///
/// ```compile_fail
/// let cx = alloc_ctx::MaySleep::enter(|cx| cx); // error: lifetime may not live long enough
/// ```
pub struct MaySleep {
    // `*mut ()`: `!Send`/`!Sync`; private: only this module creates one.
    _not_send: PhantomData<*mut ()>,
}

/// Proof that the current code runs in a context that must not sleep, or
/// at least does not need to: the context of a `#[nowait]` function, a
/// spinlock, an interrupt handler. Held as `&mut NoWait`.
///
/// Zero-sized, `!Send`, `!Sync`. Requests through it compile only with
/// non-blocking flags (`GFP_ATOMIC`, `GFP_NOWAIT`, …) and never with
/// `__GFP_NOFAIL`:
///
/// ```compile_fail,E0277
/// use alloc_ctx::{MaySleep, flags::*, size::{NofailMax, Size}};
/// MaySleep::enter(|cx| {
///     let nw = cx.nowait();
///     // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
///     let _ = nw.alloc(GFP_ATOMIC | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
/// });
/// ```
pub struct NoWait {
    _not_send: PhantomData<*mut ()>,
}

/// A `&mut` to a zero-sized token, for any lifetime.
///
/// Tokens are never stored anywhere: they are zero-sized, so a reference
/// to one carries no address worth having, only its lifetime, which is
/// what the borrow checker tracks.
#[inline(always)]
fn conjure<'a, T: Token>() -> &'a mut T {
    const { assert!(core::mem::size_of::<T>() == 0) };
    // SAFETY: `T` is zero-sized (asserted above), so a dangling, aligned,
    // non-null pointer is valid for reads and writes of it, and references
    // to zero-sized values cannot alias any memory. Whether a token may
    // exist at all is decided by the (checked or `unsafe`) callers.
    unsafe { NonNull::<T>::dangling().as_mut() }
}

impl MaySleep {
    /// Runs `f` with a sleep token, after checking at run time that the
    /// current thread may sleep (the kernel's `might_sleep()`).
    ///
    /// The token is a borrow that cannot leave `f`: it can be neither
    /// returned nor stored anywhere that outlives the call.
    ///
    /// ```
    /// use alloc_ctx::{KVec, MaySleep, flags::GFP_KERNEL};
    /// let ring = MaySleep::enter(|cx| KVec::<u64>::with_capacity(64, GFP_KERNEL, cx)).unwrap();
    /// assert!(ring.capacity() >= 64);
    /// ```
    ///
    /// # Panics
    ///
    /// Inside an atomic section, with the kernel's "BUG: sleeping function
    /// called from invalid context" message naming the caller; in debug
    /// builds also inside a `#[nowait]` function ("BUG: sleeping function
    /// called from a `#[nowait]` function").
    #[track_caller]
    #[inline]
    pub fn enter<R>(f: impl FnOnce(&mut MaySleep) -> R) -> R {
        state::might_sleep();
        f(conjure())
    }

    /// A sleep token without any check.
    ///
    /// For FFI and kernel glue that knows its context by other means (in a
    /// kernel: process context, `preemptible()`, no spinlock held).
    ///
    /// # Safety
    ///
    /// The calling thread must be allowed to block for all of `'a`: not in
    /// an interrupt handler, not holding a spinlock, not in an RCU read-side
    /// section, preemption enabled. `'a` is unconstrained: bind it to a
    /// scope of the caller (never let it be inferred as `'static`). The type
    /// system, the run-time checks and the NOFAIL retry loop of this crate
    /// trust the token; a wrong one turns a compile-time guarantee into a
    /// deadlock or a scheduling-while-atomic bug in the environment.
    #[inline(always)]
    pub unsafe fn assume<'a>() -> &'a mut MaySleep {
        conjure()
    }

    /// A non-sleeping token borrowed from this one, for calling code that
    /// takes a `&mut NoWait`. While it lives, this token is frozen.
    ///
    /// This does not enter an atomic section (use
    /// [`nowait_scope`](Self::nowait_scope) for that): the context may still
    /// sleep, it just does not need to. Passing `cx` where a `&mut NoWait`
    /// is expected does the same implicitly.
    #[inline(always)]
    pub fn nowait(&mut self) -> &mut NoWait {
        conjure()
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
    /// use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}, in_atomic};
    /// MaySleep::enter(|cx| {
    ///     let frame = cx.nowait_scope(|cx| {
    ///         assert!(in_atomic());
    ///         cx.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(1500).unwrap()) // may fail: a `Result`
    ///     });
    ///     assert!(frame.is_ok() && !in_atomic());
    /// });
    /// ```
    ///
    /// A `__GFP_NOFAIL` request inside does not compile, however small (the
    /// "NOFAIL loses" case, caught at type check):
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, flags::*, size::{NofailMax, Size}};
    /// MaySleep::enter(|cx| {
    ///     cx.nowait_scope(|cx| {
    ///         // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
    ///         let _ = cx.alloc(GFP_NOWAIT | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
    ///     });
    /// });
    /// ```
    #[inline]
    pub fn nowait_scope<R>(&mut self, f: impl FnOnce(&mut NoWait) -> R) -> R {
        let _section = AtomicSection::enter();
        f(conjure())
    }

    /// Runs `f` in a NOFS scope (`memalloc_nofs_save()`): every request in
    /// it is served without `__GFP_FS`, so `GFP_KERNEL` becomes `GFP_NOFS`.
    ///
    /// The mask is thread state (restored on unwind), which requests and
    /// reclaim consult, as the kernel's `current_gfp_context()` does; the
    /// token `f` receives is an ordinary `&mut MaySleep`.
    #[inline]
    pub fn nofs<R>(&mut self, f: impl FnOnce(&mut MaySleep) -> R) -> R {
        let _scope = state::mask_scope(bits::FS);
        f(self)
    }

    /// Runs `f` in a NOIO scope (`memalloc_noio_save()`): every request in
    /// it is served without `__GFP_IO | __GFP_FS`, so `GFP_KERNEL` becomes
    /// `GFP_NOIO`.
    #[inline]
    pub fn noio<R>(&mut self, f: impl FnOnce(&mut MaySleep) -> R) -> R {
        let _scope = state::mask_scope(bits::FS | bits::IO);
        f(self)
    }

    /// The flags as this context serves them: `flags` minus the thread's
    /// current NOFS/NOIO scope mask.
    ///
    /// ```
    /// use alloc_ctx::{MaySleep, flags::*};
    /// MaySleep::enter(|cx| {
    ///     assert_eq!(cx.effective(GFP_KERNEL), GFP_KERNEL.gfp());
    ///     cx.nofs(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOFS.gfp()));
    ///     cx.noio(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOIO.gfp()));
    /// });
    /// ```
    #[inline(always)]
    pub fn effective<F: GfpFlags>(&self, flags: F) -> Gfp {
        state::current_gfp_context(flags.gfp())
    }
}

impl NoWait {
    /// Runs `f` as an atomic section with a non-sleeping token: the
    /// thread's atomic depth is raised for the call (restored on unwind),
    /// so a sleeping entry point or request reached from inside panics. For
    /// interrupt handlers and other code entered from outside a
    /// token-carrying caller.
    ///
    /// `f` must be `Send`, as an interrupt handler's data must be: that
    /// also keeps a captured sleep token (which is `!Send`) out of it.
    ///
    /// ```
    /// use alloc_ctx::{NoWait, flags::*, size::{KmallocMax, Size}};
    /// let rx = NoWait::enter(|cx| cx.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(64).unwrap()));
    /// assert!(rx.is_ok());
    /// ```
    ///
    /// ```compile_fail,E0277
    /// use alloc_ctx::{MaySleep, NoWait, flags::*, size::{KmallocMax, Size}};
    /// MaySleep::enter(|cx| {
    ///     // error: `*mut ()` cannot be sent between threads safely (the captured sleep token)
    ///     NoWait::enter(|_| cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()));
    /// });
    /// ```
    #[inline]
    pub fn enter<R>(f: impl FnOnce(&mut NoWait) -> R + Send) -> R {
        Self::enter_section(f)
    }

    /// [`enter`](Self::enter) without the `Send` bound: what
    /// `#[nowait(entry)]` expands to, whose body may use the function's
    /// non-`Send` parameters. A sleep token reached from inside is still
    /// caught at run time (the atomic depth is raised).
    #[doc(hidden)]
    #[inline]
    pub fn enter_section<R>(f: impl FnOnce(&mut NoWait) -> R) -> R {
        let _section = AtomicSection::enter();
        f(conjure())
    }

    /// A non-sleeping token without raising the atomic depth.
    ///
    /// # Safety
    ///
    /// `'a` is unconstrained: the token must not outlive the section it
    /// stands for, so bind it to a scope of the caller. The caller must
    /// keep the thread's bookkeeping right: code that relies on
    /// [`state::in_atomic`] (the entry points' `might_sleep()` check) will
    /// not see this section unless the caller raised the depth itself.
    #[inline(always)]
    pub unsafe fn assume<'a>() -> &'a mut NoWait {
        conjure()
    }

    /// A token for any lifetime, for the lock guards of this crate, whose
    /// section's bookkeeping is their own.
    #[inline(always)]
    pub(crate) fn for_section<'a>() -> &'a mut NoWait {
        conjure()
    }

    /// The flags as this context serves them (the thread's scope mask
    /// applied; non-blocking flags never reclaim, so this is mostly `flags`).
    #[inline(always)]
    pub fn effective<F: GfpFlags>(&self, flags: F) -> Gfp {
        state::current_gfp_context(flags.gfp())
    }
}

/// A `&mut MaySleep` is a `&mut NoWait` too: a context that may sleep may
/// also choose not to. This is what lets `cx` be passed to a function that
/// takes `&mut NoWait`; the borrow freezes the sleep token meanwhile.
impl Deref for MaySleep {
    type Target = NoWait;
    #[inline(always)]
    fn deref(&self) -> &NoWait {
        conjure()
    }
}

impl DerefMut for MaySleep {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut NoWait {
        conjure()
    }
}

/// Any context token: [`MaySleep`] or [`NoWait`]. What `#[nowait]`
/// functions, containers and locks take (as `cx: &mut impl Token`, or
/// `cx: &mut C` with `C: Token`). Sealed.
///
/// Generic code makes non-blocking requests and calls `&mut NoWait`
/// helpers through [`Token::nowait`]:
///
/// ```
/// use alloc_ctx::{KVec, Token, flags::GFP_ATOMIC};
/// fn log_event(events: &mut KVec<u32>, event: u32, cx: &mut impl Token) -> bool {
///     events.push(event, GFP_ATOMIC, cx.nowait()).is_ok()
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a context token",
    label = "expected `&mut MaySleep` or `&mut NoWait` here",
    note = "pass the caller's token `cx` (a `&mut MaySleep` or `&mut NoWait`)"
)]
pub trait Token: sealed::Sealed {
    /// This token as a non-sleeping one (the same token for a `NoWait`).
    fn nowait(&mut self) -> &mut NoWait;
}

/// A token that may sleep: only [`MaySleep`]. What `#[may_sleep]`
/// functions take (`cx: &mut impl SleepToken`); its message is the error
/// for calling one from a context that must not sleep. Sealed.
#[diagnostic::on_unimplemented(
    message = "`#[may_sleep]` function called from a `#[nowait]` context: `{Self}` is not a sleep token",
    label = "this context must not sleep, but the called function may",
    note = "a `NoWait` token stands for a context that must not sleep (a `#[nowait]` function, a spinlocked or interrupt section, a `nowait_scope`)",
    note = "fix: call the function before entering the atomic section, passing the caller's `MaySleep` token `cx`, or defer the work to a context that may sleep (a workqueue)"
)]
pub trait SleepToken: Token {
    /// The token itself.
    fn may_sleep(&mut self) -> &mut MaySleep;
}

// The rules each token enforces (see `crate::rules`): a `NoWait` request
// must not sleep, must not be NOFAIL and must not ask for a retry policy;
// a `MaySleep` request must be a consistent combination.
impl<F> Permits<F> for NoWait where F: NonSleeping + NotNoFail + RetryNeedsReclaim {}
impl<F> Permits<F> for MaySleep where F: NoFailNeedsReclaim + RetryNeedsReclaim + NoFailConsistent {}

impl sealed::Sealed for MaySleep {}
impl sealed::Sealed for NoWait {}

impl Token for MaySleep {
    #[inline(always)]
    fn nowait(&mut self) -> &mut NoWait {
        conjure()
    }
}

impl Token for NoWait {
    #[inline(always)]
    fn nowait(&mut self) -> &mut NoWait {
        self
    }
}

impl SleepToken for MaySleep {
    #[inline(always)]
    fn may_sleep(&mut self) -> &mut MaySleep {
        self
    }
}

impl core::fmt::Debug for MaySleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "MaySleep(scope mask: {:#x})", state::scope_mask())
    }
}

impl core::fmt::Debug for NoWait {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("NoWait")
    }
}

/// The flags of a request made through `cx`, as the request path takes
/// them: as asked. The token only proves the request may be made; the
/// thread's NOFS/NOIO scope mask (the kernel's `current_gfp_context()`) is
/// applied by the request path where the flags are read (a backend, the
/// retry loop, reclaim, the error), so a request to a backend that ignores
/// them reads no thread state for it.
#[inline(always)]
pub(crate) fn served<C: Token + ?Sized>(cx: &C, gfp: Gfp) -> Gfp {
    let _ = cx;
    gfp
}
