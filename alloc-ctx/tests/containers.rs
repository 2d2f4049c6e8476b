//! KBox, KVec and KVVec: growth through tokens, and a failed growth leaves
//! the container exactly as it was.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use alloc_ctx::BoundedVec;
use alloc_ctx::flags::*;
use alloc_ctx::size::{KMALLOC_MAX_SIZE, KmallocMax, NofailMax, array_size};
use alloc_ctx::{AllocErrorKind, KBox, KVVec, KVec, MaySleep, NoWait};
use common::{TestBackend, quiet_reports};

/// Everything observable about a vector, to compare before and after.
fn snapshot<T: Clone, B: alloc_ctx::size::Bound, A: alloc_ctx::backend::Backend>(
    v: &BoundedVec<T, B, A>,
) -> (usize, usize, *const T, Vec<T>) {
    (v.len(), v.capacity(), v.as_ptr(), v.to_vec())
}

#[alloc_ctx::test]
fn push_grows_and_keeps_order() {
    let backend = TestBackend::new();
    {
        let mut v = KVec::new_in(&backend);
        for i in 0..100u32 {
            v.push(i, GFP_KERNEL, cx).unwrap();
        }
        assert_eq!(v.len(), 100);
        assert!(v.iter().copied().eq(0..100));
        assert!(backend.calls.get() < 10, "amortised growth: {} calls", backend.calls.get());
        assert_eq!(v.pop(), Some(99));
    }
    assert_eq!(backend.live_bytes.get(), 0, "dropping the vector frees its buffer");
}

