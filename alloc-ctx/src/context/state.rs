//! The run-time context state: atomic depth, scope mask and the simulated
//! local-interrupt flag ([`crate::irq`]).
//!
//! The type system carries the rules; this state backs them where types
//! cannot see: at the entry points that create the first token (a
//! `MaySleep` created inside an atomic section panics, like the kernel's
//! `might_sleep()`), at every request that may sleep when [`CHECKS`] are
//! on (a sleep token captured into a token-less section, a leaked lock
//! guard, an `unsafe`-assumed token), and for every request and the reclaim path,
//! which serve flags with the NOFS/NOIO mask of the *current* section: the
//! mask is thread state, not part of the token's type (the kernel's
//! `current_gfp_context()`).
//!
//! Under `std` the state is thread-local. Without `std` it is one global per
//! program, which is right for single-core firmware; kernel or RTOS glue with
//! several CPUs should instead create tokens from its own per-CPU state
//! (`preempt_count()`) through the `unsafe` `assume` constructors.
//!
//! Every change is made through a guard whose `Drop` restores the previous
//! value, so the state stays balanced when a section unwinds.

use crate::vocab::gfp::{Gfp, bits};

/// Whether the request path checks its context at run time: in debug
/// builds of this crate, and in release builds whose final binary sets
/// `--cfg alloc_ctx_checks` (in `RUSTFLAGS`). A build-level cfg rather
/// than a Cargo feature, because features are additive: any dependency
/// could turn a feature on for the whole build, while the checks are the
/// final binary's choice (the kernel's `CONFIG_DEBUG_ATOMIC_SLEEP`).
/// Off, a sleeping request does not read the atomic depth and a
/// non-blocking one sets no in-request mark: the request path is the
/// backend call and nothing else.
pub(crate) const CHECKS: bool = cfg!(any(debug_assertions, alloc_ctx_checks));

/// The fields of the thread's context state, each a `u32`.
mod field {
    /// Open atomic sections (spinlocks, handlers, nowait scopes).
    pub(crate) const ATOMIC_DEPTH: usize = 0;
    /// The NOFS/NOIO bits the current section clears from requests.
    pub(crate) const SCOPE_MASK: usize = 1;
    /// Open interrupt-disabling sections (irq-save locks, handlers).
    pub(crate) const IRQ_DISABLE_DEPTH: usize = 2;
    /// `#[nowait]` functions on the stack (debug builds).
    pub(crate) const NOWAIT_MARKS: usize = 3;
    /// Non-blocking token requests in progress (for the checking allocator,
    /// which exists with `std` and [`CHECKS`](super::CHECKS) on).
    pub(crate) const IN_REQUEST: usize = 4;
    /// Interrupt handlers running on this thread's stack (`irq::raise`, an
    /// `irq::Line`): hard interrupt context, for the lock checks.
    pub(crate) const HARDIRQ_DEPTH: usize = 5;
    /// How many there are.
    pub(crate) const COUNT: usize = 6;
}
pub(crate) use field::{ATOMIC_DEPTH, HARDIRQ_DEPTH, IN_REQUEST, IRQ_DISABLE_DEPTH, NOWAIT_MARKS, SCOPE_MASK};

/// With `std`: one thread-local holding every field, so that code reading
/// or changing several of them computes the thread-local's address once
/// (one `__tls_get_addr` in a shared library, not one per field). A thread
/// is a CPU here. x86-64 Linux with glibc has its own version below.
#[cfg(all(
    feature = "std",
    not(feature = "per-core"),
    not(all(target_arch = "x86_64", target_pointer_width = "64", target_os = "linux", target_env = "gnu", not(miri)))
))]
mod storage {
    use core::cell::Cell;

    use super::field::COUNT;

    std::thread_local! {
        static STATE: Cell<[u32; COUNT]> = const { Cell::new([0; COUNT]) };
    }

