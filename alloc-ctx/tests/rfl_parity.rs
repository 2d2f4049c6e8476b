//! Rust-for-Linux's own examples for pin-init, `CondVar`, `do_unlocked`,
//! `KVec::zeroed` and `page_iter`, ported with only the token (and, where
//! the ported code must change more, a comment saying why), and driver
//! patterns built on them: binder's wait loop, rnull's nested
//! `do_unlocked`.

use core::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use alloc_ctx::arc::Arc;
use alloc_ctx::init::{Init, PinInit, init_zeroed, pin_data, pin_init, pinned_drop, try_pin_init};
use alloc_ctx::prelude::*;
use alloc_ctx::sync::{CondVar, CondVarTimeoutResult, Mutex, SpinLock, msecs_to_jiffies};
use alloc_ctx::{atomic_depth, new_condvar, new_mutex, new_spinlock};

// `kernel::init` module documentation: a pinned struct with a mutex.
#[pin_data]
struct Foo {
    #[pin]
    a: Mutex<usize>,
    b: u32,
}

#[alloc_ctx::test]
fn rfl_init_module_example_pin_inits_a_mutex_in_a_kbox() {
    let foo = pin_init!(Foo {
        a <- new_mutex!(42, "Foo::a"),
        b: 24,
    });
    let foo: Result<Pin<KBox<Foo>>> = KBox::pin_init(foo, GFP_KERNEL, cx);
    let foo = foo.unwrap();
    assert_eq!((*foo.a.lock(cx), foo.b), (42, 24));
}

// `kernel::init`'s `DriverData`: a fallible initialiser with a large
// buffer. Upstream allocates the buffer inside the initialiser
// (`buffer: KBox::init(zeroed(), GFP_KERNEL)?`); here the allocation needs
// the token, which `KBox::pin_init` holds while the initialiser runs, so
// the buffer is allocated first and moved in.
#[pin_data]
struct DriverData {
    #[pin]
    status: Mutex<i32>,
    buffer: KBox<[u8; 1_000_000]>,
}

impl DriverData {
    fn new(buffer: KBox<[u8; 1_000_000]>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            status <- new_mutex!(0, "DriverData::status"),
            buffer,
        }? Error)
    }
}

#[alloc_ctx::test]
#[cfg_attr(miri, ignore = "a megabyte checked byte by byte: too slow under Miri")]
fn rfl_driver_data_example_builds_a_megabyte_buffer_in_place() {
    let buffer = KBox::init(init_zeroed(), GFP_KERNEL, cx).unwrap();
    let data = KBox::pin_init(DriverData::new(buffer), GFP_KERNEL, cx).unwrap();
    assert_eq!(*data.status.lock(cx), 0);
    assert!(data.buffer.iter().all(|&b| b == 0));
}

/// Counts drops of the values it is part of.
static DROPS: AtomicUsize = AtomicUsize::new(0);

#[pin_data(PinnedDrop)]
struct Registered {
    #[pin]
    state: SpinLock<u32>,
    id: u32,
}

