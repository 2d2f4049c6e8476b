//! [`Mempool`]: a pool of preallocated elements that guarantees forward
//! progress, like the kernel's `mempool_t`.
//!
//! A pool keeps `min_nr` elements in reserve, allocated when it is created.
//! A request tries the backend first and falls back to the reserve; when
//! both are empty, what happens depends on the flags, and so does the
//! result type:
//!
//! * with `__GFP_DIRECT_RECLAIM` (`GFP_KERNEL`, `GFP_NOIO`, …, only through
//!   a [`MaySleep`] token) the request *waits* until another user frees an
//!   element, and therefore never fails: it returns the [`MempoolBox`]
//!   itself;
//! * without it (`GFP_ATOMIC`, `GFP_NOWAIT`, any request through a
//!   [`NoWait`](crate::NoWait) token) it returns `Result<_, AllocError>`.
//!
//! An element comes back when its [`MempoolBox`] is dropped: into the
//! reserve if the reserve is below `min_nr`, to the backend otherwise.
//!
//! The guarantee holds only if every element taken from the pool is
//! eventually dropped by someone who does not wait on the same pool, as in
//! the kernel: a thread that holds `min_nr` elements and asks for one more
//! with sleeping flags waits for itself.
//!
//! ```
//! # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::AllocError> {
//! use alloc_ctx::mempool::Mempool;
//! use alloc_ctx::{flags::*};
//!
//! struct Request { sector: u64 }
//!
//! // At probe time, while sleeping is allowed: reserve 4 requests.
//! let pool = Mempool::<Request>::new(4, GFP_KERNEL, cx)?;
//! assert_eq!(pool.available(), 4);
//!
//! // On the I/O path: cannot fail, at worst waits for a completion.
//! let request = pool.alloc(Request { sector: 7 }, GFP_NOIO, cx);
//! assert_eq!(request.sector, 7);
//!
//! // In an interrupt handler: may fail, never waits.
//! cx.nowait_scope(|nw| {
//!     let retry = pool.alloc(Request { sector: 8 }, GFP_ATOMIC, nw);
//!     assert!(retry.is_ok());
//! });
//! # Ok::<_, alloc_ctx::AllocError>(())
//! # }
//! ```
//!
//! A sleeping request through a `NoWait` token does not compile, as
//! everywhere else:
//!
//! ```compile_fail,E0277
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! use alloc_ctx::mempool::Mempool;
//! use alloc_ctx::{MaySleep, flags::*};
//! let pool = Mempool::<u64>::new(4, GFP_KERNEL, cx).unwrap();
//! cx.nowait_scope(|nw| {
//!     let _ = pool.alloc(1, GFP_KERNEL, nw); // error: `GFP_KERNEL` may sleep
//! });
//! # }
//! ```

use alloc::vec::Vec;
use core::alloc::Layout;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{ManuallyDrop, align_of};
use core::ops::{Deref, DerefMut};
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use crate::containers::kbox::free_block;
use crate::context::token::{MaySleep, SleepToken, Token};
use crate::request::backend::{Backend, System};
use crate::request::serve;
use crate::vocab::error::AllocError;
use crate::vocab::flags::{Gfp, GfpFlags, bits};
use crate::vocab::rules::{MayFail, Permits, PoolFlags};
use crate::vocab::size::{KmallocMax, Size, array_size};
use crate::vocab::typelevel::Bool;

/// The outcome of a pool request with flags `F`: the element itself when
/// `F` may sleep (the request waits rather than fail), `Result` otherwise.
pub type PoolOutcome<F, T> = <<F as GfpFlags>::DirectReclaim as Bool>::Outcome<T>;

/// How long a waiting request sleeps before trying the backend again:
/// memory freed to the backend by someone else does not wake the pool (the
/// kernel waits 5 s; a test suite should not).
const RETRY_AFTER: Duration = Duration::from_millis(20);

/// A pool of `min_nr` preallocated `T`-sized elements from backend `A`.
///
/// Thread-safe: share it by reference (`&Mempool` is `Sync` when the backend
/// is). See the [module documentation](self) for the semantics.
pub struct Mempool<T, A: Backend = System> {
    backend: A,
    min_nr: usize,
    /// Free, uninitialised elements; capacity `min_nr`, reserved at creation
    /// so that returning an element never allocates.
    reserve: Mutex<Vec<NonNull<T>>>,
    freed: Condvar,
    waiters: AtomicUsize,
    _elements: PhantomData<fn() -> T>,
}

