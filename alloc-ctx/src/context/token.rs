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
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
//! use alloc_ctx::{flags::*, size::{KmallocMax, Size}};
//!
//! let size = Size::<KmallocMax>::new(256)?;
//! let buf = cx.alloc(GFP_KERNEL | __GFP_ZERO, size)?; // may sleep: fine here
//! assert!(buf.iter().all(|&b| b == 0));
//! cx.nowait_scope(|cx| {
//!     // Only non-blocking requests compile in here.
//!     let packet = cx.alloc(GFP_ATOMIC, size)?;
//!     assert_eq!(packet.len(), 256);
//!     Ok::<_, alloc_ctx::AllocError>(())
//! })?;
//! # Ok::<_, alloc_ctx::AllocError>(())
//! # }
//! ```
//!
//! The rules are checked by `cargo check`. A sleeping request in a nowait
//! scope does not compile:
//!
//! ```compile_fail,E0277
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
//! cx.nowait_scope(|nw| {
//!     // error: `GFP_KERNEL` may sleep (it contains `__GFP_DIRECT_RECLAIM`)
//!     let _ = nw.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap());
//! });
//! # }
//! ```
//!
//! While a non-sleeping token derived from the sleep token lives, the sleep
//! token is frozen:
//!
//! ```compile_fail,E0499
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::{MaySleep, flags::*, size::{KmallocMax, Size}};
//! let size = Size::<KmallocMax>::new(64).unwrap();
//! let nw = cx.nowait();
//! let _ = cx.alloc(GFP_KERNEL, size); // error: `*cx` is already borrowed by `nw`
//! let _ = nw.alloc(GFP_ATOMIC, size);
//! # }
//! ```

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use crate::vocab::flags::{Gfp, GfpFlags, bits};
use crate::vocab::rules::{AllowedIn, Permits};
use crate::vocab::typelevel::{Bool, False, True};

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
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// std::thread::scope(|s| { s.spawn(move || drop(cx)); });
/// # }
/// ```
///
/// and cannot escape the entry point:
///
/// ```compile_fail,E0521
/// fn keep(cx: &'static mut alloc_ctx::MaySleep) { /* … store it somewhere */ }
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// keep(cx); // error: borrowed data escapes (the token is a borrow for the entry's body only)
/// # }
/// ```
pub struct MaySleep {
    // `!Send`/`!Sync`; private: only this module creates one. The marker's
    // name is what rustc prints when a token is captured into code that may
    // run elsewhere (`NoWait::enter`, `irq::raise`, `#[nowait(entry)]`, a
    // thread), so the error names the rule instead of `*mut ()`.
    _not_send: PhantomData<dyn SleepTokenMustNotEnterAnotherContext>,
}

/// The `!Send`/`!Sync` marker of [`MaySleep`]: a sleep token stands for the
/// context that holds it, and must not reach an interrupt handler, another
/// thread or a section that may not sleep. rustc prints this name when one
/// is captured into such code.
pub(crate) trait SleepTokenMustNotEnterAnotherContext {}

/// The `!Send`/`!Sync` marker of [`NoWait`], as for [`MaySleep`]: a
/// `NoWait` token is tied to the section it was lent for.
pub(crate) trait NoWaitTokenMustNotLeaveItsSection {}

