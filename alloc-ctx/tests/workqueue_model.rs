//! A model test of the workqueue: random programs of spawns (from process
//! context, from an atomic section, with injected allocation failures, with
//! a panic while the item is allocated), flushes and a final shutdown or
//! drop, run by several threads at once, with items that return, panic
//! (also with a payload that panics when dropped) or leak a section. The
//! model is the set of items each `try_spawn` accepted; checked:
//!
//! * nothing hangs: every case runs under a watchdog;
//! * nothing is lost: every accepted item runs, and a flush returns only
//!   after every item its thread queued before it has run;
//! * nothing runs twice, and nothing refused (`Full`, `NoMemory`, a panic
//!   in the request) runs at all: a refused item comes back to the caller;
//! * the queue's bookkeeping: `pending()` never exceeds the capacity, and
//!   the statistics of `shutdown` count exactly the accepted items by kind.
//!
//! Bounded: 32 cases natively, 2 small ones under Miri.
//! `PROPTEST_CASES=N` sets the number of cases for a deeper run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Once, mpsc};
use std::time::{Duration, Instant};

use alloc_ctx::MaySleep;
use alloc_ctx::backend::FailInject;
use alloc_ctx::flags::*;
use alloc_ctx::sync::{SpinLock, SpinLockIrq};
use alloc_ctx::workqueue::{QueueError, Workqueue, WorkqueueStats};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

const CASES: u32 = if cfg!(miri) { 2 } else { 32 };
const MAX_ROUNDS: usize = if cfg!(miri) { 2 } else { 4 };
const MAX_THREADS: usize = if cfg!(miri) { 2 } else { 3 };
const MAX_OPS: usize = if cfg!(miri) { 4 } else { 8 };
/// Ids for every spawn a program may make.
const MAX_IDS: usize = MAX_ROUNDS * MAX_THREADS * MAX_OPS;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(CASES),
        failure_persistence: None,
        max_shrink_iters: if cfg!(miri) { 8 } else { 256 },
        ..ProptestConfig::default()
    }
}

/// What a work item does on the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Returns,
    Panics,
    /// Panics with a payload whose `Drop` panics too.
    PanicsWithGrenade,
    /// Returns inside a spinlock section (its guard forgotten).
    LeaksSection,
    /// Returns inside an irq-save section (its guard forgotten).
    LeaksIrqSave,
}

impl Item {
    fn panics(self) -> bool {
        matches!(self, Item::Panics | Item::PanicsWithGrenade)
    }
    fn leaks(self) -> bool {
        matches!(self, Item::LeaksSection | Item::LeaksIrqSave)
    }
}

/// One step of one thread.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// `try_spawn(GFP_KERNEL)` from process context.
    Spawn(Item),
    /// `try_spawn(GFP_ATOMIC)` from inside a nowait scope.
    SpawnAtomic(Item),
    /// `try_spawn_in` a backend that fails every other request at random.
    SpawnInjected(Item),
    /// A sleeping request for the item from inside an atomic section: the
    /// request panics (sleeping in atomic context) while the item is
    /// allocated; its queue slot must come back.
    SpawnPanicsInAlloc,
    Flush,
}

#[derive(Clone, Copy, Debug)]
enum End {
    Shutdown,
    /// Dropped without waiting: the detached worker still drains.
    Drop,
}

#[derive(Clone, Debug)]
struct Program {
    capacity: usize,
    /// Rounds, run one after another; in each, one list of steps per
    /// thread, run concurrently.
    rounds: Vec<Vec<Vec<Op>>>,
    end: End,
    seed: u64,
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        6 => Just(Item::Returns),
        1 => Just(Item::Panics),
        1 => Just(Item::PanicsWithGrenade),
        1 => Just(Item::LeaksSection),
        1 => Just(Item::LeaksIrqSave),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => item().prop_map(Op::Spawn),
        2 => item().prop_map(Op::SpawnAtomic),
        2 => item().prop_map(Op::SpawnInjected),
        1 => Just(Op::SpawnPanicsInAlloc),
        2 => Just(Op::Flush),
    ]
}

fn program() -> impl Strategy<Value = Program> {
    let thread = prop::collection::vec(op(), 0..=MAX_OPS);
    let round = prop::collection::vec(thread, 1..=MAX_THREADS);
    (
        1usize..=4,
        prop::collection::vec(round, 1..=MAX_ROUNDS),
        prop_oneof![Just(End::Shutdown), Just(End::Drop)],
        any::<u64>(),
    )
        .prop_map(|(capacity, rounds, end, seed)| Program { capacity, rounds, end, seed })
}

