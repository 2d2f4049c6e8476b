//! Differential property tests: random sequences of operations on a `KVec`,
//! a `KVVec` and `KBox`es, checked after every step against a model that is
//! std's `Vec` (of plain element descriptions), with requests going to a
//! backend that fails at random (`FailInject` over a `Budget` with a
//! reserve), with `GFP_KERNEL` or, in an atomic section, `GFP_ATOMIC`.
//!
//! After each step:
//! * a step that succeeded left the container equal to the model after the
//!   same operation (std `Vec` semantics), with the capacity it promises
//!   (`reserve`, `grow_to`, `shrink_to_fit`);
//! * a step that failed (`AllocError`, `PushError`, `InsertError`) left the
//!   container exactly as it was (length, capacity, buffer, the very same
//!   element instances), and the model is not applied;
//! * a step that panicked (an element's `Clone` or `Drop` panics, driven by
//!   the generated data, a `retain` predicate panics, or an index is out of
//!   bounds) panicked exactly when it should, and left the container
//!   consistent with the documented outcome. Where this crate differs from
//!   std the test pins this crate's behaviour and says so: `extend_from_slice`
//!   and `resize` are all or nothing on a panicking clone (std keeps the
//!   clones made so far); `retain` and `dedup` drop every removed element
//!   even if one drop panics (std stops and keeps the unprocessed ones), and
//!   a panicking `retain` predicate drops nothing (std has dropped the
//!   rejected ones already);
//! * every element instance is live exactly once: the live instances are
//!   exactly the container's (none dropped twice, none leaked), and the
//!   budget's live bytes are exactly the container's buffer.
//!
//! At the end everything is dropped and the budget's live bytes return to 0.
//!
//! Bounded: 64 cases of up to 48 steps natively; under Miri 4 cases of up to
//! 16 steps. `PROPTEST_CASES=N` sets the number of cases for a deeper run.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx::family::Serves;
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::report::AllocFailure;
use alloc_ctx::rules::SizeFits;
use alloc_ctx::size::{Bound, KmallocMax, KvmallocMax, Size};
use alloc_ctx::{BoundedVec, InsertError, RemoveError};
use alloc_ctx::{KBox, MaySleep};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const CASES: u32 = if cfg!(miri) { 4 } else { 64 };
const MAX_STEPS: usize = if cfg!(miri) { 16 } else { 48 };

fn config() -> ProptestConfig {
    ProptestConfig {
        // `PROPTEST_CASES=10000` for a deeper run.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES),
        // No regression files in the tree, and none under Miri's isolation.
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 16 } else { 4096 },
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Elements: instances tracked in a thread-local registry; `Clone` and `Drop`
// panic when the generated data says so.

/// What an element is, without its identity: the model's element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Spec {
    value: u8,
    panic_clone: bool,
    panic_drop: bool,
}

/// The payload of the panics the elements inject.
struct Injected(&'static str);

thread_local! {
    /// Serials of the live element instances.
    static LIVE: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
    static NEXT_SERIAL: Cell<u64> = const { Cell::new(0) };
    /// Drops of an instance that was not live (a double drop).
    static BAD_DROPS: Cell<u64> = const { Cell::new(0) };
    /// Set while a step runs under `catch_unwind`: its panics are expected
    /// (or reported by the test), so the panic hook stays quiet.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

#[derive(Debug)]
struct Elem {
    serial: u64,
    spec: Spec,
}

impl Elem {
    fn new(spec: Spec) -> Elem {
        let serial = NEXT_SERIAL.with(|next| next.replace(next.get() + 1));
        LIVE.with(|live| live.borrow_mut().insert(serial));
        Elem { serial, spec }
    }
}

impl Clone for Elem {
    fn clone(&self) -> Elem {
        if self.spec.panic_clone {
            std::panic::panic_any(Injected("clone"));
        }
        Elem::new(self.spec)
    }
}

impl Drop for Elem {
    fn drop(&mut self) {
        let was_live = LIVE.with(|live| live.borrow_mut().remove(&self.serial));
        if !was_live {
            BAD_DROPS.with(|bad| bad.set(bad.get() + 1));
            return;
        }
        // Never while unwinding: a second panic would abort.
        if self.spec.panic_drop && !std::thread::panicking() {
            std::panic::panic_any(Injected("drop"));
        }
    }
}

/// Equal values, for `dedup` (the model dedups by value too).
impl PartialEq for Elem {
    fn eq(&self, other: &Elem) -> bool {
        self.spec.value == other.spec.value
    }
}

fn live_count() -> usize {
    LIVE.with(|live| live.borrow().len())
}

fn is_live(serial: u64) -> bool {
    LIVE.with(|live| live.borrow().contains(&serial))
}

fn bad_drops() -> u64 {
    BAD_DROPS.with(Cell::get)
}

fn reset_tracking() {
    LIVE.with(|live| live.borrow_mut().clear());
    BAD_DROPS.with(|bad| bad.set(0));
}

fn no_report(_: &AllocFailure) {}

fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                default(info);
            }
        }));
        alloc_ctx::report::set_failure_hook(no_report);
    });
    reset_tracking();
}

