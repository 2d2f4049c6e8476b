//! The rustdoc examples of Rust-for-Linux's `rust/kernel/alloc/kbox.rs`,
//! ported: each example is a test, changed only by the token (`cx`) added
//! to the allocating calls, run as `#[alloc_ctx::test]`s, whose `cx` is a
//! sleep token (the context a kernel doctest runs in: process context, may
//! sleep).
//!
//! Examples that alloc-ctx rejects by design, or that need kernel pieces
//! this crate does not model, are notes at the end of this file.

use core::mem::MaybeUninit;

use alloc_ctx::error::{Error, Result};
use alloc_ctx::prelude::*;

/// The kernel's `bindings::KMALLOC_MAX_SIZE`.
const KMALLOC_MAX_SIZE: usize = alloc_ctx::size::KMALLOC_MAX_SIZE;

// `Box`: "let b = KBox::<u64>::new(24_u64, GFP_KERNEL)?;"
#[alloc_ctx::test]
fn box_new() -> Result {
    let b = KBox::<u64>::new(24_u64, GFP_KERNEL, cx)?;

    assert_eq!(*b, 24_u64);
    Ok::<(), Error>(())
}

// `Box`: a `KVBox` of a type larger than `KMALLOC_MAX_SIZE` is fine.
#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "allocates 4 MiB")]
fn kvbox_new_uninit_larger_than_kmalloc_max_size() {
    const SIZE: usize = KMALLOC_MAX_SIZE + 1;
    struct Huge(#[allow(dead_code)] [u8; SIZE]);

    {
        assert!(KVBox::<Huge>::new_uninit(GFP_KERNEL, cx).is_ok());
    }
}

// `Box`: "Boxes can also be used to store trait objects by coercing their
// type": `KBox::new(FooStruct, GFP_KERNEL)? as KBox<dyn FooTrait>`. The
// coercion of a custom smart pointer is unstable (`CoerceUnsized`), so on
// stable Rust the cast is spelled `kbox_dyn!(boxed as dyn FooTrait)`.
#[alloc_ctx::test]
fn box_of_a_trait_object() -> Result {
    trait FooTrait {}

    struct FooStruct;
    impl FooTrait for FooStruct {}
    let _ = kbox_dyn!(KBox::new(FooStruct, GFP_KERNEL, cx)? as dyn FooTrait);
    Ok::<(), Error>(())
}

// `KBox`: "let b = KBox::new(24_u64, GFP_KERNEL)?;"
#[alloc_ctx::test]
fn kbox_alias() -> Result {
    let b = KBox::new(24_u64, GFP_KERNEL, cx)?;

    assert_eq!(*b, 24_u64);
    Ok::<(), Error>(())
}

// `VBox`: "let b = VBox::new(24_u64, GFP_KERNEL)?;"
#[alloc_ctx::test]
fn vbox_alias() -> Result {
    let b = VBox::new(24_u64, GFP_KERNEL, cx)?;

    assert_eq!(*b, 24_u64);
    Ok::<(), Error>(())
}

// `KVBox`: "let b = KVBox::new(24_u64, GFP_KERNEL)?;"
#[alloc_ctx::test]
fn kvbox_alias() -> Result {
    let b = KVBox::new(24_u64, GFP_KERNEL, cx)?;

    assert_eq!(*b, 24_u64);
    Ok::<(), Error>(())
}

// `Box::into_raw` / `Box::from_raw`.
#[alloc_ctx::test]
fn into_raw_and_from_raw() -> Result {
    let x = KBox::new(24, GFP_KERNEL, cx)?;
    let ptr = KBox::into_raw(x);
    // SAFETY: `ptr` comes from a previous call to `KBox::into_raw`.
    let x = unsafe { KBox::from_raw(ptr) };

    assert_eq!(*x, 24);
    Ok::<(), Error>(())
}

// `Box::new_uninit`, then `Box::write`.
#[alloc_ctx::test]
fn new_uninit_then_write() -> Result {
    let b = KBox::<u64>::new_uninit(GFP_KERNEL, cx)?;
    let b = KBox::write(b, 24);

    assert_eq!(*b, 24_u64);
    Ok::<(), Error>(())
}

// `Box::zeroed`: "let b = KBox::<[u8; 128]>::zeroed(GFP_KERNEL)?;"
#[alloc_ctx::test]
fn zeroed() -> Result {
    let b = KBox::<[u8; 128]>::zeroed(GFP_KERNEL, cx)?;
    assert_eq!(*b, [0; 128]);
    Ok::<(), Error>(())
}

// `Box::drop_contents`.
#[alloc_ctx::test]
fn drop_contents() -> Result {
    let value = KBox::new([0; 32], GFP_KERNEL, cx)?;
    assert_eq!(*value, [0; 32]);
    let value = KBox::drop_contents(value);
    // Now we can re-use `value`:
    let value = KBox::write(value, [1; 32]);
    assert_eq!(*value, [1; 32]);
    Ok::<(), Error>(())
}

// `impl Borrow<T> for Box<T, A>`.
#[alloc_ctx::test]
fn borrow() -> Result {
    use core::borrow::Borrow;
    #[allow(dead_code)]
    struct Foo<B: Borrow<u32>>(B);
    // Owned instance.
    let owned = Foo(1);

    // Owned instance using `KBox`.
    let owned_kbox = Foo(KBox::new(1, GFP_KERNEL, cx)?);

    let i = 1;
    // Borrowed from `i`.
    let borrowed = Foo(&i);
    let _ = (owned, owned_kbox, borrowed);
    Ok::<(), Error>(())
}

// `impl BorrowMut<T> for Box<T, A>`.
#[alloc_ctx::test]
fn borrow_mut() -> Result {
    use core::borrow::BorrowMut;
    #[allow(dead_code)]
    struct Foo<B: BorrowMut<u32>>(B);
    // Owned instance.
    let owned = Foo(1);

    // Owned instance using `KBox`.
    let owned_kbox = Foo(KBox::new(1, GFP_KERNEL, cx)?);

    let mut i = 1;
    // Borrowed from `i`.
    let borrowed = Foo(&mut i);
    let _ = (owned, owned_kbox, borrowed);
    Ok::<(), Error>(())
}

// `Box::assume_init` (no example upstream; the safety contract is the same).
#[alloc_ctx::test]
fn assume_init() -> Result {
    let mut b = KBox::<u64>::new_uninit(GFP_KERNEL, cx)?;
    (*b).write(7);
    // SAFETY: written just above.
    let b = unsafe { b.assume_init() };
    assert_eq!(*b, 7);
    let _: KBox<MaybeUninit<u8>> = KBox::new_uninit(GFP_KERNEL, cx)?;
    Ok::<(), Error>(())
}

// `Box::pin` / `Box::into_pin` / `From<Box<T, A>> for Pin<Box<T, A>>`
// (no examples upstream).
#[alloc_ctx::test]
fn pin_and_into_pin() -> Result {
    use core::marker::PhantomPinned;
    use core::pin::Pin;

    struct Node {
        value: u32,
        _pin: PhantomPinned,
    }
    let pinned: Pin<KBox<Node>> = KBox::pin(Node { value: 1, _pin: PhantomPinned }, GFP_KERNEL, cx)?;
    assert_eq!(pinned.value, 1);
    let boxed = KBox::new(Node { value: 2, _pin: PhantomPinned }, GFP_KERNEL, cx)?;
    let pinned = KBox::into_pin(boxed);
    assert_eq!(pinned.value, 2);
    let pinned: Pin<KBox<Node>> = KBox::new(Node { value: 3, _pin: PhantomPinned }, GFP_KERNEL, cx)?.into();
    assert_eq!(pinned.value, 3);
    Ok::<(), Error>(())
}

// `Box::leak` (no example upstream).
#[alloc_ctx::test]
fn leak() -> Result {
    let leaked: &'static mut u32 = KBox::leak(KBox::new(5, GFP_KERNEL, cx)?);
    *leaked += 1;
    assert_eq!(*leaked, 6);
    // Taken back, so that the test itself leaks nothing (Miri checks).
    // SAFETY: `leaked` came from `KBox::leak` of a box from `System`, and
    // is not used again.
    let back = unsafe { KBox::<u32>::from_raw(leaked) };
    assert_eq!(*back, 6);
    Ok(())
}

// Rejected by design: the second `Box` example,
//
//     const SIZE: usize = bindings::KMALLOC_MAX_SIZE as usize + 1;
//     struct Huge([u8; SIZE]);
//     assert!(KBox::<Huge>::new_uninit(GFP_KERNEL | __GFP_NOWARN).is_err());
//
// fails at run time in the kernel. Here a `KBox` (kmalloc-bounded) of a
// type over `KMALLOC_MAX_SIZE` does not build: `KBox::new_uninit` checks
// `size_of::<T>()` against the bound when the program is built (E0080,
// "the type is larger than KMALLOC_MAX_SIZE (4 MiB): kmalloc cannot serve
// it; use a kvmalloc-bounded size (`Size<KvmallocMax>`, `KVVec`)"), naming
// the caller's line. The ui suite holds it as a compile-fail case
// (`kbox-new-uninit-over-kmalloc-max-size`). `KVBox` takes it
// (`kvbox_new_uninit_larger_than_kmalloc_max_size` above).
//
// Not ported (they need kernel pieces this crate does not model):
//
// * `Box::pin_slice` (a pinned slice of `PinInit` values, with
//   `new_spinlock!` and `#[pin_data]`): needs the `pin-init` crate.
// * `impl AsPageIter for VBox<T>` (`page_iter()`, `fill_zero_raw`): needs
//   the kernel's page and vmalloc-area API.
