//! Threads that start with a sleep token: where a kernel's kthread gets
//! process context.
//!
//! A new thread has no token and no section of its own yet, so its start is
//! one of the few places where a sleep token may be created safely (with a
//! program's `main`, a test and a work item). Creating and joining a thread
//! may block, so both take the caller's sleep token: neither compiles under
//! a spinlock or in a `#[nowait]` function.
//!
//! ```
//! use alloc_ctx::{KVec, flags::GFP_KERNEL, thread};
//!
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! let worker = thread::spawn(cx, |cx| {
//!     let mut ring = KVec::<u64>::new();
//!     ring.push(7, GFP_KERNEL, cx).map(|()| ring.len()).ok()
//! });
//! assert_eq!(worker.join(cx).unwrap(), Some(1));
//! # }
//! ```
//!
//! Threads that borrow from the caller's stack run in a [`scope`], which
//! joins them all before it returns:
//!
//! ```
//! use alloc_ctx::{KVec, flags::GFP_KERNEL, thread};
//!
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! let packets = [3u8, 5];
//! let lens = thread::scope(cx, |scope, cx| {
//!     let worker = scope.spawn(cx, |cx| {
//!         let mut ring = KVec::<u8>::new();
//!         ring.extend_from_slice(&packets, GFP_KERNEL, cx).map(|()| ring.len())
//!     });
//!     let here = packets.len(); // the scope's own thread keeps working
//!     (here, worker.join(cx).unwrap())
//! });
//! assert_eq!(lens, (2, Ok(2)));
//! # }
//! ```
//!
//! Joining under a spinlock does not compile:
//!
//! ```compile_fail,E0277
//! use alloc_ctx::{sync::SpinLock, thread};
//! # #[alloc_ctx::may_sleep(entry)] fn main() {
//! let worker = thread::spawn(cx, |_cx| ());
//! let lock = SpinLock::new(());
//! let mut guard = lock.lock(cx);
//! let _ = worker.join(guard.token()); // error: `NoWait` is not a sleep token
//! # }
//! ```

use std::boxed::Box;
use std::string::String;
use std::thread as std_thread;

use crate::context::token::{MaySleep, SleepToken};

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

/// Spawns a thread that runs `f` with a sleep token of its own.
///
/// The closure must be `Send` and `'static`, as for `std::thread::spawn`,
/// which keeps the caller's tokens out of it: the new thread's token is its
/// own, created at its start, where no section of that thread can be open.
///
/// # Panics
///
/// If the operating system cannot create a thread, as `std::thread::spawn`
/// does; [`Builder::spawn`] returns the error instead.
#[track_caller]
pub fn spawn<F, R>(cx: &mut impl SleepToken, f: F) -> JoinHandle<R>
where
    F: FnOnce(&mut MaySleep) -> R + Send + 'static,
    R: Send + 'static,
{
    Builder::new().spawn(cx, f).expect("failed to spawn thread")
}

/// A thread's configuration before it starts: its name and stack size, as
/// `std::thread::Builder`.
#[derive(Debug)]
#[must_use = "a builder does nothing until `spawn` is called"]
pub struct Builder {
    inner: std_thread::Builder,
}

impl Builder {
    /// A builder with the platform's defaults.
    pub fn new() -> Builder {
        Builder { inner: std_thread::Builder::new() }
    }

    /// Names the thread (shown in panic messages).
    pub fn name(self, name: String) -> Builder {
        Builder { inner: self.inner.name(name) }
    }

    /// Sets the stack size in bytes.
    pub fn stack_size(self, size: usize) -> Builder {
        Builder { inner: self.inner.stack_size(size) }
    }

    /// Spawns the thread; `f` runs with a sleep token of its own.
    ///
    /// # Errors
    ///
    /// The operating system's error when the thread cannot be created (or
    /// the name contains a NUL byte).
    #[track_caller]
    pub fn spawn<F, R>(self, cx: &mut impl SleepToken, f: F) -> std::io::Result<JoinHandle<R>>
    where
        F: FnOnce(&mut MaySleep) -> R + Send + 'static,
        R: Send + 'static,
    {
        // Creating a thread may block (and allocates): the caller's sleep
        // token says it may, the type system that it is not frozen.
        let _ = cx.may_sleep();
        crate::context::state::might_sleep();
        let body: Box<dyn FnOnce() -> R + Send> = Box::new(move || {
            // SAFETY: the start of a new thread: no token of this thread
            // exists yet and no section of it is open.
            unsafe { MaySleep::enter(f) }
        });
        self.inner.spawn(body).map(|inner| JoinHandle { inner })
    }
}

/// An owned handle to a thread started by [`spawn`]; joining it takes a
/// sleep token, since it waits.
#[derive(Debug)]
#[must_use = "a thread is detached when its handle is dropped; join it to wait for it"]
pub struct JoinHandle<R> {
    inner: std_thread::JoinHandle<R>,
}

impl<R> JoinHandle<R> {
    /// Waits for the thread to finish and returns its result, or the
    /// payload of its panic, as `std::thread::JoinHandle::join`.
    ///
    /// # Errors
    ///
    /// The thread's panic payload, if it panicked.
    #[track_caller]
    pub fn join(self, cx: &mut impl SleepToken) -> std_thread::Result<R> {
        let _ = cx.may_sleep();
        crate::context::state::might_sleep();
        self.inner.join()
    }

    /// Whether the thread has finished (never blocks).
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The thread's handle (its name and id).
    pub fn thread(&self) -> &std_thread::Thread {
        self.inner.thread()
    }
}

/// Runs `f` with a [`Scope`] in which threads that borrow from the caller
/// may be spawned, as `std::thread::scope`; every thread spawned in it is
/// joined before `scope` returns.
///
/// Waiting for the threads may block, so `scope` takes the caller's sleep
/// token, and lends it to `f` for the work of the calling thread meanwhile.
/// Each spawned thread gets a token of its own, as with [`spawn`].
///
/// # Panics
///
/// If a thread spawned in the scope panicked and was not joined, as
/// `std::thread::scope` does (after joining the others).
#[track_caller]
pub fn scope<'env, F, T>(cx: &mut impl SleepToken, f: F) -> T
where
    F: for<'scope> FnOnce(Scope<'scope, 'env>, &mut MaySleep) -> T,
{
    let cx = cx.may_sleep();
    crate::context::state::might_sleep();
    std_thread::scope(|inner| f(Scope { inner }, cx))
}

/// A scope to spawn threads that borrow from the caller's stack in; see
/// [`scope`]. `Copy`: a spawned thread may take it along and spawn more.
#[derive(Clone, Copy, Debug)]
pub struct Scope<'scope, 'env> {
    inner: &'scope std_thread::Scope<'scope, 'env>,
}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Spawns a thread in the scope; `f` runs with a sleep token of its
    /// own. `f` must be `Send`, which keeps the caller's tokens out of it.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create a thread, as
    /// `std::thread::Scope::spawn` does.
    #[track_caller]
    pub fn spawn<F, R>(self, cx: &mut impl SleepToken, f: F) -> ScopedJoinHandle<'scope, R>
    where
        F: FnOnce(&mut MaySleep) -> R + Send + 'scope,
        R: Send + 'scope,
    {
        let _ = cx.may_sleep();
        crate::context::state::might_sleep();
        let inner = self.inner.spawn(move || {
            // SAFETY: the start of a new thread: no token of this thread
            // exists yet and no section of it is open.
            unsafe { MaySleep::enter(f) }
        });
        ScopedJoinHandle { inner }
    }
}

/// An owned handle to a thread spawned in a [`Scope`]; joining it takes a
/// sleep token, since it waits. (A handle dropped unjoined is joined at
/// the end of the scope.)
#[derive(Debug)]
pub struct ScopedJoinHandle<'scope, R> {
    inner: std_thread::ScopedJoinHandle<'scope, R>,
}

impl<R> ScopedJoinHandle<'_, R> {
    /// Waits for the thread to finish and returns its result, or the
    /// payload of its panic.
    ///
    /// # Errors
    ///
    /// The thread's panic payload, if it panicked.
    #[track_caller]
    pub fn join(self, cx: &mut impl SleepToken) -> std_thread::Result<R> {
        let _ = cx.may_sleep();
        crate::context::state::might_sleep();
        self.inner.join()
    }

    /// Whether the thread has finished (never blocks).
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The thread's handle (its name and id).
    pub fn thread(&self) -> &std_thread::Thread {
        self.inner.thread()
    }
}