/// Runs `f`, catching a panic: `Err` with its message.
fn quiet<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let previous = QUIET.with(|quiet| quiet.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(previous));
    result.map_err(|payload| {
        if let Some(Injected(what)) = payload.downcast_ref::<Injected>() {
            format!("injected {what} panic")
        } else if let Some(message) = payload.downcast_ref::<&str>() {
            (*message).to_string()
        } else if let Some(message) = payload.downcast_ref::<String>() {
            message.clone()
        } else {
            "panic with another payload".to_string()
        }
    })
}

/// Drops `value`; a panic from it is expected by the caller, or not
/// (`true` if it panicked).
fn drop_quietly<T>(value: T) -> bool {
    quiet(move || drop(value)).is_err()
}

/// Runs `$body` with `$f` = `GFP_ATOMIC` and `$c` a `&mut NoWait` inside an
/// atomic section, or with `GFP_KERNEL` and `$c` the `&mut MaySleep`.
macro_rules! with_gfp {
    ($cx:expr, $atomic:expr, |$c:ident, $f:ident| $body:expr) => {{
        let cx: &mut MaySleep = $cx;
        if $atomic {
            cx.nowait_scope(|$c| {
                let $f = GFP_ATOMIC;
                $body
            })
        } else {
            let $c = cx;
            let $f = GFP_KERNEL;
            $body
        }
    }};
}

// ---------------------------------------------------------------------------
// Generated data.

fn spec() -> impl Strategy<Value = Spec> {
    (0u8..4, prop::bool::weighted(0.08), prop::bool::weighted(0.08)).prop_map(|(value, panic_clone, panic_drop)| Spec {
        value,
        panic_clone,
        panic_drop,
    })
}

/// The failing backend: a byte budget with a reserve only `GFP_ATOMIC` may
/// use, under random failures.
#[derive(Debug, Clone)]
struct Env {
    limit: usize,
    reserve_percent: usize,
    probability: f64,
    seed: u64,
}

impl Env {
    fn backend(&self) -> Backend {
        let reserve = self.limit * self.reserve_percent / 100;
        FailInject::wrap(Budget::with_reserve(self.limit, reserve)).fail_randomly(self.probability, self.seed)
    }
}

type Backend = FailInject<Budget>;

fn env() -> impl Strategy<Value = Env> {
    (
        prop_oneof![3 => 128usize..2048, 1 => Just(1usize << 20)],
        0usize..50,
        prop_oneof![1 => Just(0.0), 3 => 0.0f64..0.5],
        any::<u64>(),
    )
        .prop_map(|(limit, reserve_percent, probability, seed)| Env { limit, reserve_percent, probability, seed })
}

#[derive(Debug, Clone)]
enum Op {
    Push { elem: Spec, atomic: bool },
    Pop,
    Insert { index: usize, elem: Spec, atomic: bool },
    Remove { index: usize },
    SwapRemove { index: usize },
    Truncate { len: usize },
    Clear,
    ExtendFromSlice { items: Vec<Spec>, atomic: bool },
    Resize { len: usize, elem: Spec, atomic: bool },
    Reserve { additional: usize, atomic: bool },
    ShrinkToFit { atomic: bool },
    Retain { modulus: u8, panic_at: Option<usize> },
    Dedup,
    Drain { start: usize, end: usize, inverted: bool, past_end: bool, take_front: usize, take_back: usize },
    TryClone { replace: bool, atomic: bool },
    GrowTo { bytes: usize, atomic: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let atomic = || prop::bool::weighted(0.3);
    prop_oneof![
        6 => (spec(), atomic()).prop_map(|(elem, atomic)| Op::Push { elem, atomic }),
        2 => Just(Op::Pop),
        3 => (0usize..64, spec(), atomic()).prop_map(|(index, elem, atomic)| Op::Insert { index, elem, atomic }),
        2 => (0usize..64).prop_map(|index| Op::Remove { index }),
        2 => (0usize..64).prop_map(|index| Op::SwapRemove { index }),
        1 => (0usize..24).prop_map(|len| Op::Truncate { len }),
        1 => Just(Op::Clear),
        3 => (prop::collection::vec(spec(), 0..8), atomic())
            .prop_map(|(items, atomic)| Op::ExtendFromSlice { items, atomic }),
        2 => (0usize..24, spec(), atomic()).prop_map(|(len, elem, atomic)| Op::Resize { len, elem, atomic }),
        2 => (prop_oneof![6 => 0usize..40, 1 => Just(usize::MAX), 1 => Just(usize::MAX / 32)], atomic())
            .prop_map(|(additional, atomic)| Op::Reserve { additional, atomic }),
        1 => atomic().prop_map(|atomic| Op::ShrinkToFit { atomic }),
        2 => (1u8..5, prop::option::weighted(0.25, 0usize..16))
            .prop_map(|(modulus, panic_at)| Op::Retain { modulus, panic_at }),
        1 => Just(Op::Dedup),
        2 => (0usize..64, 0usize..64, prop::bool::weighted(0.1), prop::bool::weighted(0.1), 0usize..4, 0usize..3)
            .prop_map(|(start, end, inverted, past_end, take_front, take_back)| Op::Drain {
                start,
                end,
                inverted,
                past_end,
                take_front,
                take_back
            }),
        2 => (any::<bool>(), atomic()).prop_map(|(replace, atomic)| Op::TryClone { replace, atomic }),
        1 => (0usize..1024, atomic()).prop_map(|(bytes, atomic)| Op::GrowTo { bytes, atomic }),
    ]
}

// ---------------------------------------------------------------------------
// The vector property.

type Vector<'b, B> = BoundedVec<Elem, B, &'b Backend>;

/// Everything observable about a vector, with the identity of its elements.
#[derive(Debug, PartialEq)]
struct Snapshot {
    len: usize,
    capacity: usize,
    ptr: usize,
    serials: Vec<u64>,
}

impl Snapshot {
    fn of<B: Bound>(v: &Vector<'_, B>) -> Snapshot {
        Snapshot {
            len: v.len(),
            capacity: v.capacity(),
            ptr: v.as_ptr().addr(),
            serials: v.iter().map(|elem| elem.serial).collect(),
        }
    }