/// The panics the model's items raise on purpose: not printed.
struct ModelPanic;

/// A panic payload whose `Drop` panics.
struct Grenade;

impl Drop for Grenade {
    fn drop(&mut self) {
        std::panic::panic_any(ModelPanic);
    }
}

/// Silences the items' own panics (and the sleeping-in-atomic panics the
/// program provokes); every other panic, proptest's report included, is
/// printed as usual.
fn quiet_model_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let provoked = payload.is::<ModelPanic>()
                || payload.is::<Grenade>()
                || payload.downcast_ref::<String>().is_some_and(|message| message.contains("sleeping function called"));
            if !provoked {
                default(info);
            }
        }));
    });
}

/// What the runs of one case share.
struct World {
    wq: Workqueue,
    /// How often each id has started on the worker.
    runs: Vec<AtomicU8>,
    next_id: AtomicUsize,
    injected: Arc<FailInject>,
}

impl World {
    fn work(self: &Arc<Self>, id: usize, item: Item) -> impl FnOnce(&mut MaySleep) + Send + 'static {
        let world = Arc::clone(self);
        move |cx| {
            world.runs[id].fetch_add(1, Ordering::AcqRel);
            // The item must not keep the workqueue alive (dropping the last
            // `Arc` on the worker would join nothing, but keeps the test
            // simple to reason about): release it before anything else.
            drop(world);
            match item {
                Item::Returns => {}
                Item::Panics => std::panic::panic_any(ModelPanic),
                Item::PanicsWithGrenade => std::panic::panic_any(Grenade),
                Item::LeaksSection => {
                    let lock = SpinLock::new(());
                    std::mem::forget(lock.lock(cx));
                }
                Item::LeaksIrqSave => {
                    let lock = SpinLockIrq::new(());
                    std::mem::forget(lock.lock_irqsave(cx));
                }
            }
        }
    }

    fn id(&self) -> usize {
        self.next_id.fetch_add(1, Ordering::AcqRel)
    }
}

/// Runs one thread's steps; returns the items it queued.
fn run_thread(world: &Arc<World>, ops: &[Op], cx: &mut MaySleep) -> Vec<(usize, Item)> {
    let mut accepted: Vec<(usize, Item)> = Vec::new();
    {
        for &op in ops {
            match op {
                Op::Spawn(item) => {
                    let id = world.id();
                    if world.wq.try_spawn(GFP_KERNEL, cx, world.work(id, item)).is_ok() {
                        accepted.push((id, item));
                    }
                }
                Op::SpawnAtomic(item) => {
                    let id = world.id();
                    let queued = cx.nowait_scope(|nw| world.wq.try_spawn(GFP_ATOMIC, nw, world.work(id, item)).is_ok());
                    if queued {
                        accepted.push((id, item));
                    }
                }
                Op::SpawnInjected(item) => {
                    let id = world.id();
                    let backend = Arc::clone(&world.injected);
                    let outcome = cx.nowait_scope(|nw| {
                        world.wq.try_spawn_in(backend, GFP_NOWAIT | __GFP_NOWARN, nw, world.work(id, item))
                    });
                    match outcome {
                        Ok(()) => accepted.push((id, item)),
                        // Handed back, and dropped here without running.
                        Err(QueueError::Full(work) | QueueError::NoMemory(work, _)) => drop(work),
                    }
                }
                Op::SpawnPanicsInAlloc => {
                    let id = world.id();
                    // On a thread of its own, whose context state the
                    // leaked guard leaves raised.
                    let world = Arc::clone(world);
                    let panicked = alloc_ctx::thread::spawn(cx, move |cx| {
                        let lock = SpinLock::new(());
                        std::mem::forget(lock.lock(cx));
                        let work = world.work(id, Item::Returns);
                        catch_unwind(AssertUnwindSafe(|| world.wq.try_spawn(GFP_KERNEL, cx, work).is_err()))
                    })
                    .join(cx)
                    .expect("the spawning thread itself died");
                    // Refused as `Full` before the request, or a panic in it.
                    assert!(panicked.unwrap_or(true), "a sleeping request from atomic context was queued");
                }
                Op::Flush => {
                    world.wq.flush(cx);
                    for &(id, item) in &accepted {
                        let runs = world.runs[id].load(Ordering::Acquire);
                        assert_eq!(runs, 1, "after a flush, item {id} ({item:?}) queued before it ran {runs} times");
                    }
                }
            }
            assert!(world.wq.pending() <= world.wq.capacity(), "pending {} over the capacity", world.wq.pending());
        }
    }
    accepted
}

