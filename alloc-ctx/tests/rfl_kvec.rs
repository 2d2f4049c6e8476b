//! The rustdoc examples (and the KUnit test) of Rust-for-Linux's
//! `rust/kernel/alloc/kvec.rs`, ported: each example is a test, changed
//! only by the token (`cx`) added to the allocating calls and to `kvec!`,
//! run as `#[alloc_ctx::test]`s, whose `cx` is a sleep token (the context a
//! kernel doctest runs in).
//!
//! `kernel::kvec![1, 2, 3]?` becomes `kvec![cx; 1, 2, 3]?` (`GFP_KERNEL`
//! as upstream; `kvec![cx, flags; …]` names other flags). Examples that
//! need kernel pieces this crate does not model are notes at the end.

use alloc_ctx::InsertError;
use alloc_ctx::error::{Error, Result};
use alloc_ctx::prelude::*;

// `kvec!`.
#[alloc_ctx::test]
fn kvec_macro() -> Result {
    let mut v = kvec![];
    v.push(1, GFP_KERNEL, cx)?;
    assert_eq!(v, [1]);

    let mut v = kvec![cx; 1; 3]?;
    v.push(4, GFP_KERNEL, cx)?;
    assert_eq!(v, [1, 1, 1, 4]);

    let mut v = kvec![cx; 1, 2, 3]?;
    v.push(4, GFP_KERNEL, cx)?;
    assert_eq!(v, [1, 2, 3, 4]);

    Ok::<(), Error>(())
}

// `KVec`.
#[alloc_ctx::test]
fn kvec_alias() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1]);

    Ok::<(), Error>(())
}

// `VVec`.
#[alloc_ctx::test]
fn vvec_alias() -> Result {
    let mut v = VVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1]);

    Ok::<(), Error>(())
}

// `KVVec`.
#[alloc_ctx::test]
fn kvvec_alias() -> Result {
    let mut v = KVVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1]);

    Ok::<(), Error>(())
}

// `Vec::is_empty` (upstream ignores the `push` result; so does this port).
#[alloc_ctx::test]
fn is_empty() {
    let mut v = KVec::new();
    assert!(v.is_empty());

    let _ = v.push(1, GFP_KERNEL, cx);
    assert!(!v.is_empty());
}

// `Vec::as_slice`.
#[alloc_ctx::test]
fn as_slice() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    v.push(2, GFP_KERNEL, cx)?;
    assert_eq!(v.as_slice(), &[1, 2]);
    Ok::<(), Error>(())
}

// `Vec::push`.
#[alloc_ctx::test]
fn push() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1]);

    v.push(2, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1, 2]);
    Ok::<(), Error>(())
}

// `Vec::push_within_capacity`.
#[alloc_ctx::test]
fn push_within_capacity() -> Result {
    let mut v = KVec::with_capacity(10, GFP_KERNEL, cx)?;
    for i in 0..10 {
        v.push_within_capacity(i)?;
    }

    assert!(v.push_within_capacity(10).is_err());
    Ok::<(), Error>(())
}

// `Vec::insert_within_capacity`.
#[alloc_ctx::test]
fn insert_within_capacity() -> Result {
    let mut v = KVec::with_capacity(5, GFP_KERNEL, cx)?;
    for i in 0..5 {
        v.insert_within_capacity(0, i)?;
    }

    assert!(matches!(v.insert_within_capacity(0, 5), Err(InsertError::OutOfCapacity(_))));
    assert!(matches!(v.insert_within_capacity(1000, 5), Err(InsertError::IndexOutOfBounds(_))));
    assert_eq!(v, [4, 3, 2, 1, 0]);
    Ok::<(), Error>(())
}

// `Vec::pop`.
#[alloc_ctx::test]
fn pop() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;
    v.push(2, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1, 2]);

    assert_eq!(v.pop(), Some(2));
    assert_eq!(v.pop(), Some(1));
    assert_eq!(v.pop(), None);
    Ok::<(), Error>(())
}

// `Vec::remove`.
#[alloc_ctx::test]
fn remove() -> Result {
    let mut v = kvec![cx; 1, 2, 3]?;
    assert_eq!(v.remove(1)?, 2);
    assert_eq!(v, [1, 3]);
    Ok::<(), Error>(())
}

// `Vec::with_capacity`.
#[alloc_ctx::test]
fn with_capacity() -> Result {
    let v = KVec::<u32>::with_capacity(20, GFP_KERNEL, cx)?;

    assert!(v.capacity() >= 20);
    Ok::<(), Error>(())
}

