//! KBox, KVec and KVVec: growth through tokens, and a failed growth leaves
//! the container exactly as it was.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use alloc_ctx::flags::*;
use alloc_ctx::kvec::BoundedVec;
use alloc_ctx::size::{KMALLOC_MAX_SIZE, Kmalloc, Nofail, array_size};
use alloc_ctx::{AllocError, KBox, KVVec, KVec, MaySleep, NoWait};
use common::{TestBackend, quiet_reports};

/// Everything observable about a vector, to compare before and after.
fn snapshot<T: Clone, B: alloc_ctx::size::Bound, A: alloc_ctx::Backend>(
    v: &BoundedVec<T, B, A>,
) -> (usize, usize, *const T, Vec<T>) {
    (v.len(), v.capacity(), v.as_ptr(), v.to_vec())
}

#[test]
fn push_grows_and_keeps_order() {
    let backend = TestBackend::new();
    MaySleep::enter(|cx| {
        let mut v = KVec::new_in(&backend);
        for i in 0..100u32 {
            v.push(i, GFP_KERNEL, cx).unwrap();
        }
        assert_eq!(v.len(), 100);
        assert!(v.iter().copied().eq(0..100));
        assert!(backend.calls.get() < 10, "amortised growth: {} calls", backend.calls.get());
        assert_eq!(v.pop(), Some(99));
    });
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
        let error = v.push(99, GFP_ATOMIC, nw).unwrap_err();
        assert_eq!(error.value, 99);
        assert!(matches!(error.error, AllocError::OutOfMemory { .. }));
        assert_eq!(snapshot(&v), before);
        // Pushing within capacity needs no request and still works.
        v.pop();
        assert_eq!(v.push_within_capacity(7), Ok(()));
        assert_eq!(v.push_within_capacity(8), Err(8));
    });
    assert_eq!(backend.live_bytes.get(), 0);
}

#[test]
fn failed_extend_resize_reserve_and_clone_leave_the_vector_unchanged() {
    quiet_reports();
    let backend = TestBackend::new();
    MaySleep::enter(|cx| {
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
    });
    assert_eq!(backend.live_bytes.get(), 0);
}

#[test]
fn sizes_over_the_bound_are_size_errors_naming_the_bound() {
    let backend = TestBackend::new();
    MaySleep::enter(|cx| {
        let mut v: KVec<u64, _> = KVec::new_in(&backend);
        v.push(1, GFP_KERNEL, cx).unwrap();
        let before = snapshot(&v);
        let error = v.reserve(KMALLOC_MAX_SIZE / 8, GFP_KERNEL, cx).unwrap_err();
        let AllocError::Size(size_error) = error else { panic!("expected a size error, got {error:?}") };
        assert_eq!(size_error.bound(), "KMALLOC_MAX_SIZE");
        assert_eq!(size_error.excess(), 8, "one element too many");
        assert!(error.to_string().contains("KMALLOC_MAX_SIZE"), "{error}");
        // Overflowing element counts are size errors too.
        assert!(matches!(v.reserve(usize::MAX, GFP_KERNEL, cx), Err(AllocError::Size(_))));
        assert_eq!(snapshot(&v), before);
        let calls = backend.calls.get();
        assert!(v.reserve(KMALLOC_MAX_SIZE, GFP_KERNEL, cx).is_err());
        assert_eq!(backend.calls.get(), calls, "a rejected size never reaches the backend");
        // Growth up to exactly the bound works even though doubling would exceed it.
        assert_eq!(KVec::<u64>::MAX_CAPACITY, KMALLOC_MAX_SIZE / 8);
    });
}

#[test]
#[cfg_attr(miri, ignore = "allocates 5 MiB, too slow under Miri")]
fn kvvec_goes_past_the_kmalloc_bound() {
    MaySleep::enter(|cx| {
        let mut big: KVVec<u8> = KVVec::new();
        big.resize(KMALLOC_MAX_SIZE + 1, 0xAB, GFP_KERNEL, cx).unwrap();
        assert_eq!(big.len(), KMALLOC_MAX_SIZE + 1);
        let mut small: KVec<u8> = KVec::new();
        assert!(matches!(small.resize(KMALLOC_MAX_SIZE + 1, 0, GFP_KERNEL, cx), Err(AllocError::Size(_))));
        // and exactly at the bound is fine
        small.resize(KMALLOC_MAX_SIZE, 0, GFP_KERNEL, cx).unwrap();
    });
}