#[pinned_drop]
impl PinnedDrop for Registered {
    fn drop(self: Pin<&mut Self>) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[alloc_ctx::test]
fn a_failing_initialiser_frees_the_block_and_returns_its_error() {
    // An initialiser that fails after its first field: the field is
    // dropped, the box freed, the error returned.
    let failing = try_pin_init!(Registered {
        state <- new_spinlock!(1),
        id <- Err(EINVAL),
    }? Error);
    let before = DROPS.load(Ordering::Relaxed);
    assert_eq!(KBox::pin_init(failing, GFP_KERNEL, cx).err(), Some(EINVAL));
    // Never fully built: its pinned drop does not run.
    assert_eq!(DROPS.load(Ordering::Relaxed), before);
    let ok = KBox::pin_init(pin_init!(Registered { state <- new_spinlock!(2), id: 9 }), GFP_KERNEL, cx).unwrap();
    assert_eq!((*ok.state.lock(cx), ok.id), (2, 9));
    drop(ok);
    assert_eq!(DROPS.load(Ordering::Relaxed), before + 1);
}

#[alloc_ctx::test]
fn arc_try_pin_init_returns_the_initialisers_own_error_type() {
    // A driver's error type that takes allocation failures
    // (`E: From<AllocError>`), as `try_pin_init` requires.
    #[derive(Debug, PartialEq)]
    enum ProbeError {
        NoMemory,
        Busy,
    }
    impl From<AllocError> for ProbeError {
        fn from(_: AllocError) -> Self {
            ProbeError::NoMemory
        }
    }
    // The lock initialisers cannot fail (`Infallible`, as upstream's): an
    // error type used with them converts from it, as upstream requires.
    impl From<core::convert::Infallible> for ProbeError {
        fn from(never: core::convert::Infallible) -> Self {
            match never {}
        }
    }
    #[pin_data]
    struct Port {
        #[pin]
        lock: SpinLock<u8>,
        irq: u32,
    }
    let busy = try_pin_init!(Port { lock <- new_spinlock!(0), irq <- Err(ProbeError::Busy) }? ProbeError);
    assert_eq!(Arc::try_pin_init(busy, GFP_KERNEL, cx).err(), Some(ProbeError::Busy));
    let port = Arc::try_pin_init(try_pin_init!(Port { lock <- new_spinlock!(3), irq: 11 }? ProbeError), GFP_KERNEL, cx)
        .unwrap();
    let other = Pin::clone(&port);
    *other.lock.lock(cx) += 1;
    assert_eq!(*port.lock.lock(cx), 4);
}

#[alloc_ctx::test]
fn kbox_init_writes_in_place_with_an_unpinned_initialiser() {
    struct Header {
        magic: u32,
        len: u16,
    }
    let h: KBox<Header> = KBox::init(alloc_ctx::init::init!(Header { magic: 7, len: 2 }), GFP_KERNEL, cx).unwrap();
    assert_eq!((h.magic, h.len), (7, 2));
    let _ = <KBox<Header>>::try_init::<AllocError, _, _>(
        alloc_ctx::init::try_init!(Header { magic: 1, len: 0 }? AllocError),
        GFP_KERNEL,
        cx,
    )
    .unwrap();
    // An `Init` is also a `PinInit`.
    fn is_init<T>(_: &impl Init<T>) {}
    is_init::<[u8; 4]>(&init_zeroed());
}

// `kernel::sync::CondVar`'s documentation example, whole.
#[pin_data]
struct Example {
    #[pin]
    value: Mutex<u32>,
    #[pin]
    value_changed: CondVar,
}

/// Waits for `e.value` to become `v`.
#[may_sleep]
fn wait_for_value(e: &Example, v: u32) {
    let mut guard = e.value.lock(cx);
    while *guard != v {
        e.value_changed.wait(&mut guard);
    }
}

/// Increments `e.value` and notifies all potential waiters.
#[may_sleep]
fn increment(e: &Example) {
    *e.value.lock(cx) += 1;
    e.value_changed.notify_all();
}

/// Allocates a new boxed `Example`.
#[may_sleep]
fn new_example() -> Result<Pin<KBox<Example>>> {
    KBox::pin_init(
        pin_init!(Example {
            value <- new_mutex!(0),
            value_changed <- new_condvar!(),
        }),
        GFP_KERNEL,
        cx,
    )
}

#[alloc_ctx::test]
fn rfl_condvar_example_waits_for_another_threads_increments() {
    let e = new_example(cx).unwrap();
    alloc_ctx::thread::scope(cx, |s, cx| {
        s.spawn(cx, |cx| {
            for _ in 0..3 {
                increment(cx, &e);
            }
        });
        wait_for_value(cx, &e, 3);
    });
    assert_eq!(*e.value.lock(cx), 3);
}

// Binder's `Thread::get_work` loop: wait on the *spinlock* guard for work,
// with a timeout, until the work arrives.
struct BinderThread {
    inner: SpinLock<(Option<u32>, u32)>, // (work, wakeups seen)
    work_condvar: CondVar,
}

impl BinderThread {
    #[may_sleep]
    fn get_work(&self, timeout_ms: u64) -> Option<u32> {
        let mut inner = self.inner.lock(cx);
        loop {
            if let Some(work) = inner.0.take() {
                return Some(work);
            }
            match self.work_condvar.wait_interruptible_timeout(&mut inner, msecs_to_jiffies(timeout_ms)) {
                CondVarTimeoutResult::Timeout => return None,
                CondVarTimeoutResult::Signal { .. } => unreachable!("no signals in the simulation"),
                CondVarTimeoutResult::Woken { jiffies } => {
                    assert!(jiffies > 0 && jiffies <= msecs_to_jiffies(timeout_ms));
                    // The lock is held again, in its atomic section.
                    assert_eq!(atomic_depth(), 1);
                    inner.1 += 1;
                }
            }
        }
    }