/// Proof that the current code runs in a context that must not sleep, or
/// at least does not need to: the context of a `#[nowait]` function, a
/// spinlock, an interrupt handler. Held as `&mut NoWait`.
///
/// Zero-sized, `!Send`, `!Sync`. Requests through it compile only with
/// non-blocking flags (`GFP_ATOMIC`, `GFP_NOWAIT`, …) and never with
/// `__GFP_NOFAIL`:
///
/// ```compile_fail,E0277
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, flags::*, size::{NofailMax, Size}};
/// let nw = cx.nowait();
/// // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
/// let _ = nw.alloc(GFP_ATOMIC | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
/// # }
/// ```
pub struct NoWait {
    _not_send: PhantomData<dyn NoWaitTokenMustNotLeaveItsSection>,
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
    /// Safe code gets its first sleep token where a kernel gets process
    /// context, and nowhere else: a program's `main` and a test
    /// (`#[may_sleep(entry)]`, `#[alloc_ctx::test]`), a thread's start
    /// (`alloc_ctx::thread::spawn`), a work item. This function is the
    /// `unsafe` form for glue that knows its context by other means.
    ///
    /// The token is a borrow that cannot leave `f`: it can be neither
    /// returned nor stored anywhere that outlives the call.
    ///
    /// ```
    /// use alloc_ctx::{KVec, MaySleep, flags::GFP_KERNEL};
    /// // SAFETY: the start of a program's `main` (this example's): no token
    /// // of this thread is live. (Safe code writes `#[may_sleep(entry)]`.)
    /// let ring = unsafe { MaySleep::enter(|cx| KVec::<u64>::with_capacity(64, GFP_KERNEL, cx)) }.unwrap();
    /// assert!(ring.capacity() >= 64);
    /// ```
    ///
    /// # Safety
    ///
    /// No token of the calling thread may be live: not inside a
    /// `nowait_scope`, a spinlock's section, a `#[nowait]` function, an
    /// interrupt handler or any closure one of them runs. There the new
    /// token would be one that nothing freezes, and the type system would
    /// let a `GFP_KERNEL` or `__GFP_NOFAIL` request through it. The run-time
    /// check below catches the atomic sections this crate knows of; the
    /// contract covers the rest (a kernel's own atomic contexts).
    ///
    /// # Panics
    ///
    /// Inside an atomic section, with the kernel's "BUG: sleeping function
    /// called from invalid context" message naming the caller; in debug
    /// builds also inside a `#[nowait]` function ("BUG: sleeping function
    /// called from a `#[nowait]` function").
    #[track_caller]
    #[inline]
    pub unsafe fn enter<R>(f: impl FnOnce(&mut MaySleep) -> R) -> R {
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
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*, size::{KmallocMax, Size}, in_atomic};
    /// let frame = cx.nowait_scope(|cx| {
    ///     assert!(in_atomic());
    ///     cx.alloc(GFP_ATOMIC, Size::<KmallocMax>::new(1500).unwrap()) // may fail: a `Result`
    /// });
    /// assert!(frame.is_ok() && !in_atomic());
    /// # }
    /// ```
    ///
    /// A `__GFP_NOFAIL` request inside does not compile, however small (the
    /// "NOFAIL loses" case, caught at type check):
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, flags::*, size::{NofailMax, Size}};
    /// cx.nowait_scope(|cx| {
    ///     // error: `__GFP_NOFAIL` cannot be honoured in a `#[nowait]` context
    ///     let _ = cx.alloc(GFP_NOWAIT | __GFP_NOFAIL, Size::<NofailMax>::of::<[u8; 64]>());
    /// });
    /// # }
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
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{flags::*};
    /// assert_eq!(cx.effective(GFP_KERNEL), GFP_KERNEL.gfp());
    /// cx.nofs(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOFS.gfp()));
    /// cx.noio(|cx| assert_eq!(cx.effective(GFP_KERNEL), GFP_NOIO.gfp()));
    /// # }
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
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{MaySleep, NoWait, flags::*, size::{KmallocMax, Size}};
    /// // error: `SleepTokenMustNotEnterAnotherContext` cannot be sent between threads safely
    /// // (the captured sleep token)
    /// NoWait::enter(|_| cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()));
    /// # }
    /// ```
    #[inline]
    pub fn enter<R>(f: impl FnOnce(&mut NoWait) -> R + Send) -> R {
        Self::enter_section(f)
    }

    /// [`enter`](Self::enter) without the `Send` bound, for the crate's own
    /// handlers (interrupt lines), which are `Send` where they are stored.
    #[inline]
    pub(crate) fn enter_section<R>(f: impl FnOnce(&mut NoWait) -> R) -> R {
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
    /// Whether the token's context may sleep (`True` for `MaySleep`),
    /// which decides the flags its requests may carry. (A bound that sets
    /// it, `Token<MaySleep = …>`, states a sleep capability that the
    /// `#[nowait]` parameter probe does not see; it is hidden for that
    /// reason too. A supertrait's associated type can be set through the
    /// subtrait, so moving it to the seal would not hide it.)
    #[doc(hidden)]
    type MaySleep: Bool;

    /// This token as a non-sleeping one (the same token for a `NoWait`).
    fn nowait(&mut self) -> &mut NoWait;
}