/// Runs `program` and checks it against the model.
fn run(program: &Program, cx: &mut MaySleep) {
    let world = Arc::new(World {
        wq: Workqueue::new("model", program.capacity, cx).expect("a valid capacity"),
        runs: (0..MAX_IDS).map(|_| AtomicU8::new(0)).collect(),
        next_id: AtomicUsize::new(0),
        injected: Arc::new(FailInject::new().fail_randomly(0.5, program.seed)),
    });
    let mut accepted: Vec<(usize, Item)> = Vec::new();
    for round in &program.rounds {
        let logs: Vec<Vec<(usize, Item)>> = alloc_ctx::thread::scope(cx, |scope, cx| {
            let threads: Vec<_> = round.iter().map(|ops| scope.spawn(cx, |cx| run_thread(&world, ops, cx))).collect();
            threads.into_iter().map(|thread| thread.join(cx).expect("a program thread failed")).collect()
        });
        accepted.extend(logs.into_iter().flatten());
    }
    let ids = world.next_id.load(Ordering::Acquire);
    // Every item (and its `Arc<World>`) has been released once it ran;
    // refused ones were dropped by their threads.
    wait_for(|| Arc::strong_count(&world) == 1);
    let World { wq, runs, .. } = Arc::into_inner(world).expect("the last reference");
    let expected = WorkqueueStats {
        completed: accepted.iter().filter(|(_, item)| !item.panics()).count(),
        panicked: accepted.iter().filter(|(_, item)| item.panics()).count(),
        leaked: accepted.iter().filter(|(_, item)| item.leaks()).count(),
    };
    match program.end {
        End::Shutdown => {
            let stats = wq.shutdown(cx);
            assert_eq!(stats, expected, "shutdown's statistics");
        }
        End::Drop => drop(wq),
    }
    for (id, runs) in runs.iter().enumerate().take(ids) {
        let runs = runs.load(Ordering::Acquire);
        let queued = accepted.iter().any(|&(accepted, _)| accepted == id);
        assert_eq!(runs, u8::from(queued), "item {id} (queued: {queued}) ran {runs} times");
    }
}

/// Waits (polling) until `done()`: until every accepted item has run on
/// the worker and released its reference.
fn wait_for(done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit(), "the worker never finished its items");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn limit() -> Duration {
    if cfg!(miri) { Duration::from_secs(3600) } else { Duration::from_secs(60) }
}

/// Runs `program` on its own thread; a hang fails the case after
/// [`limit`] instead of blocking the suite.
fn run_with_watchdog(program: Program) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // SAFETY: the start of a fresh thread, where no token exists (what
        // `alloc_ctx::thread::spawn` does; the watchdog must not wait for
        // the thread, which `alloc_ctx::thread`'s handles only do with a
        // token).
        let _ = tx.send(catch_unwind(AssertUnwindSafe(|| unsafe { MaySleep::enter(|cx| run(&program, cx)) })));
    });
    match rx.recv_timeout(limit()) {
        Ok(Ok(())) => {}
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => panic!("the program hung (still running after {:?})", limit()),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_workqueue_runs_every_accepted_item_once_and_never_hangs(program in program()) {
        quiet_model_panics();
        run_with_watchdog(program);
    }
}

/// A fixed program that covers every step and item kind once, so that even
/// a run with few random cases exercises each path.
#[test]
fn a_program_with_every_step_and_item() {
    quiet_model_panics();
    let items = [Item::Returns, Item::Panics, Item::PanicsWithGrenade, Item::LeaksSection, Item::LeaksIrqSave];
    let mut first = Vec::new();
    for item in items {
        first.extend([Op::Spawn(item), Op::SpawnAtomic(item), Op::Flush]);
    }
    let second = vec![Op::SpawnInjected(Item::Returns), Op::SpawnPanicsInAlloc, Op::Spawn(Item::Returns), Op::Flush];
    let rounds = vec![
        vec![first[..MAX_OPS.min(first.len())].to_vec(), second],
        vec![first[MAX_OPS.min(first.len())..].to_vec()],
    ];
    run_with_watchdog(Program { capacity: 2, rounds, end: End::Shutdown, seed: 7 });
}