    #[nowait]
    fn push_work(&self, work: u32) {
        self.inner.lock(cx).0 = Some(work);
        self.work_condvar.notify_one();
    }
}

#[alloc_ctx::test]
fn binder_wait_loop_on_a_spinlock_guard_gets_work_from_another_thread() {
    let thread = BinderThread { inner: SpinLock::new((None, 0)), work_condvar: CondVar::new() };
    let got = alloc_ctx::thread::scope(cx, |s, cx| {
        let waiter = s.spawn(cx, |cx| thread.get_work(cx, 10_000));
        // Let the waiter reach its wait, then hand it work from a
        // context that must not sleep (notifying never sleeps).
        std::thread::sleep(std::time::Duration::from_millis(20));
        NoWait::enter(|nw| thread.push_work(nw, 7));
        waiter.join(cx).unwrap()
    });
    assert_eq!(got, Some(7));
    assert_eq!(atomic_depth(), 0);
    // Nobody sends work: the timed wait ends, with the lock re-taken.
    assert_eq!(thread.get_work(cx, 5), None);
    assert!(!thread.inner.is_locked());
}

#[alloc_ctx::test]
fn the_waited_on_spinlock_is_released_while_waiting() {
    let ready = SpinLock::new(false);
    let cv = CondVar::new();
    alloc_ctx::thread::scope(cx, |s, cx| {
        s.spawn(cx, |cx| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            // Takes the lock the waiter holds: possible only because the
            // wait released it.
            *ready.lock(cx) = true;
            cv.notify_all();
        });
        let mut guard = ready.lock(cx);
        while !*guard {
            cv.wait(&mut guard);
        }
        assert!(ready.is_locked());
    });
    assert!(!ready.is_locked());
}

#[alloc_ctx::test]
#[should_panic(expected = "BUG: sleeping function called from invalid context")]
fn a_wait_with_another_spinlock_still_held_panics_instead_of_sleeping() {
    // Past the type system: a forgotten spinlock guard leaves its section
    // open, and an assumed sleep token then takes a lock that may wait.
    // Releasing that lock does not end the thread's atomic section, so the
    // wait must not sleep.
    let other = SpinLock::new(0u8);
    NoWait::enter(|nw| core::mem::forget(other.lock(nw)));
    // `NoWait::enter` ended its own section; the forgotten lock's stays.
    let depth = atomic_depth();
    assert_eq!(depth, 1);
    let lock = SpinLock::new(());
    let cv = CondVar::new();
    // SAFETY: not sound on purpose (a sleep token assumed inside an
    // atomic section): the test shows the run-time check refusing to sleep.
    let cx = unsafe { MaySleep::assume() };
    let mut guard = lock.lock(cx);
    let _ = cv.wait_interruptible_timeout(&mut guard, msecs_to_jiffies(1));
}

// rnull's pattern: two nested spinlocks dropped to allocate with
// `GFP_KERNEL` after a `GFP_NOWAIT` attempt under them failed.
#[alloc_ctx::test]
fn rnull_nested_do_unlocked_allocates_with_gfp_kernel_outside_both_locks() {
    let tree = SpinLock::new(KVec::<u64>::new());
    let hw_data = SpinLock::new(0u32);
    let mut tree_guard = tree.lock(cx);
    let mut hw_guard = hw_data.lock(tree_guard.token());
    assert_eq!(atomic_depth(), 2);
    // (rnull tries `GFP_NOWAIT` under both locks first; when that fails
    // it drops both and retries with `GFP_KERNEL`, as here.)
    let page = hw_guard.do_unlocked(|_nw| {
        assert_eq!(atomic_depth(), 1);
        tree_guard.do_unlocked(|cx| {
            assert_eq!(atomic_depth(), 0);
            KBox::new([0u8; 4096], GFP_KERNEL, cx).unwrap()
        })
    });
    assert_eq!(atomic_depth(), 2);
    *hw_guard += 1;
    drop(hw_guard);
    let (entries, nw) = tree_guard.split();
    entries.push(page.len() as u64, GFP_ATOMIC, nw).unwrap();
    drop(tree_guard);
    assert_eq!(atomic_depth(), 0);
    assert_eq!(tree.into_inner().as_slice(), [4096]);
}