    /// The same elements, whatever the buffer.
    fn same_contents(&self, other: &Snapshot) -> bool {
        self.len == other.len && self.serials == other.serials
    }
}

/// The invariants after every step: contents equal the model, every element
/// live once, nothing else live, the budget holds exactly the buffer.
fn check_vec<B: Bound>(v: &Vector<'_, B>, model: &[Spec], backend: &Backend) -> Result<(), TestCaseError> {
    prop_assert!(v.len() <= v.capacity(), "len {} > capacity {}", v.len(), v.capacity());
    let specs: Vec<Spec> = v.iter().map(|elem| elem.spec).collect();
    prop_assert_eq!(&specs[..], model, "contents differ from the model");
    let serials: BTreeSet<u64> = v.iter().map(|elem| elem.serial).collect();
    prop_assert_eq!(serials.len(), v.len(), "one instance is in the vector twice");
    prop_assert!(serials.iter().all(|&serial| is_live(serial)), "the vector holds a dropped instance");
    prop_assert_eq!(bad_drops(), 0, "an instance was dropped twice");
    prop_assert_eq!(live_count(), v.len(), "instances leaked (live outside the vector)");
    let buffer = if v.capacity() == 0 { 0 } else { v.capacity() * mem::size_of::<Elem>() };
    prop_assert_eq!(backend.inner().live_bytes(), buffer, "the budget's live bytes are not the buffer");
    Ok(())
}

fn any_panic_drop<'a>(specs: impl IntoIterator<Item = &'a Spec>) -> bool {
    specs.into_iter().any(|spec| spec.panic_drop)
}

fn any_panic_clone<'a>(specs: impl IntoIterator<Item = &'a Spec>) -> bool {
    specs.into_iter().any(|spec| spec.panic_clone)
}