// SAFETY: the reserve holds uninitialised memory only (no `T` values), owned
// by the pool and freed through `backend`, which moves with it.
unsafe impl<T: Send, A: Backend + Send> Send for Mempool<T, A> {}
// SAFETY: the reserve is behind a mutex; shared use calls the backend from
// several threads (`A: Sync`) and hands out memory in which `T` values are
// created on one thread and may be dropped on another (`T: Send`).
unsafe impl<T: Send, A: Backend + Sync> Sync for Mempool<T, A> {}

impl<T> Mempool<T> {
    /// A pool of `min_nr` elements from the [`System`] backend.
    ///
    /// The elements are allocated now, with `flags` (fallible flags only:
    /// the count is a run-time value), through a sleep token, like
    /// `mempool_create()`. On failure nothing is kept.
    #[track_caller]
    pub fn new<F>(min_nr: usize, flags: F, cx: &mut impl SleepToken) -> Result<Self, AllocError>
    where
        F: GfpFlags + MayFail,
        MaySleep: Permits<F>,
    {
        Mempool::new_in(min_nr, System, flags, cx)
    }
}

impl<T, A: Backend> Mempool<T, A> {
    /// A pool of `min_nr` elements from `backend`; see [`Mempool::new`].
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::backend::Budget;
    /// use alloc_ctx::mempool::Mempool;
    /// use alloc_ctx::{flags::*};
    ///
    /// let budget = Budget::new(64);
    /// let pool = Mempool::<[u8; 16], _>::new_in(4, &budget, GFP_KERNEL, cx).unwrap();
    /// assert_eq!(budget.live_bytes(), 64); // the reserve is charged up front
    /// assert!(Mempool::<[u8; 16], _>::new_in(1, &budget, GFP_KERNEL | __GFP_NOWARN, cx).is_err());
    /// drop(pool);
    /// assert_eq!(budget.live_bytes(), 0);
    /// # }
    /// ```
    #[track_caller]
    pub fn new_in<F>(min_nr: usize, backend: A, flags: F, cx: &mut impl SleepToken) -> Result<Self, AllocError>
    where
        F: GfpFlags + MayFail,
        MaySleep: Permits<F>,
    {
        #[allow(clippy::let_unit_value)]
        let () = AssertElementFits::<T>::OK;
        let gfp = cx.may_sleep().effective(flags);
        // The reserve's list is one array of `min_nr` pointers: an absurd
        // count is a size error naming the bound, not an out-of-memory.
        let list = array_size::<NonNull<T>, KmallocMax>(min_nr)?;
        let mut reserve = Vec::new();
        if reserve.try_reserve_exact(min_nr).is_err() {
            return Err(AllocError::out_of_memory(list.get(), align_of::<NonNull<T>>(), gfp));
        }
        let mut pool = Mempool {
            backend,
            min_nr,
            reserve: Mutex::new(reserve),
            freed: Condvar::new(),
            waiters: AtomicUsize::new(0),
            _elements: PhantomData,
        };
        let reserve = pool.reserve.get_mut().unwrap_or_else(PoisonError::into_inner);
        while reserve.len() < min_nr {
            // On failure the pool's `Drop` frees the elements taken so far.
            reserve.push(allocate_element(&pool.backend, gfp)?);
        }
        Ok(pool)
    }