#[alloc_ctx::test]
fn do_unlocked_relocks_when_the_closure_panics() {
    let lock = SpinLock::new(1u32);
    let mut guard = lock.lock(cx);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        guard.do_unlocked(|_cx| panic!("probe failed"));
    }));
    assert!(caught.is_err());
    // Held again, in its section, and usable.
    assert!(lock.is_locked());
    assert_eq!(atomic_depth(), 1);
    *guard += 1;
    drop(guard);
    assert_eq!(atomic_depth(), 0);
    assert_eq!(lock.into_inner(), 2);
}

#[alloc_ctx::test]
fn mutex_guard_do_unlocked_lets_another_thread_take_the_mutex() {
    let table = Mutex::new(0u32);
    let mut guard = table.lock(cx);
    guard.do_unlocked(|| {
        alloc_ctx::thread::scope(cx, |s, cx| {
            s.spawn(cx, |cx| *table.lock(cx) += 5);
        });
    });
    assert_eq!(*guard, 5);
}

// `KVec::zeroed`: `__GFP_ZERO` reaches the backend, nothing is written by
// the CPU, and a failed request loses nothing.
#[alloc_ctx::test]
fn kvec_zeroed_asks_the_allocator_for_zeroed_memory() {
    let v = KVec::<u32>::zeroed(1000, GFP_KERNEL, cx).unwrap();
    assert_eq!(v.len(), 1000);
    assert!(v.iter().all(|&x| x == 0));
    let empty = KVec::<u64>::zeroed(0, GFP_KERNEL, cx).unwrap();
    assert_eq!((empty.len(), empty.capacity()), (0, 0));
    let budget = alloc_ctx::backend::Budget::new(16);
    assert!(KVec::<u32, _>::zeroed_in(5, &budget, GFP_KERNEL | __GFP_NOWARN, cx).is_err());
    assert_eq!(budget.live_bytes(), 0);
    let big = VVec::<u8>::zeroed(3 * alloc_ctx::page::PAGE_SIZE + 1, GFP_KERNEL, cx).unwrap();
    assert!(big.iter().all(|&b| b == 0));
}

// `kernel::alloc::kbox`'s `AsPageIter` example for `VBox`, with the token.
#[alloc_ctx::test]
fn rfl_vbox_page_iter_example() -> Result {
    use alloc_ctx::page::{AsPageIter, PAGE_SIZE};

    let mut vbox = VBox::new((), GFP_KERNEL, cx)?;
    assert!(vbox.page_iter().next().is_none());

    let mut vbox = VBox::<[u8; PAGE_SIZE]>::new_uninit(GFP_KERNEL, cx)?;
    let page = vbox.page_iter().next().expect("At least one page should be available.\n");
    // SAFETY: There is no concurrent read or write to the same page.
    unsafe { page.fill_zero_raw(0, PAGE_SIZE)? };
    // SAFETY: every byte was zeroed above.
    let vbox = unsafe { vbox.assume_init() };
    assert!(vbox.iter().all(|&b| b == 0));
    Ok(())
}

#[alloc_ctx::test]
fn vvec_page_iter_walks_the_whole_buffer_in_page_sized_chunks() {
    use alloc_ctx::page::{AsPageIter, PAGE_SIZE};
    let mut v = VVec::<u8>::zeroed(2 * PAGE_SIZE + 100, GFP_KERNEL, cx).unwrap();
    let mut pages = v.page_iter();
    assert_eq!((pages.page_count(), pages.size(), pages.len()), (3, 2 * PAGE_SIZE + 100, 3));
    let chunks: Vec<(usize, usize)> = pages.by_ref().map(|p| (p.offset(), p.len())).collect();
    assert_eq!(chunks, [(0, PAGE_SIZE), (PAGE_SIZE, PAGE_SIZE), (2 * PAGE_SIZE, 100)]);
    assert!(pages.next().is_none());
    // Writes through a page land at its offset; out-of-page access is
    // EINVAL and writes nothing.
    let pages: Vec<_> = v.page_iter().collect();
    let tag = [0xabu8; 8];
    // SAFETY: `tag` is readable and separate from `v`; nothing else
    // touches `v`.
    unsafe {
        pages[1].write_raw(tag.as_ptr(), 8, 8).unwrap();
        assert_eq!(pages[2].write_raw(tag.as_ptr(), 96, 8), Err(EINVAL));
        assert_eq!(pages[0].fill_zero_raw(PAGE_SIZE, 1), Err(EINVAL));
        let mut back = [0u8; 8];
        pages[1].read_raw(back.as_mut_ptr(), 8, 8).unwrap();
        assert_eq!(back, tag);
    }
    drop(pages);
    assert_eq!(&v[PAGE_SIZE + 8..PAGE_SIZE + 16], &tag);
    assert!(v[2 * PAGE_SIZE..].iter().all(|&b| b == 0));
    // An empty vector has no pages.
    assert_eq!(VVec::<u32>::new().page_iter().count(), 0);
}