/// One step: runs `op` on `v` and on the model, and checks the outcome.
fn step<B: Bound>(
    v: &mut Vector<'_, B>,
    model: &mut Vec<Spec>,
    op: &Op,
    backend: &Backend,
    cx: &mut MaySleep,
) -> Result<(), TestCaseError>
where
    GFP_KERNEL: SizeFits<Size<KmallocMax>, B>,
    GFP_ATOMIC: SizeFits<Size<KmallocMax>, B>,
    B::Family: Serves<GFP_KERNEL> + Serves<GFP_ATOMIC>,
{
    let before = Snapshot::of(v);
    let calls = backend.calls();
    let len = v.len();
    // A failed request must have gone to the backend.
    let requested = |backend: &Backend| backend.calls() > calls;
    match *op {
        Op::Push { elem, atomic } => {
            let x = Elem::new(elem);
            match quiet(|| with_gfp!(cx, atomic, |c, f| v.try_push(x, f, c))) {
                Ok(Ok(())) => model.push(elem),
                Ok(Err(error)) => {
                    prop_assert!(requested(backend), "push failed without a request: {:?}", error.error);
                    prop_assert_eq!(&Snapshot::of(v), &before, "a failed push changed the vector");
                    prop_assert_eq!(error.value.spec, elem, "the value handed back is another");
                    prop_assert_eq!(drop_quietly(error.value), elem.panic_drop);
                }
                Err(message) => prop_assert!(false, "push panicked: {}", message),
            }
        }
        Op::Pop => match quiet(|| v.pop()) {
            Ok(Some(x)) => {
                prop_assert_eq!(Some(x.spec), model.pop());
                prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
                drop_quietly(x);
            }
            Ok(None) => prop_assert!(model.is_empty() && before.len == 0),
            Err(message) => prop_assert!(false, "pop panicked: {}", message),
        },
        Op::Insert { index, elem, atomic } => {
            let index = index % (len + 2);
            let x = Elem::new(elem);
            match quiet(|| with_gfp!(cx, atomic, |c, f| v.insert(index, x, f, c))) {
                Ok(Ok(())) => {
                    prop_assert!(index <= len, "inserted at {} past the end {}", index, len);
                    model.insert(index, elem);
                }
                Ok(Err(InsertError::IndexOutOfBounds(x))) => {
                    prop_assert!(index > len, "index {} refused with len {}", index, len);
                    prop_assert!(!requested(backend), "an out-of-bounds insert made a request");
                    prop_assert_eq!(&Snapshot::of(v), &before, "a refused insert changed the vector");
                    prop_assert_eq!(drop_quietly(x), elem.panic_drop);
                }
                Ok(Err(InsertError::NoMemory(error))) => {
                    prop_assert!(index <= len, "growth failed for an out-of-bounds insert");
                    prop_assert!(requested(backend), "insert failed without a request");
                    prop_assert_eq!(&Snapshot::of(v), &before, "a failed insert changed the vector");
                    prop_assert_eq!(error.value.spec, elem);
                    prop_assert_eq!(drop_quietly(error.value), elem.panic_drop);
                }
                Ok(Err(other)) => prop_assert!(false, "unexpected insert error {:?}", other),
                Err(message) => prop_assert!(false, "insert panicked: {}", message),
            }
        }
        Op::Remove { index } => {
            let index = index % (len + 2);
            match quiet(|| v.remove(index)) {
                Ok(Ok(x)) => {
                    prop_assert!(index < len);
                    prop_assert_eq!(x.spec, model.remove(index));
                    drop_quietly(x);
                }
                Ok(Err(RemoveError)) => {
                    prop_assert!(index >= len, "index {} refused with len {}", index, len);
                    prop_assert_eq!(&Snapshot::of(v), &before);
                }
                Err(message) => prop_assert!(false, "remove panicked: {}", message),
            }
        }
        Op::SwapRemove { index } => {
            let index = index % (len + 2);
            match quiet(|| v.swap_remove(index)) {
                Ok(x) => {
                    prop_assert!(index < len);
                    prop_assert_eq!(x.spec, model.swap_remove(index));
                    drop_quietly(x);
                }
                Err(message) => {
                    // As std: panics on an index out of bounds, before any change.
                    prop_assert!(index >= len, "swap_remove({}) of {} panicked: {}", index, len, message);
                    prop_assert_eq!(&Snapshot::of(v), &before);
                }
            }
        }
        Op::Truncate { len: new_len } => {
            let expect_panic = any_panic_drop(model.get(new_len..).unwrap_or_default());
            let result = quiet(|| v.truncate(new_len));
            // As std: the tail is gone even if one of its drops panicked.
            model.truncate(new_len);
            prop_assert_eq!(result.is_err(), expect_panic, "truncate: {:?}", result);
            prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
        }
        Op::Clear => {
            let expect_panic = any_panic_drop(model.iter());
            let result = quiet(|| v.clear());
            model.clear();
            prop_assert_eq!(result.is_err(), expect_panic, "clear: {:?}", result);
            prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
        }
        Op::ExtendFromSlice { ref items, atomic } => {
            let source: Vec<Elem> = items.iter().copied().map(Elem::new).collect();
            match quiet(|| with_gfp!(cx, atomic, |c, f| v.extend_from_slice(&source, f, c))) {
                Ok(Ok(())) => {
                    prop_assert!(!any_panic_clone(items), "a panicking clone did not panic");
                    model.extend_from_slice(items);
                }
                Ok(Err(error)) => {
                    prop_assert!(requested(backend), "extend failed without a request: {:?}", error);
                    prop_assert_eq!(&Snapshot::of(v), &before, "a failed extend changed the vector");
                }
                Err(message) => {
                    // All or nothing (documented; std keeps the clones made
                    // so far): the room may have grown, the elements not.
                    prop_assert!(any_panic_clone(items), "extend panicked: {}", message);
                    prop_assert!(Snapshot::of(v).same_contents(&before), "a panicking extend changed the elements");
                }
            }
            drop_quietly(source);
        }
        Op::Resize { len: new_len, elem, atomic } => {
            let x = Elem::new(elem);
            let result = quiet(|| with_gfp!(cx, atomic, |c, f| v.resize(new_len, x, f, c)));
            if new_len <= len {
                // Truncates, then drops the value.
                let expect_panic = any_panic_drop(&model[new_len..]) || elem.panic_drop;
                model.truncate(new_len);
                match result {
                    Ok(Ok(())) => prop_assert!(!expect_panic, "a panicking drop did not panic"),
                    Ok(Err(error)) => prop_assert!(false, "a shrinking resize failed: {:?}", error),
                    Err(message) => prop_assert!(expect_panic, "resize panicked: {}", message),
                }
                prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
            } else {
                let clones = new_len - len - 1;
                match result {
                    Ok(Ok(())) => {
                        prop_assert!(!(elem.panic_clone && clones > 0), "a panicking clone did not panic");
                        model.resize(new_len, elem);
                    }
                    Ok(Err(error)) => {
                        prop_assert!(requested(backend), "resize failed without a request: {:?}", error);
                        prop_assert!(!elem.panic_drop, "the value was not dropped on failure");
                        prop_assert_eq!(&Snapshot::of(v), &before, "a failed resize changed the vector");
                    }
                    Err(message) => {
                        // A panicking clone (all or nothing, documented; std
                        // keeps the clones), or the value's drop on failure.
                        prop_assert!(
                            (elem.panic_clone && clones > 0) || elem.panic_drop,
                            "resize panicked: {}",
                            message
                        );
                        prop_assert!(Snapshot::of(v).same_contents(&before), "a panicking resize changed the elements");
                    }
                }
            }
        }
        Op::Reserve { additional, atomic } => {
            match quiet(|| with_gfp!(cx, atomic, |c, f| v.reserve(additional, f, c))) {
                Ok(Ok(())) => {
                    prop_assert!(v.capacity() - v.len() >= additional, "reserve({}) left {:?}", additional, v);
                    prop_assert!(Snapshot::of(v).same_contents(&before));
                    if before.capacity - before.len >= additional {
                        prop_assert_eq!(&Snapshot::of(v), &before, "reserve reallocated with room to spare");
                    }
                }
                Ok(Err(error)) => {
                    prop_assert!(before.capacity - before.len < additional, "reserve failed with room to spare");
                    if error.size_error().is_some() {
                        prop_assert!(additional > 1 << 30, "size error for {}", additional);
                    } else {
                        prop_assert!(requested(backend), "reserve failed without a request: {:?}", error);
                    }
                    prop_assert_eq!(&Snapshot::of(v), &before, "a failed reserve changed the vector");
                }
                Err(message) => prop_assert!(false, "reserve panicked: {}", message),
            }
        }
        Op::ShrinkToFit { atomic } => match quiet(|| with_gfp!(cx, atomic, |c, f| v.shrink_to_fit(f, c))) {
            Ok(Ok(())) => {
                prop_assert_eq!(v.capacity(), v.len(), "shrink_to_fit left spare room");
                prop_assert!(Snapshot::of(v).same_contents(&before));
            }
            Ok(Err(error)) => {
                prop_assert!(requested(backend), "shrink failed without a request: {:?}", error);
                prop_assert_eq!(&Snapshot::of(v), &before, "a failed shrink changed the vector");
            }
            Err(message) => prop_assert!(false, "shrink_to_fit panicked: {}", message),
        },
        Op::Retain { modulus, panic_at } => {
            let keep = |spec: &Spec| !spec.value.is_multiple_of(modulus);
            // `keep` panics on its `panic_at`th call, if that comes.
            let mut asked = 0;
            let result = quiet(|| {
                v.retain(|elem| {
                    if panic_at == Some(asked) {
                        std::panic::panic_any(Injected("keep"));
                    }
                    asked += 1;
                    keep(&elem.spec)
                });
            });
            prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
            match panic_at {
                Some(at) if at < len => {
                    // `keep` panicked before any element was dropped ("every
                    // element is still dropped exactly once", documented):
                    // all are still there, the kept ones first and in order,
                    // the ones not looked at yet unmoved. (std would have
                    // dropped the rejected ones already.)
                    prop_assert!(result.is_err(), "a panicking keep did not panic");
                    prop_assert_eq!(v.len(), len, "elements lost when keep panicked");
                    let mut now: Vec<u64> = v.iter().map(|elem| elem.serial).collect();
                    let kept: Vec<Spec> = model[..at].iter().copied().filter(|spec| keep(spec)).collect();
                    let specs: Vec<Spec> = v.iter().map(|elem| elem.spec).collect();
                    prop_assert_eq!(&specs[..kept.len()], &kept[..], "the kept ones are not first");
                    prop_assert_eq!(&now[at..], &before.serials[at..], "elements not looked at moved");
                    now.sort_unstable();
                    let mut then = before.serials.clone();
                    then.sort_unstable();
                    prop_assert_eq!(now, then, "not the same elements");
                    *model = specs;
                }
                _ => {
                    // This crate drops every rejected element even if one
                    // drop panics (std stops and keeps the unprocessed
                    // ones): the result is the filtered vector either way.
                    let expect_panic = any_panic_drop(model.iter().filter(|spec| !keep(spec)));
                    model.retain(keep);
                    prop_assert_eq!(result.is_err(), expect_panic, "retain: {:?}", result);
                }
            }
        }
        Op::Dedup => {
            let duplicates: Vec<Spec> =
                model.windows(2).filter(|pair| pair[0].value == pair[1].value).map(|pair| pair[1]).collect();
            let expect_panic = any_panic_drop(&duplicates);
            let result = quiet(|| v.dedup());
            model.dedup_by_key(|spec| spec.value);
            prop_assert_eq!(result.is_err(), expect_panic, "dedup: {:?}", result);
            prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
        }
        Op::Drain { start, end, inverted, past_end, take_front, take_back } => {
            // Mostly a valid range; sometimes inverted or past the end.
            let (mut start, mut end) = (start % (len + 1), end % (len + 1));
            if (start > end) != inverted {
                mem::swap(&mut start, &mut end);
            }
            end += usize::from(past_end);
            let valid = start <= end && end <= len;
            let result = quiet(|| {
                let mut drain = v.drain(start..end);
                let mut taken = Vec::new();
                taken.extend(drain.by_ref().take(take_front));
                let mut back: Vec<Elem> = drain.by_ref().rev().take(take_back).collect();
                back.reverse();
                // Dropping the `Drain` drops the rest and closes the gap.
                drop(drain);
                (taken, back)
            });
            if !valid {
                // As std: an invalid range panics before any change.
                prop_assert!(result.is_err(), "drain({}..{}) of {} did not panic", start, end, len);
                prop_assert_eq!(&Snapshot::of(v), &before);
            } else {
                let drained: Vec<Spec> = model.drain(start..end).collect();
                let front = take_front.min(drained.len());
                let back = take_back.min(drained.len() - front);
                let left = &drained[front..drained.len() - back];
                match result {
                    Ok((taken, back_taken)) => {
                        prop_assert!(!any_panic_drop(left), "a panicking drop in the drain did not panic");
                        let taken_specs: Vec<Spec> = taken.iter().chain(&back_taken).map(|elem| elem.spec).collect();
                        let expected: Vec<Spec> =
                            drained[..front].iter().chain(&drained[drained.len() - back..]).copied().collect();
                        prop_assert_eq!(taken_specs, expected, "the drain yielded other elements");
                        drop_quietly(taken);
                        drop_quietly(back_taken);
                    }
                    Err(message) => prop_assert!(any_panic_drop(left), "drain panicked: {}", message),
                }
                prop_assert!(v.capacity() == before.capacity && v.as_ptr().addr() == before.ptr);
            }
        }
        Op::TryClone { replace, atomic } => match quiet(|| with_gfp!(cx, atomic, |c, f| v.try_clone(f, c))) {
            Ok(Ok(copy)) => {
                prop_assert!(!any_panic_clone(model.iter()), "a panicking clone did not panic");
                prop_assert_eq!(&Snapshot::of(v), &before, "try_clone changed the original");
                let specs: Vec<Spec> = copy.iter().map(|elem| elem.spec).collect();
                prop_assert_eq!(&specs[..], &model[..], "the copy differs");
                prop_assert!(copy.len() <= copy.capacity());
                prop_assert!(copy.iter().all(|elem| is_live(elem.serial) && !before.serials.contains(&elem.serial)));
                prop_assert_eq!(live_count(), 2 * len);
                let expect_panic = any_panic_drop(model.iter());
                let dropped = if replace { mem::replace(v, copy) } else { copy };
                prop_assert_eq!(drop_quietly(dropped), expect_panic, "dropping a vector");
            }
            Ok(Err(error)) => {
                prop_assert!(requested(backend), "try_clone failed without a request: {:?}", error);
                prop_assert_eq!(&Snapshot::of(v), &before, "a failed try_clone changed the original");
            }
            Err(message) => {
                prop_assert!(any_panic_clone(model.iter()), "try_clone panicked: {}", message);
                prop_assert_eq!(&Snapshot::of(v), &before, "a panicking try_clone changed the original");
            }
        },
        Op::GrowTo { bytes, atomic } => {
            let size = Size::<KmallocMax>::new(bytes).expect("under 4 MiB");
            let wanted = bytes / mem::size_of::<Elem>();
            match quiet(|| with_gfp!(cx, atomic, |c, f| v.grow_to(size, f, c))) {
                Ok(Ok(())) => {
                    prop_assert!(v.capacity() >= wanted, "grow_to({}) left capacity {}", bytes, v.capacity());
                    prop_assert!(Snapshot::of(v).same_contents(&before));
                    if before.capacity >= wanted {
                        prop_assert_eq!(&Snapshot::of(v), &before, "grow_to reallocated a large enough buffer");
                    }
                }
                Ok(Err(error)) => {
                    prop_assert!(before.capacity < wanted, "grow_to failed on a large enough buffer");
                    prop_assert!(requested(backend), "grow_to failed without a request: {:?}", error);
                    prop_assert_eq!(&Snapshot::of(v), &before, "a failed grow_to changed the vector");
                }
                Err(message) => prop_assert!(false, "grow_to panicked: {}", message),
            }
        }
    }
    check_vec(v, model, backend)
}