/// A token that may sleep: only [`MaySleep`]. What `#[may_sleep]`
/// functions take (`cx: &mut impl SleepToken`); its message is the error
/// for calling one from a context that must not sleep. Sealed. Its hidden
/// supertrait is the `#[nowait]` parameter probe's: a `#[nowait]` function
/// cannot take `&mut T` where `T: SleepToken`, however the bound is
/// written.
#[diagnostic::on_unimplemented(
    message = "`#[may_sleep]` function called from a `#[nowait]` context: `{Self}` is not a sleep token",
    label = "this context must not sleep, but the called function may",
    note = "a `NoWait` token stands for a context that must not sleep (a `#[nowait]` function, a spinlocked or interrupt section, a `nowait_scope`); what takes a sleep token may block: a `#[may_sleep]` function, or one of this crate's blocking operations (spawning or joining a thread, a workqueue's `new`/`flush`/`shutdown`, registering a shrinker, reclaim)",
    note = "fix: call the function before entering the atomic section, passing the caller's `MaySleep` token `cx`, or defer the work to a context that may sleep (a workqueue)"
)]
// `HoldsSleepToken` as a supertrait: a bound that implies `SleepToken` (a
// user trait with it as a supertrait, `impl<T: SleepToken>`) implies that
// the type holds a sleep token, so the `#[nowait]` parameter probe refuses
// `&mut T` under such a bound as it refuses `&mut MaySleep`.
pub trait SleepToken: Token + probe::HoldsSleepToken {
    /// The token itself.
    fn may_sleep(&mut self) -> &mut MaySleep;
}

// The rules each token enforces (see `crate::rules`): a `NoWait` request
// must not sleep, must not be NOFAIL and must not ask for a retry policy;
// a `MaySleep` request must be a consistent combination.
//
// One blanket impl over every token, from the token's `MaySleep` boolean
// (`crate::vocab::rules::AllowedIn`), so that generic code over `impl
// Token` may make non-blocking requests as it is, and generic code over
// `F: SleepFlags` / `F: NoWaitFlags` through a concrete token as before.
impl<C, F> Permits<F> for C
where
    C: Token + ?Sized,
    F: GfpFlags,
    F: AllowedIn<C::MaySleep>,
{
}

impl sealed::Sealed for MaySleep {}
impl sealed::Sealed for NoWait {}

impl Token for MaySleep {
    type MaySleep = True;
    #[inline(always)]
    fn nowait(&mut self) -> &mut NoWait {
        conjure()
    }
}

impl Token for NoWait {
    type MaySleep = False;
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

/// The check behind `#[nowait]`'s parameters: a parameter whose type is a
/// sleep token, whatever it is called, is refused at type check.
///
/// The probe asks about the parameter's *type*, as written in the
/// signature, through an associated constant:
/// `ParamProbe::<T>::ALLOC_CTX_VERDICT.verdict()` (a name no other trait
/// in scope is likely to have: two would be ambiguous). Path resolution prefers an
/// inherent item to a trait's, but an inherent impl whose bounds do not
/// hold is no candidate: `ParamProbe<T>`'s own constant exists only for
/// sleep-token types (and answers [`Refuse`]); for every other type the
/// path resolves to [`ProbeOther::ALLOC_CTX_VERDICT`] (answers [`Accept`]). The
/// refusal's `verdict` needs `T: NotASleepToken`, which no sleep token is,
/// and that bound's message is the rule. `verdict` is a `const fn`, so a
/// `#[nowait] const fn` is probed too.
///
/// Why a constant and a type, not a method call on the parameter's value:
/// the check then borrows nothing and adds no method search to the body,
/// which is what made it the costliest part of a `#[nowait]` function's
/// type check (BENCHMARKS.md, compile time).
#[doc(hidden)]
pub(crate) mod probe {
    use core::marker::PhantomData;