    /// Moves `value` into an element of the pool.
    ///
    /// Tries the backend (without reclaim), then the reserve. When both are
    /// empty, a request whose flags may sleep runs one reclaim pass and then
    /// waits until an element is freed, so it never fails and returns the
    /// box itself; other requests fail (and `value` is dropped), without a
    /// failure report: a pool user expects the reserve to run dry.
    ///
    /// Any token may make a request its rules allow: a [`MaySleep`] token
    /// with any flags, a [`NoWait`](crate::NoWait) token with non-blocking
    /// ones. `__GFP_NOFAIL` does not compile: it would add nothing (a
    /// sleeping pool request cannot fail anyway) and promise more than a
    /// non-sleeping one can keep. `__GFP_ZERO` is ignored (the element holds
    /// `value`).
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::backend::Budget;
    /// use alloc_ctx::mempool::Mempool;
    /// use alloc_ctx::{flags::*};
    ///
    /// let budget = Budget::new(2 * 8);
    /// let pool = Mempool::<u64, _>::new_in(2, &budget, GFP_KERNEL, cx).unwrap();
    /// // The budget is spent on the reserve, so both come from it.
    /// let a = pool.alloc(1, GFP_KERNEL, cx);
    /// let b = pool.alloc(2, GFP_ATOMIC, cx.nowait()).unwrap();
    /// assert_eq!(pool.available(), 0);
    /// assert!(pool.alloc(3, GFP_NOWAIT, cx.nowait()).is_err());
    /// drop(a);
    /// assert_eq!(pool.available(), 1);
    /// assert_eq!(*b + *pool.alloc(3, GFP_KERNEL, cx), 5);
    /// # }
    /// ```
    ///
    /// `__GFP_NOFAIL` is rejected at type check, with sleeping flags too:
    ///
    /// ```compile_fail,E0277
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::mempool::Mempool;
    /// use alloc_ctx::{MaySleep, flags::*};
    /// let pool = Mempool::<u64>::new(1, GFP_KERNEL, cx).unwrap();
    /// // error: `__GFP_NOFAIL`, which a mempool request does not take
    /// let _ = pool.alloc(1, GFP_KERNEL | __GFP_NOFAIL, cx);
    /// # }
    /// ```
    #[track_caller]
    pub fn alloc<C, F>(&self, value: T, flags: F, cx: &mut C) -> PoolOutcome<F, MempoolBox<'_, T, A>>
    where
        C: Token + Permits<F> + ?Sized,
        F: GfpFlags + PoolFlags,
    {
        let result = self.take_element(crate::context::token::served(cx, flags.gfp())).map(|element| {
            // SAFETY: the element is valid for writes of a `T` and owned by
            // nobody else until the box returns it.
            unsafe { element.as_ptr().write(value) };
            MempoolBox { pool: self, element, _owns: PhantomData }
        });
        <F::DirectReclaim as Bool>::outcome(result)
    }

    /// The number of elements the pool keeps in reserve.
    pub fn min_nr(&self) -> usize {
        self.min_nr
    }

    /// The elements in reserve right now (the kernel's `curr_nr`).
    pub fn available(&self) -> usize {
        self.lock().len()
    }

    /// The requests currently waiting for a free element.
    pub fn waiters(&self) -> usize {
        self.waiters.load(Ordering::Acquire)
    }

    /// The backend the elements come from.
    pub fn backend(&self) -> &A {
        &self.backend
    }

    fn lock(&self) -> MutexGuard<'_, Vec<NonNull<T>>> {
        // The reserve is a plain list that no operation leaves half-updated.
        self.reserve.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `mempool_alloc()`: backend, reserve, one reclaim pass, then wait.
    #[track_caller]
    fn take_element(&self, gfp: Gfp) -> Result<NonNull<T>, AllocError> {
        if gfp.may_sleep() {
            crate::context::state::might_sleep();
        }
        // The backend is tried without reclaim first: the reserve is there to
        // avoid stalling. A sleeping request then gets one reclaim pass before
        // it waits, and its failures are not reported (`__GFP_NOWARN`).
        let modifiers = bits::NOFAIL | bits::RETRY_MAYFAIL | bits::NORETRY | bits::ZERO;
        let quick = with_nowarn(gfp.without(modifiers | bits::DIRECT_RECLAIM));
        let reclaim = Gfp::from_bits(gfp.without(modifiers).bits() | bits::NORETRY | bits::NOWARN).unwrap_or(quick);
        let mut attempt = quick;
        loop {
            if let Ok(element) = allocate_element(&self.backend, attempt) {
                return Ok(element);
            }
            if let Some(element) = self.lock().pop() {
                return Ok(element);
            }
            if !gfp.may_sleep() {
                let layout = Layout::new::<T>();
                return Err(AllocError::out_of_memory(layout.size(), layout.align(), gfp));
            }
            if attempt != reclaim {
                attempt = reclaim;
                continue;
            }
            let mut reserve = self.lock();
            if reserve.is_empty() {
                self.waiters.fetch_add(1, Ordering::AcqRel);
                reserve = self
                    .freed
                    .wait_timeout_while(reserve, RETRY_AFTER, |reserve| reserve.is_empty())
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
                self.waiters.fetch_sub(1, Ordering::AcqRel);
            }
            if let Some(element) = reserve.pop() {
                return Ok(element);
            }
        }
    }

    /// `mempool_free()`: refill the reserve, or give the element back.
    fn release(&self, element: NonNull<T>) {
        let mut reserve = self.lock();
        if reserve.len() < self.min_nr {
            // Within the capacity reserved at creation: no allocation.
            reserve.push(element);
            drop(reserve);
            self.freed.notify_one();
            return;
        }
        drop(reserve);
        // SAFETY: the element was allocated by `self.backend` with the layout
        // of `T` (or is zero-sized, never allocated), holds no value any
        // more, and nothing refers to it.
        unsafe { free_block(&self.backend, element.cast(), Layout::new::<T>()) };
    }
}