    // `try_with`: the checking global allocator reads the state on every
    // allocation, including those made by TLS destructors, and a lock may
    // be taken from one; the state then reads as all zero.
    #[inline(always)]
    pub(super) fn get<const FIELD: usize>() -> u32 {
        STATE.try_with(|state| state.get()[FIELD]).unwrap_or(0)
    }
    #[inline(always)]
    pub(super) fn set<const FIELD: usize>(value: u32) {
        let _ = STATE.try_with(|state| {
            let mut fields = state.get();
            fields[FIELD] = value;
            state.set(fields);
        });
    }
    #[inline(always)]
    pub(super) fn add<const FIELD: usize, const DELTA: i32>() {
        set::<FIELD>(get::<FIELD>().wrapping_add_signed(DELTA));
    }
    #[inline]
    pub(super) fn all() -> [u32; COUNT] {
        STATE.try_with(Cell::get).unwrap_or([0; COUNT])
    }
    #[inline]
    pub(super) fn set_all(fields: [u32; COUNT]) {
        let _ = STATE.try_with(|state| state.set(fields));
    }
}

/// With `std` on x86-64 Linux with glibc (not under Miri): the same fields
/// in a thread-local defined in assembly and reached with the initial-exec
/// TLS model, the thread pointer (`%fs`) plus an offset the dynamic linker
/// stores in the GOT: two instructions per access. Rust's `thread_local!`
/// is general-dynamic in any code that may end up in a shared library, and
/// there every function that touches it calls `__tls_get_addr` (13
/// instructions); with checks on that is every request. Stable Rust cannot
/// choose another model for it. In an executable the linker turns the GOT
/// load into a constant (local-exec): the instructions `thread_local!`
/// gets there too.
///
/// The price is for shared libraries loaded with `dlopen`: initial-exec
/// makes glibc place the library's whole TLS block (these 24 bytes and
/// whatever else the library keeps per thread) in the static TLS area,
/// which keeps a small surplus for such libraries (the
/// `glibc.rtld.optional_static_tls` tunable, 512 bytes by default); one
/// linked at start-up needs none of it. Should the surplus be used up,
/// `dlopen` fails with "cannot allocate memory in static TLS block" and
/// loads nothing: the state is never shared or lost. `runtime-bench`'s
/// smoke run (benches/runtime, run by CI) loads such a library and checks
/// that each thread, including one started before the `dlopen`, has its
/// own state, starting at zero.
///
/// Plain memory without a destructor: unlike `thread_local!` it is there
/// until the thread has exited (no "state is gone" case), and a new thread
/// starts with zeros (`.tbss`).
#[cfg(all(
    feature = "std",
    not(feature = "per-core"),
    target_arch = "x86_64",
    target_pointer_width = "64",
    target_os = "linux",
    target_env = "gnu",
    not(miri)
))]
mod storage {
    use core::arch::{asm, global_asm};

    use super::field::COUNT;

    /// The symbol, quoted for the assembler: hidden (never exported from
    /// a shared library) and named with this crate's version, so that two
    /// semver-incompatible copies of alloc-ctx in one program keep
    /// separate state, as their `thread_local!`s would. Weak: two copies
    /// of one version (from two sources: a path and a registry) link, and
    /// share the state, whose layout is the version's, instead of failing
    /// with a duplicate symbol.
    macro_rules! state {
        () => {
            concat!("\"alloc_ctx_context_state_", env!("CARGO_PKG_VERSION"), "\"")
        };
    }

    global_asm!(
        concat!(".weak ", state!()),
        concat!(".hidden ", state!()),
        concat!(".type ", state!(), ",@object"),
        concat!(".size ", state!(), ",{bytes}"),
        ".pushsection .tbss,\"awT\",@nobits",
        ".p2align 2",
        concat!(state!(), ":"),
        ".zero {bytes}",
        ".popsection",
        bytes = const COUNT * 4,
    );