    use super::MaySleep;

    /// The type of a parameter under test.
    pub struct ParamProbe<T: ?Sized>(PhantomData<fn(&T)>);

    /// The types that are a sleep token or give access to one, at any
    /// depth: the token, and every pointer, cell, wrapper and collection
    /// of `core`, `alloc`, `std` and this crate listed here whose contents
    /// are one (the first type argument: a `Result`'s `Ok` side), the
    /// trait objects of `core`'s access traits, and `dyn Any`. This crate's
    /// containers implement it where they are defined (`containers`, a
    /// layer above). Not tuples or user structs: a trait bound cannot ask
    /// "any field holds one"; nor iterators or closures that yield one.
    pub trait HoldsSleepToken {}
    impl HoldsSleepToken for MaySleep {}
    /// Pointers and pointer-likes to `T`, and `T`'s own wrappers and
    /// collections, hold what `T` holds.
    macro_rules! holds_what_it_contains {
        ($($(#[$cfg:meta])* $holder:ty;)*) => {
            $($(#[$cfg])* impl<T: HoldsSleepToken + ?Sized> HoldsSleepToken for $holder {})*
        };
    }
    holds_what_it_contains! {
        &T;
        &mut T;
        *const T;
        *mut T;
        core::ptr::NonNull<T>;
        core::cell::Cell<T>;
        core::cell::RefCell<T>;
        core::cell::UnsafeCell<T>;
        core::cell::Ref<'_, T>;
        core::cell::RefMut<'_, T>;
        core::mem::ManuallyDrop<T>;
        #[cfg(feature = "alloc")] alloc::boxed::Box<T>;
        #[cfg(feature = "alloc")] alloc::rc::Rc<T>;
        #[cfg(feature = "alloc")] alloc::rc::Weak<T>;
        #[cfg(feature = "alloc")] alloc::sync::Arc<T>;
        #[cfg(feature = "alloc")] alloc::sync::Weak<T>;
        #[cfg(feature = "std")] std::sync::Mutex<T>;
        #[cfg(feature = "std")] std::sync::MutexGuard<'_, T>;
        #[cfg(feature = "std")] std::sync::RwLock<T>;
        #[cfg(feature = "std")] std::sync::RwLockReadGuard<'_, T>;
        #[cfg(feature = "std")] std::sync::RwLockWriteGuard<'_, T>;
    }
    impl<T: HoldsSleepToken> HoldsSleepToken for Option<T> {}
    impl<T: HoldsSleepToken, E> HoldsSleepToken for Result<T, E> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::pin::Pin<T> {}
    impl<T: HoldsSleepToken, const N: usize> HoldsSleepToken for [T; N] {}
    impl<T: HoldsSleepToken> HoldsSleepToken for [T] {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::cell::OnceCell<T> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::cmp::Reverse<T> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::panic::AssertUnwindSafe<T> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::num::Wrapping<T> {}
    impl<T: HoldsSleepToken> HoldsSleepToken for core::task::Poll<T> {}
    /// The `Break` side, as `Result`'s `Ok`.
    impl<B: HoldsSleepToken, C> HoldsSleepToken for core::ops::ControlFlow<B, C> {}
    /// A map holds what its values hold.
    #[cfg(feature = "alloc")]
    impl<K, V: HoldsSleepToken> HoldsSleepToken for alloc::collections::BTreeMap<K, V> {}
    #[cfg(feature = "std")]
    impl<K, V: HoldsSleepToken, S> HoldsSleepToken for std::collections::HashMap<K, V, S> {}
    /// A token as a trait object whose hidden `MaySleep` type says it may
    /// sleep.
    impl HoldsSleepToken for dyn super::Token<MaySleep = crate::vocab::typelevel::True> + '_ {}
    #[cfg(feature = "alloc")]
    impl<T: HoldsSleepToken> HoldsSleepToken for alloc::vec::Vec<T> {}
    #[cfg(feature = "alloc")]
    impl<T: HoldsSleepToken> HoldsSleepToken for alloc::collections::VecDeque<T> {}
    #[cfg(feature = "alloc")]
    impl<T: HoldsSleepToken> HoldsSleepToken for alloc::collections::LinkedList<T> {}
    #[cfg(feature = "std")]
    impl<T: HoldsSleepToken> HoldsSleepToken for std::sync::OnceLock<T> {}
    /// A `dyn Any` may be a sleep token (`downcast_mut::<MaySleep>()`):
    /// nothing in its type says it is not.
    impl HoldsSleepToken for dyn core::any::Any {}
    impl HoldsSleepToken for dyn core::any::Any + Send {}
    impl HoldsSleepToken for dyn core::any::Any + Send + Sync {}
    /// Trait objects of `core`'s access traits whose target holds one
    /// (`dyn DerefMut<Target = MaySleep>`, `dyn BorrowMut<MaySleep> + Send`).
    macro_rules! access_trait_objects {
        ($($access:path;)*) => {$(
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Send + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Sync + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Send + Sync + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Unpin + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Send + Unpin + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Sync + Unpin + 'a {}
            impl<'a, T: HoldsSleepToken + ?Sized> HoldsSleepToken for dyn $access + Send + Sync + Unpin + 'a {}
        )*};
    }
    access_trait_objects! {
        core::ops::Deref<Target = T>;
        core::ops::DerefMut<Target = T>;
        core::borrow::Borrow<T>;
        core::borrow::BorrowMut<T>;
        core::convert::AsRef<T>;
        core::convert::AsMut<T>;
    }

    /// The answer for a sleep token.
    pub struct Refuse<T: ?Sized>(PhantomData<fn(&T)>);
    /// The answer for every other type.
    pub struct Accept;

    /// Found first, when the type is a sleep token.
    impl<T: ?Sized + HoldsSleepToken> ParamProbe<T> {
        pub const ALLOC_CTX_VERDICT: Refuse<T> = Refuse(PhantomData);

        /// The same verdict, asked about a value: for an `impl Trait`
        /// parameter, whose type cannot be written in the body. Method
        /// lookup prefers this inherent method, when its bound holds, to
        /// the trait's. By value, so that no method of another trait taking
        /// `self` comes before it (lookup tries `self` before `&self`).
        #[inline(always)]
        pub fn alloc_ctx_verdict_of(self) -> Refuse<T> {
            Refuse(PhantomData)
        }
    }

    impl<T: ?Sized> ParamProbe<T> {
        /// The probe of a parameter's value (borrowed for the call only).
        #[inline(always)]
        pub fn of(value: &T) -> ParamProbe<T> {
            let _ = value;
            ParamProbe(PhantomData)
        }
    }

    /// Found otherwise (the expansion brings it into scope).
    pub trait ProbeOther {
        const ALLOC_CTX_VERDICT: Accept = Accept;

        /// The verdict about a value that is no sleep token.
        #[inline(always)]
        fn alloc_ctx_verdict_of(self) -> Accept
        where
            Self: Sized,
        {
            Accept
        }
    }
    impl<T: ?Sized> ProbeOther for ParamProbe<T> {}

    #[diagnostic::on_unimplemented(
        message = "a `#[nowait]` function cannot take a sleep token: this parameter is `{Self}`",
        label = "a sleep token, under whatever name, in a function that must be callable from atomic context",
        note = "a `#[nowait]` function must be callable where sleeping is forbidden; a sleep token reaching it would let it sleep there",
        note = "fix: take the work that sleeps out of the function (do it before the atomic section, or defer it to a workqueue), or mark the function `#[may_sleep]`"
    )]
    pub trait NotASleepToken {}

    impl<T: ?Sized> Refuse<T> {
        /// Fails to type-check: no sleep token is `NotASleepToken`.
        #[inline(always)]
        pub const fn verdict(self)
        where
            T: NotASleepToken,
        {
        }
    }

    impl Accept {
        /// Nothing to refuse.
        #[inline(always)]
        pub const fn verdict(self) {}
    }
}