#[test]
fn failed_push_leaves_the_vector_unchanged_and_returns_the_value() {
    quiet_reports();
    let backend = TestBackend::new();
    NoWait::enter(|nw| {
        let mut v = KVec::new_in(&backend);
        v.extend_from_slice(&[1u64, 2, 3, 4], GFP_ATOMIC, nw).unwrap();
        while v.len() < v.capacity() {
            v.push(0, GFP_ATOMIC, nw).unwrap();
        }
        let before = snapshot(&v);
        backend.fail_all.set(true);
        let error = v.try_push(99, GFP_ATOMIC, nw).unwrap_err();
        assert_eq!(error.value, 99);
        assert!(error.error.is_out_of_memory());
        // `push` returns the `AllocError` itself, as Rust-for-Linux's does.
        let error: alloc_ctx::AllocError = v.push(99, GFP_ATOMIC, nw).unwrap_err();
        assert!(error.is_out_of_memory());
        assert_eq!(snapshot(&v), before);
        // Pushing within capacity needs no request and still works.
        v.pop();
        assert_eq!(v.push_within_capacity(7), Ok(()));
        assert_eq!(v.push_within_capacity(8), Err(alloc_ctx::CapacityError(8)));
    });
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn failed_extend_resize_reserve_and_clone_leave_the_vector_unchanged() {
    quiet_reports();
    let backend = TestBackend::new();
    {
        let mut v = KVec::with_capacity_in(2, &backend, GFP_KERNEL, cx).unwrap();
        v.extend_from_slice(&[String::from("a"), String::from("b")], GFP_KERNEL, cx).unwrap();
        let before = snapshot(&v);
        backend.fail_all.set(true);
        assert!(v.extend_from_slice(&[String::from("c")], GFP_KERNEL, cx).is_err());
        assert_eq!(snapshot(&v), before);
        assert!(v.resize(10, String::from("z"), GFP_KERNEL, cx).is_err());
        assert_eq!(snapshot(&v), before);
        assert!(v.reserve(1, GFP_KERNEL, cx).is_err());
        assert_eq!(snapshot(&v), before);
        assert!(v.try_clone(GFP_KERNEL, cx).is_err());
        assert_eq!(snapshot(&v), before);
        // Shrinking never allocates, so it works while the backend fails.
        v.resize(1, String::new(), GFP_KERNEL, cx).unwrap();
        assert_eq!(v.as_slice(), ["a"]);
        backend.fail_all.set(false);
        let copy = v.try_clone(GFP_KERNEL, cx).unwrap();
        assert_eq!(copy, v);
    }
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn sizes_over_the_bound_are_size_errors_naming_the_bound() {
    let backend = TestBackend::new();
    {
        let mut v: KVec<u64, _> = KVec::new_in(&backend);
        v.push(1, GFP_KERNEL, cx).unwrap();
        let before = snapshot(&v);
        let error = v.reserve(KMALLOC_MAX_SIZE / 8, GFP_KERNEL, cx).unwrap_err();
        let Some(size_error) = error.size_error() else { panic!("expected a size error, got {error:?}") };
        assert_eq!(size_error.bound(), "KMALLOC_MAX_SIZE");
        assert_eq!(size_error.excess(), 8, "one element too many");
        assert!(error.to_string().contains("KMALLOC_MAX_SIZE"), "{error}");
        // Overflowing element counts are size errors too.
        assert!(matches!(v.reserve(usize::MAX, GFP_KERNEL, cx), Err(e) if e.size_error().is_some()));
        assert_eq!(snapshot(&v), before);
        let calls = backend.calls.get();
        assert!(v.reserve(KMALLOC_MAX_SIZE, GFP_KERNEL, cx).is_err());
        assert_eq!(backend.calls.get(), calls, "a rejected size never reaches the backend");
        // Growth up to exactly the bound works even though doubling would exceed it.
        assert_eq!(KVec::<u64>::MAX_CAPACITY, KMALLOC_MAX_SIZE / 8);
    }
}

#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "allocates 5 MiB, too slow under Miri")]
fn kvvec_goes_past_the_kmalloc_bound() {
    let mut big: KVVec<u8> = KVVec::new();
    big.resize(KMALLOC_MAX_SIZE + 1, 0xAB, GFP_KERNEL, cx).unwrap();
    assert_eq!(big.len(), KMALLOC_MAX_SIZE + 1);
    let mut small: KVec<u8> = KVec::new();
    assert!(matches!(small.resize(KMALLOC_MAX_SIZE + 1, 0, GFP_KERNEL, cx), Err(e) if e.size_error().is_some()));
    // and exactly at the bound is fine
    small.resize(KMALLOC_MAX_SIZE, 0, GFP_KERNEL, cx).unwrap();
}

#[alloc_ctx::test]
fn grow_to_accepts_nofail_with_a_proven_size() {
    let backend = TestBackend::new();
    backend.fail_next.set(2);
    {
        let mut paths: KVec<[u64; 4], _> = KVec::new_in(&backend);
        paths.push([1; 4], GFP_KERNEL, cx).unwrap(); // first call fails twice, then reclaim retries succeed
        let size = array_size::<[u64; 4], NofailMax>(64).unwrap();
        let () = paths.grow_to(size, GFP_KERNEL | __GFP_NOFAIL, cx);
        assert_eq!(paths.capacity(), 64);
        assert_eq!(paths[0], [1; 4]);
        // Growing to a smaller size is a no-op.
        paths.grow_to(array_size::<[u64; 4], KmallocMax>(8).unwrap(), GFP_KERNEL, cx).unwrap();
        assert_eq!(paths.capacity(), 64);
    }
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn zero_sized_elements_never_allocate() {
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    {
        let mut v: KVec<(), _> = KVec::new_in(&backend);
        for _ in 0..1000 {
            v.push((), GFP_KERNEL, cx).unwrap();
        }
        assert_eq!(v.len(), 1000);
        let unit = KBox::new_in((), &backend, GFP_KERNEL, cx).unwrap();
        assert_eq!(*unit, ());
    }
    assert_eq!(backend.calls.get(), 0);
}

/// Counts drops, to prove each element is dropped exactly once.
struct DropCounter(Rc<Cell<usize>>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[alloc_ctx::test]
fn elements_are_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    {
        let mut v = KVec::new();
        for _ in 0..10 {
            v.push(DropCounter(drops.clone()), GFP_KERNEL, cx).unwrap();
        }
        v.truncate(7);
        assert_eq!(drops.get(), 3);
        drop(v.swap_remove(0));
        assert_eq!(drops.get(), 4);
        let boxed = KBox::new(DropCounter(drops.clone()), GFP_KERNEL, cx).unwrap();
        let inner = boxed.into_inner();
        assert_eq!(drops.get(), 4, "into_inner moves out without dropping");
        drop(inner);
        assert_eq!(drops.get(), 5);
    }
    assert_eq!(drops.get(), 11);
}

#[alloc_ctx::test]
fn kbox_new_clone_and_nofail() {
    let backend = TestBackend::new();
    {
        let a = KBox::new_in([7u32; 16], &backend, GFP_KERNEL, cx).unwrap();
        let b = a.try_clone(GFP_KERNEL | __GFP_NOFAIL, cx); // NOFAIL: no Result
        assert_eq!(*b, [7u32; 16]);
        assert_eq!(backend.live_bytes.get(), 128);
        let uninit = KBox::<u64, _>::new_uninit_in(&backend, GFP_KERNEL, cx).unwrap();
        let value = uninit.write(42);
        assert_eq!(*value, 42);
    }
    assert_eq!(backend.live_bytes.get(), 0);
    quiet_reports();
    backend.fail_all.set(true);
    NoWait::enter(|nw| {
        let error = KBox::new_in(1u8, &backend, GFP_NOWAIT, nw).unwrap_err();
        assert_eq!(error.kind(), AllocErrorKind::OutOfMemory { size: 1, align: 1, gfp: GFP_NOWAIT.gfp() });
    });
}

#[alloc_ctx::test]
fn byte_buffers_are_zeroed_with_gfp_zero() {
    let size = alloc_ctx::size::Size::<KmallocMax>::new(4096).unwrap();
    let mut first = cx.alloc(GFP_KERNEL | __GFP_ZERO, size).unwrap();
    first.fill(0xFF);
    drop(first);
    let second = cx.alloc(GFP_KERNEL | __GFP_ZERO, size).unwrap();
    assert!(second.iter().all(|&byte| byte == 0));
    let mut v: KVec<u8> = KVec::new();
    v.extend_from_slice(&[1, 2, 3], GFP_KERNEL | __GFP_ZERO, cx).unwrap();
    v.reserve(10_000, GFP_KERNEL | __GFP_ZERO, cx).unwrap();
    assert_eq!(v.as_slice(), [1, 2, 3], "zeroing a grown buffer keeps the contents");
}

#[alloc_ctx::test]
fn a_panicking_clone_in_extend_leaves_the_vector_as_it_was() {
    /// Counts live values; its third clone panics.
    struct Fragile(Rc<Cell<usize>>, Rc<Cell<usize>>);
    impl Clone for Fragile {
        fn clone(&self) -> Self {
            self.1.set(self.1.get() + 1);
            assert!(self.1.get() != 3, "clone number 3 fails");
            self.0.set(self.0.get() + 1);
            Fragile(Rc::clone(&self.0), Rc::clone(&self.1))
        }
    }
    impl Drop for Fragile {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }
    let (live, clones) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let make = || {
        live.set(live.get() + 1);
        Fragile(Rc::clone(&live), Rc::clone(&clones))
    };
    let source = [make(), make(), make(), make()];
    {
        let mut vec: KVec<Fragile> = KVec::with_capacity(8, GFP_KERNEL, cx).unwrap();
        vec.push(make(), GFP_KERNEL, cx).unwrap_or_else(|_| panic!("room reserved"));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = vec.extend_from_slice(&source, GFP_KERNEL, cx);
        }));
        assert!(result.is_err());
        assert_eq!(vec.len(), 1, "the two clones made before the panic were dropped, not added");
        assert_eq!(live.get(), 5, "4 sources + 1 element: nothing leaked, nothing dropped twice");
    }
    drop(source);
    assert_eq!(live.get(), 0);
}