    /// The state's offset from the thread pointer, the same on every
    /// thread: `pure`, so the compiler may compute it once per function or
    /// hoist it out of a loop.
    #[inline(always)]
    fn offset() -> usize {
        let offset: usize;
        // SAFETY: reads the GOT entry the linker made for the symbol
        // above (an initial-exec TLS relocation); no other effect.
        unsafe {
            asm!(
                concat!("mov {offset}, qword ptr [rip + ", state!(), "@GOTTPOFF]"),
                offset = out(reg) offset,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        offset
    }

    #[inline(always)]
    pub(super) fn get<const FIELD: usize>() -> u32 {
        const { assert!(FIELD < COUNT) };
        let value: u32;
        // SAFETY: `%fs:offset` is the current thread's copy of the 24
        // bytes above (x86-64 TLS: the thread pointer is `%fs`'s base);
        // `FIELD * 4` is inside it and 4-aligned. Only this module reads or
        // writes it, through these asm blocks, so no Rust reference to it
        // exists.
        unsafe {
            asm!(
                "mov {value:e}, dword ptr fs:[{offset} + {field}]",
                offset = in(reg) offset(),
                field = const FIELD * 4,
                value = out(reg) value,
                options(pure, readonly, nostack, preserves_flags),
            );
        }
        value
    }
    #[inline(always)]
    pub(super) fn set<const FIELD: usize>(value: u32) {
        const { assert!(FIELD < COUNT) };
        // SAFETY: as `get`; a store to this thread's copy, which no other
        // thread accesses.
        unsafe {
            asm!(
                "mov dword ptr fs:[{offset} + {field}], {value:e}",
                offset = in(reg) offset(),
                field = const FIELD * 4,
                value = in(reg) value,
                options(nostack, preserves_flags),
            );
        }
    }
    /// Adds `DELTA` to a field, wrapping: one instruction.
    #[inline(always)]
    pub(super) fn add<const FIELD: usize, const DELTA: i32>() {
        const { assert!(FIELD < COUNT) };
        // SAFETY: as `set`.
        unsafe {
            asm!(
                "add dword ptr fs:[{offset} + {field}], {delta}",
                offset = in(reg) offset(),
                field = const FIELD * 4,
                delta = const DELTA,
                options(nostack),
            );
        }
    }
    const _: () = assert!(COUNT == 6, "all/set_all list every field");
    #[inline]
    pub(super) fn all() -> [u32; COUNT] {
        [get::<0>(), get::<1>(), get::<2>(), get::<3>(), get::<4>(), get::<5>()]
    }
    #[inline]
    pub(super) fn set_all(fields: [u32; COUNT]) {
        let [f0, f1, f2, f3, f4, f5] = fields;
        set::<0>(f0);
        set::<1>(f1);
        set::<2>(f2);
        set::<3>(f3);
        set::<4>(f4);
        set::<5>(f5);
    }
}

/// Without `std` (or with `per-core`): one set of fields per core, the
/// kernel's per-CPU `preempt_count()`. The core is
/// [`crate::percpu::core_id`] (always 0 without the `per-core` feature:
/// one global set, right for single-core firmware). Loads and stores only
/// (no read-modify-write), so this builds on targets without
/// compare-and-swap: each core changes only its own fields, and an
/// interrupt on that core restores what it changed before it returns.
#[cfg(any(not(feature = "std"), feature = "per-core"))]
mod storage {
    use core::sync::atomic::{AtomicU32, Ordering};

    use super::field::COUNT;
    use crate::context::percpu::{MAX_CORES, core_id};

    static STATE: [[AtomicU32; COUNT]; MAX_CORES] = [const { [const { AtomicU32::new(0) }; COUNT] }; MAX_CORES];

    #[inline(always)]
    fn fields() -> &'static [AtomicU32; COUNT] {
        &STATE[core_id()]
    }
    #[inline(always)]
    pub(super) fn get<const FIELD: usize>() -> u32 {
        fields()[FIELD].load(Ordering::Relaxed)
    }
    #[inline(always)]
    pub(super) fn set<const FIELD: usize>(value: u32) {
        fields()[FIELD].store(value, Ordering::Relaxed);
    }
    #[inline(always)]
    pub(super) fn add<const FIELD: usize, const DELTA: i32>() {
        set::<FIELD>(get::<FIELD>().wrapping_add_signed(DELTA));
    }
    #[cfg(feature = "std")]
    #[inline]
    pub(super) fn all() -> [u32; COUNT] {
        let fields = fields();
        core::array::from_fn(|field| fields[field].load(Ordering::Relaxed))
    }
    #[cfg(feature = "std")]
    #[inline]
    pub(super) fn set_all(values: [u32; COUNT]) {
        for (field, value) in fields().iter().zip(values) {
            field.store(value, Ordering::Relaxed);
        }
    }
}

/// Raises a counting field (`ATOMIC_DEPTH`, `IRQ_DISABLE_DEPTH`,
/// `NOWAIT_MARKS`) by one until dropped. Named by the macros' expansion
/// through `alloc_ctx::__private` (not public API).
///
/// A count rather than a saved value, so that guards may end in any order
/// (two spinlock guards dropped in the order they were taken); saturating,
/// so a count reset by the workqueue under a leaked guard stays at zero.
#[must_use = "the section ends when the guard is dropped"]
pub(crate) struct Raised<const FIELD: usize> {
    // The count belongs to this thread.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<const FIELD: usize> Raised<FIELD> {
    /// Raises the count.
    #[inline(always)]
    pub(crate) fn enter() -> Raised<FIELD> {
        storage::set::<FIELD>(raised(storage::get::<FIELD>(), FIELD));
        Raised { _not_send: core::marker::PhantomData }
    }
}

/// `count + 1`, or a panic (release builds too) rather than a silent wrap
/// to 0, which would turn every section on the thread into "may sleep".
/// Nothing is raised when it panics, so the state stays balanced.
#[inline(always)]
#[track_caller]
pub(crate) fn raised(count: u32, field: usize) -> u32 {
    match count.checked_add(1) {
        Some(count) => count,
        None => count_overflow(field),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn count_overflow(field: usize) -> ! {
    let what = match field {
        ATOMIC_DEPTH => "atomic depth",
        IRQ_DISABLE_DEPTH => "interrupt-disable depth",
        _ => "#[nowait] mark count",
    };
    panic!(
        "BUG: the {what} of this thread would pass u32::MAX: a section is entered in a loop \
         and its guard leaked (`mem::forget`); the section was not entered"
    );
}

impl<const FIELD: usize> Drop for Raised<FIELD> {
    #[inline(always)]
    fn drop(&mut self) {
        storage::set::<FIELD>(storage::get::<FIELD>().saturating_sub(1));
    }
}

/// Sets a field ([`SCOPE_MASK`]) until dropped, then
/// restores its previous value: nested scopes combine, and unwinding
/// restores them in order.
#[must_use = "the scope ends when the guard is dropped"]
pub(crate) struct Set<const FIELD: usize> {
    previous: u32,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl<const FIELD: usize> Set<FIELD> {
    /// Sets the field to `value`.
    #[inline(always)]
    pub(crate) fn enter(value: u32) -> Set<FIELD> {
        let previous = storage::get::<FIELD>();
        storage::set::<FIELD>(value);
        Set { previous, _not_send: core::marker::PhantomData }
    }
}

impl<const FIELD: usize> Drop for Set<FIELD> {
    #[inline(always)]
    fn drop(&mut self) {
        storage::set::<FIELD>(self.previous);
    }
}

/// An atomic section: raises the atomic depth until dropped.
pub(crate) type AtomicSection = Raised<ATOMIC_DEPTH>;

/// Marks the thread as running a `#[nowait]` function until dropped, so
/// that [`might_sleep`] fires inside it even when its caller could sleep.
/// Emitted by `#[nowait]` in every function; it marks only in debug builds
/// of alloc-ctx and is nothing otherwise, so the expansion needs no
/// `#[cfg]` of its own (a statement attribute that every `cargo check`
/// would pay for). Not with `--cfg alloc_ctx_checks` alone: reading the
/// mark would add a second thread-local read to every sleeping request of
/// a release build with checks on.
#[doc(hidden)]
#[must_use = "the mark ends when the guard is dropped"]
pub struct NoWaitMark {
    _raised: Option<Raised<NOWAIT_MARKS>>,
}

impl NoWaitMark {
    /// Marks the thread, in debug builds.
    #[inline(always)]
    pub fn enter() -> NoWaitMark {
        NoWaitMark { _raised: if cfg!(debug_assertions) { Some(Raised::enter()) } else { None } }
    }
}

/// Marks the thread as inside a token request until dropped, so that the
/// checking global allocator (`crate::checking`) lets the backend's own
/// allocations (and the failure report's) through. That allocator only
/// judges allocations made inside atomic sections, so requests that may
/// sleep, which have just been checked to be outside any, are not marked
/// (their flags are constants, so the test folds away); non-blocking
/// requests are (reading the depth first would cost as much as the mark).
/// Nothing where there is no checking allocator: without `std`, or with
/// [`CHECKS`] off.
#[inline(always)]
pub(crate) fn enter_request(gfp: Gfp) -> Option<InRequest> {
    if cfg!(all(feature = "std", any(debug_assertions, alloc_ctx_checks))) && !gfp.may_sleep() {
        storage::add::<IN_REQUEST, 1>();
        Some(InRequest { _not_send: core::marker::PhantomData })
    } else {
        None
    }
}

/// The in-request mark of [`enter_request`]: a count of the requests in
/// progress on the thread (nested requests stay marked), raised and
/// lowered in place, so the request keeps nothing of it across the backend
/// call. It cannot overflow: each request is a frame on the stack. Not
/// saturating like [`Raised`]: only requests change it, and only
/// [`ContextState::restore`] resets it, to what it was before the work.
#[must_use = "the mark ends when the guard is dropped"]
pub(crate) struct InRequest {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl Drop for InRequest {
    #[inline(always)]
    fn drop(&mut self) {
        storage::add::<IN_REQUEST, -1>();
    }
}

/// Whether the current thread is inside a non-blocking token request
/// (false during thread teardown, when the state is gone).
#[cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))]
#[inline(always)]
pub(crate) fn in_request() -> bool {
    storage::get::<IN_REQUEST>() != 0
}

/// Adds NOFS/NOIO bits to the scope mask until dropped.
#[inline]
pub(crate) fn mask_scope(clear: u32) -> Set<SCOPE_MASK> {
    Set::enter(storage::get::<SCOPE_MASK>() | clear)
}

/// How many atomic sections (spinlocks, interrupt handlers, nowait scopes)
/// are open on this thread: the part of the kernel's `preempt_count()` that
/// `in_atomic()` tests.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{MaySleep, atomic_depth};
/// assert_eq!(atomic_depth(), 0);
/// cx.nowait_scope(|_| assert_eq!(atomic_depth(), 1));
/// # }
/// ```
#[inline]
pub fn atomic_depth() -> u32 {
    storage::get::<ATOMIC_DEPTH>()
}

/// Whether the current thread is inside an atomic section.
#[inline]
pub fn in_atomic() -> bool {
    atomic_depth() != 0
}

/// Whether the current thread may block: not in an atomic section, not
/// in a `#[nowait]` function (marked in debug builds), interrupts enabled.
/// What a free that may sleep (`vfree`) asks before it does
/// ([`Free`](crate::backend::Free)).
#[inline]
pub(crate) fn may_block() -> bool {
    atomic_depth() == 0 && storage::get::<NOWAIT_MARKS>() == 0 && !irqs_disabled()
}

/// Panics if the current thread may not sleep: the kernel's `might_sleep()`.
///
/// Called by every entry point that creates a [`MaySleep`](crate::MaySleep)
/// token, by every request that may sleep (in debug builds, and in release
/// builds built with `--cfg alloc_ctx_checks`, as the kernel's
/// `might_alloc()` with `CONFIG_DEBUG_ATOMIC_SLEEP`), by `Mutex::lock` and the other blocking
/// operations, and available for code that is about to block by other
/// means. It fires inside an atomic section (a spinlock, an interrupt
/// handler, a nowait scope) and, in debug builds, inside a `#[nowait]`
/// function: the cases a token captured or assumed past the type system
/// can reach.
///
/// ```
/// alloc_ctx::might_sleep(); // fine: not inside an atomic section
/// ```
#[track_caller]
#[inline(always)]
pub fn might_sleep() {
    let depth = atomic_depth();
    if depth != 0 {
        sleeping_in_atomic(depth);
    }
    if cfg!(debug_assertions) {
        let marks = storage::get::<NOWAIT_MARKS>();
        if marks != 0 {
            sleeping_in_nowait_function(marks);
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn sleeping_in_atomic(depth: u32) -> ! {
    let location = core::panic::Location::caller();
    panic!(
        "BUG: sleeping function called from invalid context at {location}\n\
         in_atomic(): 1, atomic depth: {depth}\n\
         a sleep was requested while this thread is inside an atomic section \
         (spinlock, interrupt handler or nowait scope); use the section's \
         NoWait token with GFP_ATOMIC or GFP_NOWAIT instead, or move this call \
         out of the section"
    );
}

#[cold]
#[inline(never)]
#[track_caller]
fn sleeping_in_nowait_function(marks: u32) -> ! {
    let location = core::panic::Location::caller();
    panic!(
        "BUG: sleeping function called from a #[nowait] function at {location}\n\
         #[nowait] functions on the stack: {marks}\n\
         a #[nowait] function must be callable from atomic context, so nothing \
         it calls may sleep; make this call from a #[may_sleep] caller, or \
         defer it to a workqueue"
    );
}

/// Whether an interrupt handler is running on this thread (hard interrupt
/// context: the kernel's `in_hardirq()`).
#[inline]
#[cfg(all(debug_assertions, feature = "std"))] // for the lock checks
pub(crate) fn in_hardirq() -> bool {
    storage::get::<HARDIRQ_DEPTH>() != 0
}

/// The NOFS/NOIO bits the current section clears from every request.
#[inline]
pub(crate) fn scope_mask() -> u32 {
    storage::get::<SCOPE_MASK>()
}

/// Whether local interrupts are disabled on this thread (see
/// [`crate::irq::irqs_disabled`], which documents it).
#[inline]
pub(crate) fn irqs_disabled() -> bool {
    storage::get::<IRQ_DISABLE_DEPTH>() != 0
}

/// How many interrupt-disabling sections (irq-save locks, handlers) are
/// open on this thread. A count, not a saved flag, so that sections may end
/// in any order (two irq-save guards dropped out of order, hand-over-hand
/// locking): interrupts are enabled again only when the last one ends.
#[inline]
pub(crate) fn irq_disable_depth() -> u32 {
    storage::get::<IRQ_DISABLE_DEPTH>()
}

/// Sets the count [`irq_disable_depth`] reads; only `irq::IrqSave` changes it.
#[inline]
pub(crate) fn set_irq_disable_depth(depth: u32) {
    storage::set::<IRQ_DISABLE_DEPTH>(depth);
}

/// `gfp` as the current section serves it: without `__GFP_FS` inside a
/// NOFS scope, without `__GFP_IO | __GFP_FS` inside a NOIO scope (the
/// kernel's `current_gfp_context()`). Reads the thread state only when
/// `gfp` has a bit a scope could clear.
#[inline]
pub fn current_gfp_context(gfp: Gfp) -> Gfp {
    // Masked to the bits a scope may clear, so the compiler sees that every
    // other bit (`__GFP_DIRECT_RECLAIM`, `__GFP_NOFAIL`) of a constant `gfp`
    // stays constant: the request path's decisions on them fold away.
    if gfp.bits() & (bits::IO | bits::FS) == 0 { gfp } else { gfp.without(scope_mask() & (bits::IO | bits::FS)) }
}

/// The thread's whole context state, for code that runs unrelated pieces of
/// work one after another on one thread (the workqueue's worker) and must
/// start each from the state it had before: a piece that leaked a section
/// (`mem::forget` of a lock guard) must not poison the next one.
#[cfg(feature = "std")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ContextState([u32; field::COUNT]);

#[cfg(feature = "std")]
impl ContextState {
    /// The current thread's state.
    pub(crate) fn current() -> ContextState {
        ContextState(storage::all())
    }

    /// Makes `self` the current thread's state.
    pub(crate) fn restore(self) {
        storage::set_all(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raised_count_at_its_maximum_panics_instead_of_wrapping() {
        let before = storage::get::<ATOMIC_DEPTH>();
        storage::set::<ATOMIC_DEPTH>(u32::MAX);
        let entered = std::panic::catch_unwind(|| core::mem::forget(AtomicSection::enter()));
        let after = storage::get::<ATOMIC_DEPTH>();
        storage::set::<ATOMIC_DEPTH>(before);
        assert!(entered.is_err(), "entering a section at the maximum depth did not panic");
        assert_eq!(after, u32::MAX, "the depth wrapped");
        assert!(in_atomic() == (before != 0));
    }

    #[test]
    fn the_interrupt_disable_depth_does_not_wrap_either() {
        set_irq_disable_depth(u32::MAX);
        let entered = std::panic::catch_unwind(|| core::mem::forget(crate::context::irq::IrqSave::save()));
        let after = irq_disable_depth();
        set_irq_disable_depth(0);
        assert!(entered.is_err());
        assert_eq!(after, u32::MAX);
    }

    /// Every field written and read back one by one and as a whole: the
    /// storage's per-field offsets and `all`/`set_all` agree.
    #[test]
    fn each_field_reads_back_what_was_written_alone_and_as_a_whole() {
        let before = ContextState::current();
        let values = [11, 12, 13, 14, 15, 16];
        ContextState(values).restore();
        let each = [
            storage::get::<ATOMIC_DEPTH>(),
            storage::get::<SCOPE_MASK>(),
            storage::get::<IRQ_DISABLE_DEPTH>(),
            storage::get::<NOWAIT_MARKS>(),
            storage::get::<IN_REQUEST>(),
            storage::get::<HARDIRQ_DEPTH>(),
        ];
        storage::set::<SCOPE_MASK>(99);
        let after_one = ContextState::current();
        before.restore();
        assert_eq!(each, values);
        assert_eq!(after_one, ContextState([11, 99, 13, 14, 15, 16]));
        assert_eq!(ContextState::current(), before);
    }

    /// Thread-local semantics, whichever storage this target uses (the
    /// initial-exec assembly one on x86-64 Linux with glibc, `thread_local!`
    /// elsewhere and under Miri): a new thread starts at zero whatever its
    /// parent holds, and each thread changes only its own fields.
    #[cfg(not(feature = "per-core"))]
    #[test]
    fn each_thread_has_its_own_state_and_a_new_one_starts_at_zero() {
        let _section = AtomicSection::enter();
        let _scope = mask_scope(bits::FS);
        let parent = ContextState::current();
        assert_eq!(atomic_depth(), parent.0[ATOMIC_DEPTH]);
        assert_ne!(parent.0[ATOMIC_DEPTH], 0);
        let (fresh, own) = std::thread::spawn(|| {
            let fresh = ContextState::current();
            let _sections = (AtomicSection::enter(), AtomicSection::enter(), AtomicSection::enter());
            let _scope = mask_scope(bits::IO);
            (fresh, ContextState::current())
        })
        .join()
        .expect("the child thread panicked");
        assert_eq!(fresh, ContextState([0; field::COUNT]), "a new thread did not start at zero");
        assert_eq!((own.0[ATOMIC_DEPTH], own.0[SCOPE_MASK]), (3, bits::IO));
        assert_eq!(ContextState::current(), parent, "the child's changes reached the parent");
    }

    /// The in-request mark counts: a nested request ending leaves the outer
    /// one marked.
    #[cfg(all(feature = "std", any(debug_assertions, alloc_ctx_checks)))]
    #[test]
    fn the_in_request_mark_stays_until_the_outermost_request_ends() {
        let atomic = crate::vocab::flags::GfpFlags::gfp(crate::vocab::flags::GFP_ATOMIC);
        assert!(!in_request());
        let outer = enter_request(atomic);
        assert!(in_request());
        drop(enter_request(atomic));
        assert!(in_request(), "the nested request's end cleared the outer one's mark");
        drop(outer);
        assert!(!in_request());
        let kernel = crate::vocab::flags::GfpFlags::gfp(crate::vocab::flags::GFP_KERNEL);
        assert!(enter_request(kernel).is_none(), "a request that may sleep was marked");
    }
}