// `kernel::str::CString`'s documentation example, with flags and the token.
#[alloc_ctx::test]
#[allow(clippy::bool_assert_comparison)] // upstream's spelling
fn rfl_cstring_example() -> Result {
    use alloc_ctx::{fmt, str::CString};

    let s = CString::try_from_fmt(fmt!("{}{}{}", "abc", 10, 20), GFP_KERNEL, cx)?;
    assert_eq!(s.to_bytes_with_nul(), "abc1020\0".as_bytes());

    let tmp = "testing";
    let s = CString::try_from_fmt(fmt!("{tmp}{}", 123), GFP_KERNEL, cx)?;
    assert_eq!(s.to_bytes_with_nul(), "testing123\0".as_bytes());

    // This fails because it has an embedded `NUL` byte.
    let s = CString::try_from_fmt(fmt!("a\0b{}", 123), GFP_KERNEL, cx);
    assert_eq!(s.is_ok(), false);
    Ok(())
}

#[alloc_ctx::test]
fn cstring_formats_in_a_nowait_context_with_atomic_flags() {
    use alloc_ctx::{fmt, str::CString};
    let name = NoWait::enter(|nw| CString::try_from_fmt(fmt!("irq-{}", 42), GFP_ATOMIC, nw)).unwrap();
    assert_eq!(name.to_string(), "irq-42");
    assert_eq!(name.into_bytes_with_nul().as_slice(), b"irq-42\0");
}

#[alloc_ctx::test]
fn kvec_push_init_builds_in_place_and_a_failing_initialiser_leaves_the_vector_as_it_was() {
    use alloc_ctx::init::init;
    #[derive(Debug, PartialEq)]
    struct Desc {
        addr: u64,
        len: u32,
    }
    let mut ring = KVec::<Desc>::new();
    ring.push_init(init!(Desc { addr: 0x1000, len: 64 }), GFP_KERNEL, cx).unwrap();
    let failing = alloc_ctx::init::try_init!(Desc { addr: 0x2000, len <- Err(EBUSY) }? Error);
    assert_eq!(ring.push_init(failing, GFP_KERNEL, cx), Err(EBUSY));
    assert_eq!(ring.as_slice(), [Desc { addr: 0x1000, len: 64 }]);
    ring.push_init(init!(Desc { addr: 0x3000, len: 8 }), GFP_ATOMIC, cx).unwrap();
    assert_eq!(ring[1].addr, 0x3000);
}

#[alloc_ctx::test]
fn pin_slice_drops_the_built_elements_in_place_when_one_fails() {
    static SLICE_DROPS: AtomicUsize = AtomicUsize::new(0);
    #[pin_data(PinnedDrop)]
    struct Queue {
        #[pin]
        head: SpinLock<usize>,
    }
    #[pinned_drop]
    impl PinnedDrop for Queue {
        fn drop(self: Pin<&mut Self>) {
            SLICE_DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let failing = KBox::<[Queue]>::pin_slice(
        |i| try_pin_init!(Queue { head <- if i == 3 { Err(EBUSY) } else { Ok(SpinLock::new(i)) } }? Error),
        5,
        GFP_KERNEL,
        cx,
    );
    assert_eq!(failing.err(), Some(EBUSY));
    // Elements 0, 1 and 2 were built, then dropped; 3 failed; 4 never began.
    assert_eq!(SLICE_DROPS.load(Ordering::Relaxed), 3);
    // As upstream, the error type takes allocation failures.
    let queues = KBox::<[Queue]>::pin_slice(
        |i| try_pin_init!(Queue { head <- new_spinlock!(i) }? AllocError),
        3,
        GFP_KERNEL,
        cx,
    )
    .unwrap();
    assert_eq!(queues.iter().map(|q| *q.head.lock(cx)).sum::<usize>(), 3);
    drop(queues);
    assert_eq!(SLICE_DROPS.load(Ordering::Relaxed), 6);
}
