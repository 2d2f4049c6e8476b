//! Two cores, each with its own context state (`per-core`): a host thread
//! stands for a core, and the core-id hook says which. Core 0 holds a
//! spinlock (its atomic depth is 1) while core 1 makes a sleeping request:
//! with one global state, core 1 would see core 0's section and panic.
//!
//! Run with `cargo test -p alloc-ctx --features per-core --test per_core`.
#![cfg(feature = "per-core")]

use std::cell::Cell;
use std::sync::Barrier;

use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::sync::SpinLock;
use alloc_ctx::{KVec, MaySleep, atomic_depth, in_atomic, percpu};

std::thread_local! {
    /// The core this thread stands for.
    static CORE: Cell<usize> = const { Cell::new(0) };
}

fn this_core() -> usize {
    CORE.with(Cell::get)
}

/// Runs `f` as core `core`, with a sleep token.
fn on_core<R>(core: usize, f: impl FnOnce(&mut MaySleep) -> R) -> R {
    CORE.with(|c| c.set(core));
    // SAFETY: the start of a fresh thread standing for an idle core: no
    // token of it exists and no section of it is open.
    unsafe { MaySleep::enter(f) }
}

#[test]
fn each_core_has_its_own_atomic_depth() {
    percpu::set_core_id(this_core);
    let lock = SpinLock::new(0u32);
    let (held, done) = (Barrier::new(2), Barrier::new(2));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            on_core(0, |cx| {
                let mut guard = lock.lock(cx);
                *guard += 1;
                assert_eq!((percpu::core_id(), atomic_depth()), (0, 1));
                held.wait(); // core 1 runs while core 0 is atomic
                done.wait();
            });
        });
        scope.spawn(|| {
            on_core(1, |cx| {
                held.wait();
                assert_eq!(percpu::core_id(), 1);
                assert!(!in_atomic(), "core 1 sees core 0's section");
                // A sleeping request: the run-time check reads core 1's depth.
                let mut ring = KVec::<u64>::new();
                ring.push(7, GFP_KERNEL, cx).expect("memory");
                let mut nested = lock_free_section(cx);
                nested.push(8, alloc_ctx::flags::GFP_ATOMIC, cx).expect("memory");
                done.wait();
            });
        });
    });
    assert_eq!(lock.into_inner(), 1);

    // A hook that answers a core the crate keeps no state for is refused
    // (in this same test: the hook is process-wide).
    fn beyond() -> usize {
        percpu::MAX_CORES
    }
    percpu::set_core_id(beyond);
    let outcome = std::panic::catch_unwind(percpu::core_id);
    percpu::set_core_id(this_core);
    assert!(outcome.is_err(), "an out-of-range core id must panic");
}

/// A section of core 1's own, to show its depth rises and falls alone.
fn lock_free_section(cx: &mut MaySleep) -> KVec<u64> {
    let other = SpinLock::new(KVec::<u64>::new());
    {
        let mut guard = other.lock(cx);
        assert_eq!(atomic_depth(), 1, "core 1's own section");
        let nw = guard.token();
        guard.push(1, alloc_ctx::flags::GFP_ATOMIC, nw).expect("memory");
    }
    assert_eq!(atomic_depth(), 0);
    other.into_inner()
}