#[alloc_ctx::may_sleep]
fn run_vec_case<B: Bound>(env: &Env, ops: &[Op]) -> Result<(), TestCaseError>
where
    GFP_KERNEL: SizeFits<Size<KmallocMax>, B>,
    GFP_ATOMIC: SizeFits<Size<KmallocMax>, B>,
    B::Family: Serves<GFP_KERNEL> + Serves<GFP_ATOMIC>,
{
    setup();
    let backend = env.backend();
    {
        let mut v: Vector<'_, B> = BoundedVec::new_in(&backend);
        let mut model: Vec<Spec> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if let Err(error) = step(&mut v, &mut model, op, &backend, cx) {
                // Leak rather than drop a possibly broken vector.
                mem::forget(v);
                return Err(TestCaseError::fail(format!("step {i} ({op:?}): {error}")));
            }
        }
        let expect_panic = any_panic_drop(model.iter());
        prop_assert_eq!(drop_quietly(v), expect_panic, "dropping the vector");
    }
    prop_assert_eq!(bad_drops(), 0, "an instance was dropped twice");
    prop_assert_eq!(live_count(), 0, "instances leaked");
    prop_assert_eq!(backend.inner().live_bytes(), 0, "the budget's bytes did not return to 0");
    Ok(())
}

// ---------------------------------------------------------------------------
// The box property.