/// One element from `backend` with the request path's policy for `gfp`;
/// zero-sized elements are never allocated.
#[track_caller]
fn allocate_element<T, A: Backend>(backend: &A, gfp: Gfp) -> Result<NonNull<T>, AllocError> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Ok(NonNull::dangling());
    }
    serve::allocate(backend, layout, gfp).map(NonNull::cast)
}

/// `gfp | __GFP_NOWARN`, which is always a valid combination.
fn with_nowarn(gfp: Gfp) -> Gfp {
    Gfp::from_bits(gfp.bits() | bits::NOWARN).unwrap_or(gfp)
}

/// Evaluated when a program creating a pool of `T` is built: an element is
/// one kmalloc'ed block, so `T` must fit `KMALLOC_MAX_SIZE`.
struct AssertElementFits<T>(PhantomData<T>);
impl<T> AssertElementFits<T> {
    const OK: () = {
        let _ = Size::<KmallocMax>::of::<T>();
    };
}

impl<T, A: Backend> Drop for Mempool<T, A> {
    fn drop(&mut self) {
        let reserve = core::mem::take(self.reserve.get_mut().unwrap_or_else(PoisonError::into_inner));
        for element in reserve {
            // SAFETY: reserve elements were allocated by `self.backend` with
            // the layout of `T` and hold no value; every box has been dropped
            // (they borrow the pool).
            unsafe { free_block(&self.backend, element.cast(), Layout::new::<T>()) };
        }
    }
}

impl<T, A: Backend> fmt::Debug for Mempool<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mempool")
            .field("min_nr", &self.min_nr)
            .field("available", &self.available())
            .field("waiters", &self.waiters())
            .finish_non_exhaustive()
    }
}

/// A value in an element of a [`Mempool`]; dropping it drops the value and
/// returns the element to the pool (`mempool_free()`).
pub struct MempoolBox<'pool, T, A: Backend = System> {
    pool: &'pool Mempool<T, A>,
    element: NonNull<T>,
    _owns: PhantomData<T>,
}

// SAFETY: the box owns its `T` like `Box` does, and shares the pool (which
// is `Sync` under these bounds) by reference.
unsafe impl<T: Send, A: Backend + Sync> Send for MempoolBox<'_, T, A> {}
// SAFETY: shared access gives `&T` and `&Mempool`.
unsafe impl<T: Sync + Send, A: Backend + Sync> Sync for MempoolBox<'_, T, A> {}

impl<'pool, T, A: Backend> MempoolBox<'pool, T, A> {
    /// Moves the value out and returns the element to the pool.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::mempool::{Mempool, MempoolBox};
    /// use alloc_ctx::{flags::*};
    /// let pool = Mempool::<String>::new(1, GFP_KERNEL, cx).unwrap();
    /// let name = pool.alloc(String::from("eth0"), GFP_KERNEL, cx);
    /// assert_eq!(MempoolBox::into_inner(name), "eth0");
    /// assert_eq!(pool.available(), 1);
    /// # }
    /// ```
    pub fn into_inner(this: Self) -> T {
        let this = ManuallyDrop::new(this);
        // SAFETY: the element holds an initialised `T`, read once; the box is
        // not dropped, so the value is not dropped again.
        let value = unsafe { ptr::read(this.element.as_ptr()) };
        this.pool.release(this.element);
        value
    }

    /// The pool the element belongs to.
    pub fn pool(this: &Self) -> &'pool Mempool<T, A> {
        this.pool
    }
}

impl<T, A: Backend> Drop for MempoolBox<'_, T, A> {
    fn drop(&mut self) {
        /// Returns the element even if the value's `Drop` panics.
        struct Release<'a, T, A: Backend>(&'a Mempool<T, A>, NonNull<T>);
        impl<T, A: Backend> Drop for Release<'_, T, A> {
            fn drop(&mut self) {
                self.0.release(self.1);
            }
        }
        let _release = Release(self.pool, self.element);
        // SAFETY: the element holds an initialised `T` owned by this box,
        // dropped once, here.
        unsafe { ptr::drop_in_place(self.element.as_ptr()) };
    }
}

impl<T, A: Backend> Deref for MempoolBox<'_, T, A> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the element holds an initialised `T` owned by this box; the
        // borrow is tied to `&self`.
        unsafe { self.element.as_ref() }
    }
}

impl<T, A: Backend> DerefMut for MempoolBox<'_, T, A> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as `deref`, and `&mut self` makes the borrow unique.
        unsafe { self.element.as_mut() }
    }
}

impl<T: fmt::Debug, A: Backend> fmt::Debug for MempoolBox<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display, A: Backend> fmt::Display for MempoolBox<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