// `Vec::from_raw_parts` / `Vec::into_raw_parts`.
#[alloc_ctx::test]
fn from_raw_parts() -> Result {
    let mut v = kvec![cx; 1, 2, 3]?;
    v.reserve(1, GFP_KERNEL, cx)?;

    let (ptr, mut len, cap) = v.into_raw_parts();

    // SAFETY: We've just reserved memory for another element.
    unsafe { ptr.add(len).write(4) };
    len += 1;

    // SAFETY: We only wrote an additional element at the end of the `KVec`'s buffer and
    // correspondingly increased the length of the `KVec` by one. Otherwise, we construct it
    // from the exact same raw parts.
    let v = unsafe { KVec::from_raw_parts(ptr, len, cap) };

    assert_eq!(v, [1, 2, 3, 4]);

    Ok::<(), Error>(())
}

// `Vec::clear`.
#[alloc_ctx::test]
fn clear() -> Result {
    let mut v = kvec![cx; 1, 2, 3]?;

    v.clear();

    assert!(v.is_empty());
    Ok::<(), Error>(())
}

// `Vec::reserve`.
#[alloc_ctx::test]
fn reserve() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;

    v.reserve(10, GFP_KERNEL, cx)?;
    let cap = v.capacity();
    assert!(cap >= 10);

    v.reserve(10, GFP_KERNEL, cx)?;
    let new_cap = v.capacity();
    assert_eq!(new_cap, cap);

    Ok::<(), Error>(())
}

// `Vec::truncate`.
#[alloc_ctx::test]
fn truncate() -> Result {
    let mut v = kvec![cx; 1, 2, 3]?;
    v.truncate(1);
    assert_eq!(v.len(), 1);
    assert_eq!(&v, &[1]);

    Ok::<(), Error>(())
}

// `Vec::drain_all`.
#[alloc_ctx::test]
fn drain_all() -> Result {
    let mut v = kvec![cx; 0, 1, 2, 3]?;

    for (i, j) in v.drain_all().enumerate() {
        assert_eq!(i, j);
    }

    assert!(v.capacity() >= 4);
    Ok::<(), Error>(())
}

// `Vec::retain`.
#[alloc_ctx::test]
fn retain() -> Result {
    let mut v = kvec![cx; 1, 2, 3, 4]?;
    v.retain(|i| *i % 2 == 0);
    assert_eq!(v, [2, 4]);
    Ok::<(), Error>(())
}

// `Vec::extend_from_slice`.
#[alloc_ctx::test]
fn extend_from_slice() -> Result {
    let mut v = KVec::new();
    v.push(1, GFP_KERNEL, cx)?;

    v.extend_from_slice(&[20, 30, 40], GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1, 20, 30, 40]);

    v.extend_from_slice(&[50, 60], GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1, 20, 30, 40, 50, 60]);
    Ok::<(), Error>(())
}

// `Vec::resize`.
#[alloc_ctx::test]
fn resize() -> Result {
    let mut v = kvec![cx; 1, 2, 3]?;
    v.resize(1, 42, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1]);

    v.resize(3, 42, GFP_KERNEL, cx)?;
    assert_eq!(&v, &[1, 42, 42]);

    Ok::<(), Error>(())
}

// `impl Borrow<[T]> for Vec<T, A>`.
#[alloc_ctx::test]
fn borrow() -> Result {
    use core::borrow::Borrow;
    #[allow(dead_code)]
    struct Foo<B: Borrow<[u32]>>(B);
    // Owned array.
    let owned_array = Foo([1, 2, 3]);

    // Owned vector.
    let owned_vec = Foo(KVec::from_elem(0, 3, GFP_KERNEL, cx)?);

    let arr = [1, 2, 3];
    // Borrowed slice from `arr`.
    let borrowed_slice = Foo(&arr[..]);
    let _ = (owned_array, owned_vec, borrowed_slice);
    Ok::<(), Error>(())
}

// `impl BorrowMut<[T]> for Vec<T, A>`.
#[alloc_ctx::test]
fn borrow_mut() -> Result {
    use core::borrow::BorrowMut;
    #[allow(dead_code)]
    struct Foo<B: BorrowMut<[u32]>>(B);
    // Owned array.
    let owned_array = Foo([1, 2, 3]);

    // Owned vector.
    let owned_vec = Foo(KVec::from_elem(0, 3, GFP_KERNEL, cx)?);

    let mut arr = [1, 2, 3];
    // Borrowed slice from `arr`.
    let borrowed_slice = Foo(&mut arr[..]);
    let _ = (owned_array, owned_vec, borrowed_slice);
    Ok::<(), Error>(())
}