// ---- Rust-for-Linux parity: new operations, their failure paths ---------

use std::panic::{AssertUnwindSafe, catch_unwind};

use alloc_ctx::FlexArray;
use alloc_ctx::arc::Arc;
use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx::error::{Error, code::*};
use alloc_ctx::size::{KVMALLOC_MAX_SIZE, KvmallocMax, VmallocMax};
use alloc_ctx::{CapacityError, InsertError, RemoveError};
use alloc_ctx::{KVBox, TryClone, VBox, VVec, kbox_dyn, kvec};

/// Counts live values; a value may be told to panic in `clone` or `drop`.
#[derive(Debug)]
struct Tracked {
    id: u32,
    live: Rc<Cell<isize>>,
    panic_on_clone: bool,
    panic_on_drop: bool,
}

impl Tracked {
    fn new(id: u32, live: &Rc<Cell<isize>>) -> Tracked {
        live.set(live.get() + 1);
        Tracked { id, live: Rc::clone(live), panic_on_clone: false, panic_on_drop: false }
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(!self.panic_on_clone, "clone of {} panics", self.id);
        Tracked::new(self.id, &self.live)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.live.set(self.live.get() - 1);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("drop of {} panics", self.id);
        }
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

fn ids<B: alloc_ctx::size::Bound, A: alloc_ctx::backend::Backend>(v: &BoundedVec<Tracked, B, A>) -> Vec<u32> {
    v.iter().map(|t| t.id).collect()
}

#[alloc_ctx::test]
fn insert_grows_or_hands_the_value_back() {
    quiet_reports();
    let backend = TestBackend::new();
    {
        let mut v = KVec::with_capacity_in(2, &backend, GFP_KERNEL, cx).unwrap();
        v.insert(0, 2u32, GFP_KERNEL, cx).unwrap();
        v.insert(0, 1, GFP_KERNEL, cx).unwrap();
        v.insert(2, 4, GFP_KERNEL, cx).unwrap(); // grows
        v.insert(2, 3, GFP_KERNEL, cx).unwrap();
        assert_eq!(v, [1, 2, 3, 4]);
        while v.len() < v.capacity() {
            v.push(0, GFP_KERNEL, cx).unwrap();
        }
        let before = snapshot(&v);
        let calls = backend.calls.get();
        let Err(InsertError::IndexOutOfBounds(9)) = v.insert(99, 9, GFP_KERNEL, cx) else {
            panic!("index checked first")
        };
        assert_eq!(backend.calls.get(), calls, "a bad index makes no request");
        backend.fail_all.set(true);
        let error = v.insert(1, 7, GFP_NOWAIT, cx).unwrap_err();
        assert!(matches!(Error::from(error), e if e == ENOMEM));
        let Err(InsertError::NoMemory(error)) = v.insert(1, 7, GFP_NOWAIT, cx) else { panic!("expected NoMemory") };
        assert_eq!(error.value, 7);
        assert_eq!(snapshot(&v), before);
        assert!(matches!(v.insert_within_capacity(0, 5), Err(InsertError::OutOfCapacity(5))));
        assert_eq!(InsertError::OutOfCapacity(5).into_value(), 5);
    }
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn remove_and_push_within_capacity_errors_are_einval() {
    let mut v = kvec![cx; 10, 20, 30].unwrap();
    assert_eq!(v.remove(0), Ok(10));
    assert_eq!(v.remove(2), Err(RemoveError));
    assert_eq!(v, [20, 30]);
    assert_eq!(Error::from(RemoveError), EINVAL);
    let mut full = KVec::<u8>::with_capacity(1, GFP_KERNEL, cx).unwrap();
    full.resize(full.capacity(), 0, GFP_KERNEL, cx).unwrap();
    let error = full.push_within_capacity(1).unwrap_err();
    assert_eq!(error, CapacityError(1));
    assert_eq!(Error::from(error), EINVAL);
}

#[alloc_ctx::test]
fn extend_with_an_exact_size_iterator_reserves_first_and_consumes_nothing_on_failure() {
    quiet_reports();
    let backend = TestBackend::new();
    {
        let mut v = KVec::new_in(&backend);
        v.extend(0..10u64, GFP_KERNEL, cx).unwrap();
        assert_eq!(backend.calls.get(), 1, "one request for an exact-size iterator");
        let before = snapshot(&v);
        backend.fail_all.set(true);
        let mut source = 10..1000u64;
        assert!(v.extend(&mut source, GFP_NOWAIT, cx).is_err());
        assert_eq!(snapshot(&v), before);
        assert_eq!(source.next(), Some(10), "nothing was taken from the iterator");
        // Within the spare capacity, no request is needed even while the backend fails.
        let spare = v.capacity() - v.len();
        v.extend((0..spare as u64).filter(|_| true), GFP_NOWAIT, cx).unwrap();
        assert_eq!(v.len(), v.capacity());
    }
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn extend_past_the_spare_capacity_is_all_or_nothing() {
    quiet_reports();
    let live = Rc::new(Cell::new(0));
    let budget = Budget::new(1 << 20);
    {
        let mut v: KVec<Tracked, _> = KVec::with_capacity_in(100, &budget, GFP_KERNEL, cx).unwrap();
        for id in 0..98 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        let baseline = budget.live_bytes();
        let before = (v.len(), v.capacity(), v.as_ptr());

        // 1. The temporary vector's growth fails (a budget too small for it).
        let tight = Budget::new(0);
        let mut small: KVec<Tracked, _> = KVec::new_in(&tight);
        assert!(small.extend((0..3).map(|id| Tracked::new(id, &live)).filter(|_| true), GFP_NOWAIT, cx).is_err());
        assert!(small.is_empty());

        // 2. The final growth of the vector fails: the items collected apart
        //    and those written into the spare slots are dropped.
        let failing = FailInject::wrap(&budget).fail_at_least(100 * size_of::<Tracked>() + 1);
        let mut w: KVec<Tracked, _> = KVec::with_capacity_in(100, &failing, GFP_KERNEL, cx).unwrap();
        for id in 0..98 {
            w.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        let w_before = (w.len(), w.capacity(), w.as_ptr());
        let error = w.extend((100..110).map(|id| Tracked::new(id, &live)).filter(|_| true), GFP_NOWAIT, cx);
        assert!(matches!(error, Err(e) if e.is_out_of_memory()));
        assert_eq!((w.len(), w.capacity(), w.as_ptr()), w_before);
        assert_eq!(live.get(), 98 + 98, "the ten new items were dropped");
        drop(w);

        // 3. A panicking iterator, in the spare slots and past them.
        for panic_at in [1, 5] {
            let result = catch_unwind(AssertUnwindSafe(|| {
                let items = (200..210).map(|id| {
                    assert!(id != 200 + panic_at, "iterator panics");
                    Tracked::new(id, &live)
                });
                let _ = v.extend(items.filter(|_| true), GFP_KERNEL, cx);
            }));
            assert!(result.is_err());
            assert_eq!((v.len(), v.capacity(), v.as_ptr()), before);
            assert_eq!(budget.live_bytes(), baseline, "the temporary vector was freed");
            assert_eq!(live.get(), 98);
        }

        // 4. And the success path: 2 in the spare slots, 8 collected apart.
        v.extend((300..310).map(|id| Tracked::new(id, &live)).filter(|_| true), GFP_KERNEL, cx).unwrap();
        assert_eq!(v.len(), 108);
        assert_eq!(ids(&v)[96..], [96, 97, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309]);
    }
    assert_eq!(live.get(), 0);
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn extend_with_resize_and_from_elem_are_all_or_nothing() {
    quiet_reports();
    let live = Rc::new(Cell::new(0));
    let backend = TestBackend::new();
    {
        let mut v = KVec::from_elem_in(Tracked::new(1, &live), 3, &backend, GFP_KERNEL, cx).unwrap();
        assert_eq!(ids(&v), [1, 1, 1]);
        assert_eq!(live.get(), 3, "the last copy is the value itself");
        let before = (v.len(), v.capacity(), v.as_ptr());
        backend.fail_all.set(true);
        assert!(v.extend_with(10, Tracked::new(2, &live), GFP_NOWAIT, cx).is_err());
        assert!(v.resize(10, Tracked::new(2, &live), GFP_NOWAIT, cx).is_err());
        assert!(KVec::from_elem_in(Tracked::new(3, &live), 5, &backend, GFP_NOWAIT, cx).is_err());
        assert_eq!((v.len(), v.capacity(), v.as_ptr()), before);
        assert_eq!(live.get(), 3, "the values were dropped");
        backend.fail_all.set(false);
        // A panicking clone drops the clones made so far.
        let mut fragile = Tracked::new(4, &live);
        v.reserve(10, GFP_KERNEL, cx).unwrap();
        let before = (v.len(), v.capacity(), v.as_ptr());
        fragile.panic_on_clone = true;
        let result = catch_unwind(AssertUnwindSafe(|| v.extend_with(5, fragile, GFP_KERNEL, cx)));
        assert!(result.is_err());
        assert_eq!((v.len(), v.capacity(), v.as_ptr()), before);
        assert_eq!(live.get(), 3);
    }
    assert_eq!(live.get(), 0);
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
fn shrink_to_reallocates_or_leaves_the_vector_unchanged() {
    quiet_reports();
    let backend = TestBackend::new();
    {
        let mut v = KVec::<u64, _>::with_capacity_in(64, &backend, GFP_KERNEL, cx).unwrap();
        v.extend_from_slice(&[1, 2, 3], GFP_KERNEL, cx).unwrap();
        backend.fail_all.set(true);
        let before = snapshot(&v);
        assert!(v.shrink_to(8, GFP_NOWAIT, cx).is_err());
        assert_eq!(snapshot(&v), before);
        backend.fail_all.set(false);
        v.shrink_to(8, GFP_KERNEL, cx).unwrap();
        assert_eq!((v.capacity(), backend.live_bytes.get()), (8, 64));
        v.shrink_to_fit(GFP_KERNEL, cx).unwrap();
        assert_eq!((v.as_slice(), v.capacity()), (&[1, 2, 3][..], 3));
        v.shrink_to(100, GFP_KERNEL, cx).unwrap();
        assert_eq!(v.capacity(), 3, "never grows");
        v.clear();
        backend.fail_all.set(true);
        let calls = backend.calls.get();
        v.shrink_to_fit(GFP_NOWAIT, cx).unwrap();
        assert_eq!(
            (v.capacity(), backend.calls.get(), backend.live_bytes.get()),
            (0, calls, 0),
            "a free needs no request"
        );
    }
}

#[alloc_ctx::test]
fn try_clone_is_deep() {
    let budget = Budget::new(1 << 20);
    {
        let mut queues: KVec<KBox<[u32; 4], &Budget>, &Budget> = KVec::new_in(&budget);
        for i in 0..4 {
            queues.push(KBox::new_in([i; 4], &budget, GFP_KERNEL, cx).unwrap(), GFP_KERNEL, cx).unwrap();
        }
        let baseline = budget.live_bytes();
        let copy = queues.try_clone(GFP_KERNEL, cx).unwrap();
        assert_eq!(copy, queues);
        assert!(!std::ptr::eq(&raw const *copy[0], &raw const *queues[0]), "new boxes");
        assert_eq!(budget.live_bytes(), baseline + 4 * size_of::<KBox<[u32; 4], &Budget>>() + 4 * 16);
        // Nested: a vector of vectors.
        let mut table: KVec<KVec<u8>> = KVec::new();
        table.push(kvec![cx; 1, 2].unwrap(), GFP_KERNEL, cx).unwrap();
        let copy = table.try_clone(GFP_KERNEL, cx).unwrap();
        assert_eq!(copy[0], [1, 2]);
        // A `KBox<KVec<T>>` is cloned through `TryClone` (the vector is not
        // `Clone`, so the inherent `KBox::try_clone` does not apply).
        let boxed: KBox<KVec<u8>> = KBox::new(kvec![cx; 1, 2, 3].unwrap(), GFP_KERNEL, cx).unwrap();
        let copy = boxed.try_clone(GFP_KERNEL, cx).unwrap();
        assert_eq!(*copy, [1, 2, 3]);
        assert_eq!(*TryClone::try_clone(&boxed, GFP_KERNEL, cx).unwrap(), [1, 2, 3]);
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn try_clone_failing_at_each_request_leaves_no_block_behind() {
    quiet_reports();
    let budget = Budget::new(1 << 20);
    {
        type Source<'b> = KVec<KBox<u64, &'b FailInject<&'b Budget>>, &'b FailInject<&'b Budget>>;
        fn build<'b>(backend: &'b FailInject<&'b Budget>, cx: &mut MaySleep) -> Source<'b> {
            let mut source: Source<'b> = KVec::new_in(backend);
            for i in 0..3 {
                source.push(KBox::new_in(i, backend, GFP_NOWAIT, cx).unwrap(), GFP_NOWAIT, cx).unwrap();
            }
            source
        }
        let counting = FailInject::wrap(&budget);
        drop(build(&counting, cx));
        let build_calls = counting.calls();
        // The copy makes 4 requests: its buffer, then one box per element.
        for fail_at in 1..=4 {
            let failing = FailInject::wrap(&budget).fail_nth(build_calls + fail_at);
            let source = build(&failing, cx);
            let before = budget.live_bytes();
            assert!(source.try_clone(GFP_NOWAIT, cx).is_err(), "request {fail_at} of the copy fails");
            assert_eq!(budget.live_bytes(), before, "the partial copy was freed");
            assert_eq!(source.iter().map(|b| **b).collect::<Vec<_>>(), [0, 1, 2], "the source is untouched");
        }
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn a_panicking_clone_in_try_clone_leaks_nothing() {
    let live = Rc::new(Cell::new(0));
    let budget = Budget::new(1 << 20);
    {
        let mut v: KVec<Tracked, &Budget> = KVec::new_in(&budget);
        for id in 0..4 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        v[2].panic_on_clone = true;
        let baseline = budget.live_bytes();
        let result = catch_unwind(AssertUnwindSafe(|| v.try_clone(GFP_KERNEL, cx)));
        assert!(result.is_err());
        assert_eq!((budget.live_bytes(), live.get()), (baseline, 4));
        assert_eq!(ids(&v), [0, 1, 2, 3]);
    }
    assert_eq!((budget.live_bytes(), live.get()), (0, 0));
}

#[alloc_ctx::test]
fn try_from_iter_drops_what_it_took_on_failure() {
    quiet_reports();
    let live = Rc::new(Cell::new(0));
    let budget = Budget::new(64);
    {
        let items = (0..100).map(|id| Tracked::new(id, &live)).filter(|_| true);
        assert!(KVec::try_from_iter_in(items, &budget, GFP_NOWAIT, cx).is_err());
        assert_eq!((live.get(), budget.live_bytes()), (0, 0));
        let ok = KVec::try_from_iter_in((0..2).map(|id| Tracked::new(id, &live)), &budget, GFP_NOWAIT, cx).unwrap();
        assert_eq!(ids(&ok), [0, 1]);
    }
    assert_eq!((live.get(), budget.live_bytes()), (0, 0));
}

#[alloc_ctx::test]
fn owning_iterator_frees_the_buffer_on_early_drop_and_on_panic() {
    let live = Rc::new(Cell::new(0));
    let backend = TestBackend::new();
    {
        let mut v = KVec::new_in(&backend);
        for id in 0..5 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        let mut iter = v.into_iter();
        assert_eq!(iter.next().map(|t| t.id), Some(0));
        assert_eq!(iter.next_back().map(|t| t.id), Some(4));
        assert_eq!(iter.len(), 3);
        assert_eq!(iter.as_slice().len(), 3);
        drop(iter);
        assert_eq!((live.get(), backend.live_bytes.get()), (0, 0));

        // A value's panicking `Drop` while the iterator drops the rest.
        let mut v = KVec::new_in(&backend);
        for id in 0..5 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        v[1].panic_on_drop = true;
        let mut iter = v.into_iter();
        let first = iter.next();
        let result = catch_unwind(AssertUnwindSafe(move || drop(iter)));
        assert!(result.is_err());
        assert_eq!((live.get(), backend.live_bytes.get()), (1, 0), "the others were dropped, the buffer freed");
        drop(first);

        // `for` over an owned vector yields the values.
        let v = kvec![cx; String::from("a"), String::from("b")].unwrap();
        let mut joined = String::new();
        for s in v {
            joined.push_str(&s); // `s: String`, not `&String`
        }
        assert_eq!(joined, "ab");
    }
    assert_eq!(live.get(), 0);
}

#[alloc_ctx::test]
fn owning_iterator_collect_reuses_the_buffer_and_keeps_it_if_shrinking_fails() {
    quiet_reports();
    let backend = TestBackend::new();
    {
        let mut v = KVec::<u32, _>::with_capacity_in(16, &backend, GFP_KERNEL, cx).unwrap();
        v.extend(0..8, GFP_KERNEL, cx).unwrap();
        let untouched = v.into_iter().collect(GFP_KERNEL, cx);
        assert_eq!((untouched.len(), untouched.capacity()), (8, 16), "not advanced: no request");
        let mut iter = untouched.into_iter();
        iter.next();
        backend.fail_all.set(true);
        let kept = iter.collect(GFP_NOWAIT, cx);
        assert_eq!((kept.as_slice(), kept.capacity()), (&[1, 2, 3, 4, 5, 6, 7][..], 16));
        backend.fail_all.set(false);
        let mut iter = kept.into_iter();
        iter.next();
        let shrunk = iter.collect(GFP_KERNEL, cx);
        assert_eq!((shrunk.as_slice(), shrunk.capacity()), (&[2, 3, 4, 5, 6, 7][..], 6));
    }
    assert_eq!(backend.live_bytes.get(), 0);
}

#[alloc_ctx::test]
#[cfg_attr(
    miri,
    ignore = "leaks two elements on purpose (`mem::forget` of a `Drain`), which Miri's leak check reports"
)]
fn drain_moves_the_tail_back_even_if_dropped_early_or_leaked() {
    let live = Rc::new(Cell::new(0));
    {
        let mut v = KVec::new();
        for id in 0..8 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        let mut drain = v.drain(2..5);
        assert_eq!(drain.next().map(|t| t.id), Some(2));
        drop(drain); // 3 and 4 are dropped, 5.. move down
        assert_eq!(ids(&v), [0, 1, 5, 6, 7]);
        assert_eq!(live.get(), 5);
        let back: Vec<u32> = v.drain(3..).rev().map(|t| t.id).collect();
        assert_eq!(back, [7, 6]);
        assert_eq!(ids(&v), [0, 1, 5]);
        // Leaking a `Drain` leaks the range and the tail, never drops twice.
        std::mem::forget(v.drain(1..2));
        assert_eq!(ids(&v), [0]);
        // A panicking `Drop` of a drained value: the tail is still put back.
        for id in 10..14 {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        v[2].panic_on_drop = true;
        let result = catch_unwind(AssertUnwindSafe(|| drop(v.drain(1..3))));
        assert!(result.is_err());
        assert_eq!(ids(&v), [0, 12, 13]);
        let drained = v.drain_all().count();
        assert_eq!((drained, v.len()), (3, 0));
    }
    assert_eq!(live.get(), 2, "the two leaked by `mem::forget`");
}

#[alloc_ctx::test]
fn retain_and_dedup_drop_each_element_once_even_when_the_predicate_panics() {
    let live = Rc::new(Cell::new(0));
    {
        let mut v = KVec::new();
        for id in [1, 1, 2, 3, 3, 3, 4, 1] {
            v.push(Tracked::new(id, &live), GFP_KERNEL, cx).unwrap();
        }
        v.dedup();
        assert_eq!(ids(&v), [1, 2, 3, 4, 1]);
        assert_eq!(live.get(), 5);
        v.dedup_by_key(|t| t.id % 2);
        assert_eq!(ids(&v), [1, 2, 3, 4, 1]);
        v.retain(|t| t.id != 2);
        assert_eq!(ids(&v), [1, 3, 4, 1]);
        let result = catch_unwind(AssertUnwindSafe(|| {
            v.retain(|t| {
                assert!(t.id != 4, "predicate panics");
                t.id == 1
            });
        }));
        assert!(result.is_err());
        assert_eq!(live.get(), 4, "nothing dropped or lost");
        assert_eq!(v.len(), 4);
    }
    assert_eq!(live.get(), 0);
}

#[alloc_ctx::test]
fn comparisons_with_arrays_slices_and_other_vectors() {
    let v: KVec<u8> = kvec![cx; 1, 2, 3].unwrap();
    let w: KVVec<u8> = KVVec::from_elem(0, 0, GFP_KERNEL, cx).unwrap();
    let mut x: VVec<u8> = VVec::new();
    x.extend_from_slice(&[1, 2, 3], GFP_KERNEL, cx).unwrap();
    assert_eq!(v, [1, 2, 3]);
    assert_eq!(v, &[1, 2, 3]);
    assert_eq!(&v, &[1, 2, 3]);
    assert_eq!(v, [1, 2, 3][..]);
    assert_eq!(v, &[1u8, 2, 3][..]);
    assert_eq!([1u8, 2, 3][..], v);
    assert_eq!(&[1u8, 2, 3][..], v);
    assert_eq!(v, x);
    assert_ne!(v, w);
    assert!(v < kvec![cx; 1, 2, 4].unwrap());
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    assert_eq!(state.hash_one(&v), state.hash_one([1u8, 2, 3].as_slice()));
}

#[alloc_ctx::test]
fn vmalloc_and_kvmalloc_bounds() {
    quiet_reports();
    assert_eq!(VVec::<u8>::MAX_CAPACITY, isize::MAX as usize);
    assert_eq!(KVVec::<u8>::MAX_CAPACITY, KVMALLOC_MAX_SIZE);
    assert_eq!(
        array_size::<u8, VmallocMax>(KVMALLOC_MAX_SIZE + 1).map(alloc_ctx::size::Size::get),
        Ok(KVMALLOC_MAX_SIZE + 1)
    );
    let widened: alloc_ctx::size::Size<VmallocMax> = array_size::<u64, KvmallocMax>(8).unwrap().into();
    assert_eq!(widened.get(), 64);
    let budget = Budget::new(1 << 20);
    {
        // Past INT_MAX: a size error for a KVVec, but a request for a VVec
        // (which this budget refuses).
        let mut kv: KVVec<u8, _> = KVVec::new_in(&budget);
        assert!(matches!(kv.reserve(KVMALLOC_MAX_SIZE + 1, GFP_NOWAIT, cx), Err(e) if e.size_error().is_some()));
        let mut v: VVec<u8, _> = VVec::new_in(&budget);
        // (vmalloc needs direct reclaim: a VVec grows with sleeping flags.)
        assert!(
            matches!(v.reserve(KVMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN, cx), Err(e) if e.is_out_of_memory())
        );
        let b = VBox::new_in([1u8; 64], &budget, GFP_KERNEL, cx).unwrap();
        let kvb = KVBox::new_in([2u8; 64], &budget, GFP_KERNEL, cx).unwrap();
        assert_eq!(budget.live_bytes(), 128);
        drop((b, kvb));
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn zero_sized_elements_through_the_new_operations() {
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    {
        let mut v: KVec<(), _> = KVec::new_in(&backend);
        v.extend(std::iter::repeat_n((), 5).filter(|_| true), GFP_KERNEL, cx).unwrap();
        v.insert(2, (), GFP_KERNEL, cx).unwrap();
        v.extend_with(3, (), GFP_KERNEL, cx).unwrap();
        assert_eq!(v.len(), 9);
        assert_eq!(v.drain(1..4).count(), 3);
        v.shrink_to_fit(GFP_KERNEL, cx).unwrap();
        assert_eq!((v.len(), v.capacity()), (6, usize::MAX));
        let copy = v.try_clone(GFP_KERNEL, cx).unwrap();
        assert_eq!(copy.into_iter().count(), 6);
        let (ptr, len, cap) = v.into_raw_parts();
        assert_eq!((len, cap), (6, usize::MAX));
        // SAFETY: the parts of a vector of zero-sized values; dropping it
        // through `System` frees nothing.
        let v: KVec<()> = unsafe { KVec::from_raw_parts(ptr, len, cap) };
        assert_eq!(v.len(), 6);
        let from_box = KVec::from(KBox::new([(); 3], GFP_KERNEL, cx).unwrap());
        assert_eq!((from_box.len(), from_box.capacity()), (3, usize::MAX));
        let empty = KVec::from(KBox::new([0u64; 0], GFP_KERNEL, cx).unwrap());
        assert_eq!((empty.len(), empty.capacity()), (0, 0));
    }
    assert_eq!(backend.calls.get(), 0);
}

#[alloc_ctx::test]
fn kbox_new_operations_and_their_failures() {
    quiet_reports();
    let budget = Budget::new(256);
    {
        let zeroed = KBox::<[u64; 8], _>::zeroed_in(&budget, GFP_KERNEL, cx).unwrap();
        assert_eq!(*zeroed, [0; 8]);
        assert!(KBox::<[u64; 32], _>::zeroed_in(&budget, GFP_NOWAIT, cx).is_err());
        let copy = KBox::from_slice_in(&[1u16, 2, 3], &budget, GFP_KERNEL, cx).unwrap();
        assert_eq!(*copy, [1, 2, 3]);
        assert!(KBox::from_slice_in(&[0u8; 200], &budget, GFP_NOWAIT, cx).is_err());
        assert!(KBox::<[u8], _>::new_uninit_slice_in(200, &budget, GFP_NOWAIT, cx).is_err());
        let size_error = KBox::<[u64], _>::new_uninit_slice_in(usize::MAX / 4, &budget, GFP_NOWAIT, cx).unwrap_err();
        assert_eq!(Error::from(size_error), EOVERFLOW);
        assert_eq!(budget.live_bytes(), 64 + 6);
        let empty = KBox::<[u32], _>::new_uninit_slice_in(0, &budget, GFP_NOWAIT, cx).unwrap();
        assert_eq!(empty.len(), 0);
        drop((zeroed, copy, empty));
        // A trait object keeps its backend and frees through it.
        trait Shape {
            fn area(&self) -> u32;
        }
        struct Square(u32);
        impl Shape for Square {
            fn area(&self) -> u32 {
                self.0 * self.0
            }
        }
        let shape: KBox<dyn Shape, &Budget> =
            kbox_dyn!(KBox::new_in(Square(3), &budget, GFP_KERNEL, cx).unwrap() as dyn Shape);
        assert_eq!((shape.area(), budget.live_bytes()), (9, 4));
        drop(shape);
        let bytes = kbox_dyn!(KBox::new_in([7u8; 16], &budget, GFP_KERNEL, cx).unwrap() as [u8]);
        assert_eq!((bytes.len(), budget.live_bytes()), (16, 16));
        drop(bytes);
        // A byte buffer written, then `assume_init`.
        let raw = cx.alloc_in(&budget, GFP_KERNEL, alloc_ctx::size::Size::<KmallocMax>::new(4).unwrap()).unwrap();
        let buffer = raw.init_copy_of_slice(b"abcd");
        assert_eq!(&*buffer, b"abcd");
    }
    assert_eq!(budget.live_bytes(), 0);
}

#[alloc_ctx::test]
fn flexible_array_struct_is_sized_by_struct_size_and_cleans_up() {
    quiet_reports();
    #[derive(Debug)]
    struct Header {
        count: u16,
    }
    let live = Rc::new(Cell::new(0));
    let budget = Budget::new(1024);
    {
        let flex = KBox::<FlexArray<Header, u64>, _>::new_flex_in(
            Header { count: 3 },
            3,
            |i| i as u64 + 1,
            &budget,
            GFP_KERNEL,
            cx,
        )
        .unwrap();
        assert_eq!((flex.header.count, &flex.elems), (3, &[1, 2, 3][..]));
        assert_eq!(budget.live_bytes(), alloc_ctx::size::struct_size::<Header, u64, KmallocMax>(3).unwrap().get());
        drop(flex);
        // Over the budget: nothing is built.
        let too_many =
            KBox::<FlexArray<Header, u64>, _>::new_flex_in(Header { count: 0 }, 200, |_| 0, &budget, GFP_NOWAIT, cx);
        assert!(too_many.is_err());
        // Over the bound (overflow): a size error before any request.
        let overflow = KBox::<FlexArray<Header, u64>, _>::new_flex_in(
            Header { count: 0 },
            usize::MAX / 2,
            |_| 0,
            &budget,
            GFP_NOWAIT,
            cx,
        );
        assert!(matches!(overflow, Err(e) if e.size_error().is_some()));
        // A panicking element constructor: header and elements dropped, block freed.
        let result = catch_unwind(AssertUnwindSafe(|| {
            KBox::<FlexArray<Tracked, Tracked>, _>::new_flex_in(
                Tracked::new(0, &live),
                4,
                |i| {
                    assert!(i != 2, "element 2 panics");
                    Tracked::new(i as u32, &live)
                },
                &budget,
                GFP_KERNEL,
                cx,
            )
        }));
        assert!(result.is_err());
        assert_eq!((live.get(), budget.live_bytes()), (0, 0));
    }
}

#[alloc_ctx::test]
fn arc_counts_shares_across_threads_and_frees_through_its_backend() {
    quiet_reports();
    static BUDGET: Budget = Budget::new(4096);
    let live = Rc::new(Cell::new(0));
    {
        let shared = Arc::new_in([1u64; 8], &BUDGET, GFP_KERNEL, cx).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let mine = Arc::clone(&shared);
                std::thread::spawn(move || mine.iter().sum::<u64>())
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap(), 8);
        }
        assert_eq!(Arc::strong_count(&shared), 1);
        assert!(BUDGET.live_bytes() > 0);
        drop(shared);
        assert_eq!(BUDGET.live_bytes(), 0);
        // A failed request: nothing allocated, the value dropped.
        assert!(Arc::new_in([0u8; 8000], &BUDGET, GFP_NOWAIT, cx).is_err());
        // A panicking `Drop` of the value still frees the block.
        let mut value = Tracked::new(1, &live);
        value.panic_on_drop = true;
        let arc = Arc::new_in(value, &BUDGET, GFP_KERNEL, cx).unwrap();
        let other = Arc::clone(&arc);
        drop(arc);
        assert!(catch_unwind(AssertUnwindSafe(|| drop(other))).is_err());
        assert_eq!((live.get(), BUDGET.live_bytes()), (0, 0));
        // `into_inner` gives the value to the last handle only.
        let a = Arc::new_in(Tracked::new(2, &live), &BUDGET, GFP_KERNEL, cx).unwrap();
        let b = Arc::clone(&a);
        assert!(Arc::into_inner(a).is_none());
        let value = Arc::into_inner(b).unwrap();
        assert_eq!((value.id, BUDGET.live_bytes()), (2, 0));
    }
    assert_eq!(live.get(), 0);
}

#[alloc_ctx::test]
fn errors_convert_for_question_mark_in_a_driver_function() {
    quiet_reports();
    let budget = Budget::new(64);
    #[alloc_ctx::may_sleep]
    fn probe(budget: &Budget, entries: usize) -> alloc_ctx::error::Result<usize> {
        let size = array_size::<u64, KmallocMax>(entries)?;
        let mut ring = KVec::with_capacity_in(entries, budget, GFP_KERNEL | __GFP_NOWARN, cx)?;
        ring.push(0u64, GFP_KERNEL | __GFP_NOWARN, cx)?;
        Ok(size.get())
    }
    {
        assert_eq!(probe(cx, &budget, 8), Ok(64));
        assert_eq!(probe(cx, &budget, 9), Err(ENOMEM), "the budget refuses 72 bytes");
        assert_eq!(probe(cx, &budget, KMALLOC_MAX_SIZE), Err(ENOMEM), "over KMALLOC_MAX_SIZE");
        assert_eq!(probe(cx, &budget, usize::MAX), Err(EOVERFLOW));
        assert_eq!(EOVERFLOW.to_errno(), -75);
    }
}