#[derive(Debug, Clone)]
enum BoxOp {
    New { elem: Spec, atomic: bool },
    TryClone { index: usize, atomic: bool },
    IntoInner { index: usize },
    Drop { index: usize },
    Rewrite { index: usize, elem: Spec },
}

fn box_op() -> impl Strategy<Value = BoxOp> {
    let atomic = || prop::bool::weighted(0.3);
    prop_oneof![
        4 => (spec(), atomic()).prop_map(|(elem, atomic)| BoxOp::New { elem, atomic }),
        3 => (0usize..16, atomic()).prop_map(|(index, atomic)| BoxOp::TryClone { index, atomic }),
        1 => (0usize..16).prop_map(|index| BoxOp::IntoInner { index }),
        1 => (0usize..16).prop_map(|index| BoxOp::Drop { index }),
        1 => (0usize..16, spec()).prop_map(|(index, elem)| BoxOp::Rewrite { index, elem }),
    ]
}

type Boxed<'b> = KBox<Elem, &'b Backend>;

fn check_boxes(boxes: &[Boxed<'_>], model: &[Spec], backend: &Backend) -> Result<(), TestCaseError> {
    let specs: Vec<Spec> = boxes.iter().map(|b| b.spec).collect();
    prop_assert_eq!(&specs[..], model, "boxes differ from the model");
    let serials: BTreeSet<u64> = boxes.iter().map(|b| b.serial).collect();
    prop_assert_eq!(serials.len(), boxes.len(), "two boxes hold the same instance");
    prop_assert!(serials.iter().all(|&serial| is_live(serial)), "a box holds a dropped instance");
    prop_assert_eq!(bad_drops(), 0, "an instance was dropped twice");
    prop_assert_eq!(live_count(), boxes.len(), "instances leaked");
    prop_assert_eq!(backend.inner().live_bytes(), boxes.len() * mem::size_of::<Elem>(), "blocks leaked");
    Ok(())
}

fn box_step<'b>(
    boxes: &mut Vec<Boxed<'b>>,
    model: &mut Vec<Spec>,
    op: &BoxOp,
    backend: &'b Backend,
    cx: &mut MaySleep,
) -> Result<(), TestCaseError> {
    let calls = backend.calls();
    let index = |index: usize| if boxes.is_empty() { None } else { Some(index % boxes.len()) };
    match *op {
        BoxOp::New { elem, atomic } => {
            let x = Elem::new(elem);
            match quiet(|| with_gfp!(cx, atomic, |c, f| KBox::new_in(x, backend, f, c))) {
                Ok(Ok(b)) => {
                    boxes.push(b);
                    model.push(elem);
                }
                Ok(Err(error)) => {
                    // The value is dropped on failure, as Rust-for-Linux's.
                    prop_assert!(backend.calls() > calls, "KBox::new failed without a request: {:?}", error);
                    prop_assert!(!elem.panic_drop, "the value was not dropped on failure");
                }
                Err(message) => prop_assert!(elem.panic_drop, "KBox::new panicked: {}", message),
            }
        }
        BoxOp::TryClone { index: i, atomic } => {
            let Some(i) = index(i) else { return check_boxes(boxes, model, backend) };
            let original = &boxes[i];
            let spec = original.spec;
            match quiet(|| with_gfp!(cx, atomic, |c, f| original.try_clone(f, c))) {
                Ok(Ok(copy)) => {
                    prop_assert!(!spec.panic_clone, "a panicking clone did not panic");
                    prop_assert!(copy.serial != boxes[i].serial);
                    boxes.push(copy);
                    model.push(spec);
                }
                Ok(Err(error)) => {
                    // The clone is made first, and dropped on failure.
                    prop_assert!(!spec.panic_clone && !spec.panic_drop, "try_clone failed: {:?}", error);
                    prop_assert!(backend.calls() > calls, "try_clone failed without a request");
                }
                Err(message) => prop_assert!(spec.panic_clone || spec.panic_drop, "try_clone panicked: {}", message),
            }
        }
        BoxOp::IntoInner { index: i } => {
            let Some(i) = index(i) else { return check_boxes(boxes, model, backend) };
            let b = boxes.remove(i);
            let spec = model.remove(i);
            match quiet(|| KBox::into_inner(b)) {
                Ok(x) => {
                    prop_assert_eq!(x.spec, spec);
                    prop_assert!(is_live(x.serial));
                    prop_assert_eq!(backend.inner().live_bytes(), boxes.len() * mem::size_of::<Elem>());
                    prop_assert_eq!(drop_quietly(x), spec.panic_drop);
                }
                Err(message) => prop_assert!(false, "into_inner panicked: {}", message),
            }
        }
        BoxOp::Drop { index: i } => {
            let Some(i) = index(i) else { return check_boxes(boxes, model, backend) };
            let b = boxes.remove(i);
            let spec = model.remove(i);
            prop_assert_eq!(drop_quietly(b), spec.panic_drop, "dropping a box");
        }
        // `drop_contents`, then `write` a new value in the same block.
        BoxOp::Rewrite { index: i, elem } => {
            let Some(i) = index(i) else { return check_boxes(boxes, model, backend) };
            let b = boxes.remove(i);
            let old = model.remove(i);
            match quiet(|| KBox::drop_contents(b)) {
                Ok(slot) => {
                    prop_assert!(!old.panic_drop, "a panicking drop did not panic");
                    boxes.insert(i, slot.write(Elem::new(elem)));
                    model.insert(i, elem);
                }
                // The block is freed while unwinding.
                Err(message) => prop_assert!(old.panic_drop, "drop_contents panicked: {}", message),
            }
        }
    }
    check_boxes(boxes, model, backend)
}