// `IntoIter`.
#[alloc_ctx::test]
fn into_iter_struct() -> Result {
    let v = kvec![cx; 0, 1, 2]?;
    let iter = v.into_iter();
    let _ = iter;

    Ok::<(), Error>(())
}

// `IntoIter::collect`.
#[alloc_ctx::test]
fn into_iter_collect() -> Result {
    let v = kvec![cx; 1, 2, 3]?;
    let mut it = v.into_iter();

    assert_eq!(it.next(), Some(1));

    let v = it.collect(GFP_KERNEL, cx);
    assert_eq!(v, [2, 3]);

    Ok::<(), Error>(())
}

// `Iterator::next` for `IntoIter`.
#[alloc_ctx::test]
fn into_iter_next() -> Result {
    let v = kvec![cx; 1, 2, 3]?;
    let mut it = v.into_iter();

    assert_eq!(it.next(), Some(1));
    assert_eq!(it.next(), Some(2));
    assert_eq!(it.next(), Some(3));
    assert_eq!(it.next(), None);

    Ok::<(), Error>(())
}

// `Iterator::size_hint` for `IntoIter`.
#[alloc_ctx::test]
fn into_iter_size_hint() -> Result {
    let v: KVec<u32> = kvec![cx; 1, 2, 3]?;
    let mut iter = v.into_iter();
    let size = iter.size_hint().0;

    iter.next();
    assert_eq!(iter.size_hint().0, size - 1);

    iter.next();
    assert_eq!(iter.size_hint().0, size - 2);

    iter.next();
    assert_eq!(iter.size_hint().0, size - 3);

    Ok::<(), Error>(())
}

// `IntoIterator::into_iter` for `Vec`, first example.
#[alloc_ctx::test]
fn into_iterator() -> Result {
    let v = kvec![cx; 1, 2]?;
    let mut v_iter = v.into_iter();

    let first_element: Option<u32> = v_iter.next();

    assert_eq!(first_element, Some(1));
    assert_eq!(v_iter.next(), Some(2));
    assert_eq!(v_iter.next(), None);

    Ok::<(), Error>(())
}

// `IntoIterator::into_iter` for `Vec`, second example (`kvec![]` takes no
// token: it allocates nothing).
#[test]
fn into_iterator_of_an_empty_vector() -> Result {
    let v = kvec![];
    let mut v_iter = v.into_iter();

    let first_element: Option<u32> = v_iter.next();

    assert_eq!(first_element, None);

    Ok::<(), Error>(())
}

// The KUnit test `rust_kvec::test_kvec_retain`: `retain` against every
// predicate on vectors shorter than ten.
#[alloc_ctx::test]
fn kunit_test_kvec_retain() {
    /// Verify correctness for one specific function.
    #[expect(clippy::needless_range_loop)]
    fn verify(c: &[bool], cx: &mut MaySleep) {
        let mut vec1: KVec<usize> = KVec::with_capacity(c.len(), GFP_KERNEL, cx).unwrap();
        let mut vec2: KVec<usize> = KVec::with_capacity(c.len(), GFP_KERNEL, cx).unwrap();

        for i in 0..c.len() {
            vec1.push_within_capacity(i).unwrap();
            if c[i] {
                vec2.push_within_capacity(i).unwrap();
            }
        }

        vec1.retain(|i| c[*i]);

        assert_eq!(vec1, vec2);
    }

    /// Add one to a binary integer represented as a boolean array.
    fn add(value: &mut [bool]) {
        let mut carry = true;
        for v in value {
            let new_v = carry != *v;
            carry = carry && *v;
            *v = new_v;
        }
    }

    {
        // This boolean array represents a function from index to boolean. We check that `retain`
        // behaves correctly for all possible boolean arrays of every possible length less than
        // ten.
        let mut func = KVec::with_capacity(10, GFP_KERNEL, cx).unwrap();
        let lengths = if cfg!(miri) { 6 } else { 10 };
        for len in 0..lengths {
            for _ in 0u32..1u32 << len {
                verify(&func, cx);
                add(&mut func);
            }
            func.push_within_capacity(false).unwrap();
        }
    }
}

// Not ported (they need kernel pieces this crate does not model):
//
// * `impl AsPageIter for VVec<T>` (`page_iter()`, `fill_zero_raw`): needs
//   the kernel's page and vmalloc-area API.
//
// Nothing in `kvec.rs` is rejected by design: every example compiles and
// runs with the token added.