#[test]
fn grow_to_accepts_nofail_with_a_proven_size() {
    let backend = TestBackend::new();
    backend.fail_next.set(2);
    MaySleep::enter(|cx| {
        let mut paths: KVec<[u64; 4], _> = KVec::new_in(&backend);
        paths.push([1; 4], GFP_KERNEL, cx).unwrap(); // first call fails twice, then reclaim retries succeed
        let size = array_size::<[u64; 4], Nofail>(64).unwrap();
        let () = paths.grow_to(size, GFP_KERNEL | __GFP_NOFAIL, cx);
        assert_eq!(paths.capacity(), 64);
        assert_eq!(paths[0], [1; 4]);
        // Growing to a smaller size is a no-op.
        paths.grow_to(array_size::<[u64; 4], Kmalloc>(8).unwrap(), GFP_KERNEL, cx).unwrap();
        assert_eq!(paths.capacity(), 64);
    });
    assert_eq!(backend.live_bytes.get(), 0);
}

#[test]
fn zero_sized_elements_never_allocate() {
    let backend = TestBackend::new();
    backend.fail_all.set(true);
    MaySleep::enter(|cx| {
        let mut v: KVec<(), _> = KVec::new_in(&backend);
        for _ in 0..1000 {
            v.push((), GFP_KERNEL, cx).unwrap();
        }
        assert_eq!(v.len(), 1000);
        let unit = KBox::new_in((), &backend, GFP_KERNEL, cx).unwrap();
        assert_eq!(*unit, ());
    });
    assert_eq!(backend.calls.get(), 0);
}

/// Counts drops, to prove each element is dropped exactly once.
struct DropCounter(Rc<Cell<usize>>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn elements_are_dropped_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    MaySleep::enter(|cx| {
        let mut v = KVec::new();
        for _ in 0..10 {
            v.push(DropCounter(drops.clone()), GFP_KERNEL, cx).map_err(|e| e.error).unwrap();
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
    });
    assert_eq!(drops.get(), 11);
}

#[test]
fn kbox_new_clone_and_nofail() {
    let backend = TestBackend::new();
    MaySleep::enter(|cx| {
        let a = KBox::new_in([7u32; 16], &backend, GFP_KERNEL, cx).unwrap();
        let b = a.try_clone(GFP_KERNEL | __GFP_NOFAIL, cx); // NOFAIL: no Result
        assert_eq!(*b, [7u32; 16]);
        assert_eq!(backend.live_bytes.get(), 128);
        let uninit = KBox::<u64, _>::new_uninit_in(&backend, GFP_KERNEL, cx).unwrap();
        let value = uninit.write(42);
        assert_eq!(*value, 42);
    });
    assert_eq!(backend.live_bytes.get(), 0);
    quiet_reports();
    backend.fail_all.set(true);
    NoWait::enter(|nw| {
        let error = KBox::new_in(1u8, &backend, GFP_NOWAIT, nw).unwrap_err();
        assert_eq!(error, AllocError::OutOfMemory { size: 1, align: 1, gfp: GFP_NOWAIT.gfp() });
    });
}

#[test]
fn byte_buffers_are_zeroed_with_gfp_zero() {
    MaySleep::enter(|cx| {
        let size = alloc_ctx::Size::<Kmalloc>::new(4096).unwrap();
        let mut first = cx.alloc(GFP_KERNEL | __GFP_ZERO, size).unwrap();
        first.fill(0xFF);
        drop(first);
        let second = cx.alloc(GFP_KERNEL | __GFP_ZERO, size).unwrap();
        assert!(second.iter().all(|&byte| byte == 0));
        let mut v: KVec<u8> = KVec::new();
        v.extend_from_slice(&[1, 2, 3], GFP_KERNEL | __GFP_ZERO, cx).unwrap();
        v.reserve(10_000, GFP_KERNEL | __GFP_ZERO, cx).unwrap();
        assert_eq!(v.as_slice(), [1, 2, 3], "zeroing a grown buffer keeps the contents");
    });
}

#[test]
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
    MaySleep::enter(|cx| {
        let mut vec: KVec<Fragile> = KVec::with_capacity(8, GFP_KERNEL, cx).unwrap();
        vec.push(make(), GFP_KERNEL, cx).unwrap_or_else(|_| panic!("room reserved"));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = vec.extend_from_slice(&source, GFP_KERNEL, cx);
        }));
        assert!(result.is_err());
        assert_eq!(vec.len(), 1, "the two clones made before the panic were dropped, not added");
        assert_eq!(live.get(), 5, "4 sources + 1 element: nothing leaked, nothing dropped twice");
    });
    drop(source);
    assert_eq!(live.get(), 0);
}