#[alloc_ctx::may_sleep]
fn run_box_case(env: &Env, ops: &[BoxOp]) -> Result<(), TestCaseError> {
    setup();
    let backend = env.backend();
    {
        let mut boxes: Vec<Boxed<'_>> = Vec::new();
        let mut model: Vec<Spec> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if let Err(error) = box_step(&mut boxes, &mut model, op, &backend, cx) {
                mem::forget(boxes);
                return Err(TestCaseError::fail(format!("step {i} ({op:?}): {error}")));
            }
        }
        let expect_panic = any_panic_drop(model.iter());
        prop_assert_eq!(drop_quietly(boxes), expect_panic, "dropping the boxes");
    }
    prop_assert_eq!(bad_drops(), 0, "an instance was dropped twice");
    prop_assert_eq!(live_count(), 0, "instances leaked");
    prop_assert_eq!(backend.inner().live_bytes(), 0, "the budget's bytes did not return to 0");
    Ok(())
}

/// Runs `test` on the cases of `strategy` as `proptest!` does (which has
/// no place for the test's sleep token), lending it the token.
#[alloc_ctx::may_sleep]
fn check<S: Strategy>(strategy: S, test: impl Fn(&mut MaySleep, S::Value) -> Result<(), TestCaseError>) {
    // `TestRunner::run` takes a `Fn`: the token is lent to one case at a time.
    let cx = RefCell::new(cx);
    let mut runner = proptest::test_runner::TestRunner::new(config());
    if let Err(error) = runner.run(&strategy, |value| test(&mut cx.borrow_mut(), value)) {
        panic!("{error}\n{runner}");
    }
}

/// `KVec` against std's `Vec`, under random failures.
#[alloc_ctx::test]
fn kvec_matches_std_vec() {
    let cases = (env(), prop::collection::vec(op(), 1..MAX_STEPS));
    check(cx, cases, |cx, (env, ops)| run_vec_case::<KmallocMax>(cx, &env, &ops));
}

/// `KVVec` against std's `Vec`, under random failures.
#[alloc_ctx::test]
fn kvvec_matches_std_vec() {
    let cases = (env(), prop::collection::vec(op(), 1..MAX_STEPS));
    check(cx, cases, |cx, (env, ops)| run_vec_case::<KvmallocMax>(cx, &env, &ops));
}

/// `KBox` against std's `Box`: new, try_clone, into_inner, drop and
/// drop_contents + write, under random failures.
#[alloc_ctx::test]
fn kbox_matches_std_box() {
    let cases = (env(), prop::collection::vec(box_op(), 1..MAX_STEPS));
    check(cx, cases, |cx, (env, ops)| run_box_case(cx, &env, &ops));
}
