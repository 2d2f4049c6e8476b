//! alloc-ctx on a real (emulated) microcontroller: a Cortex-M3 firmware for
//! QEMU's `lm3s6965evb`, with a real interrupt.
//!
//! * No `std`, no `alloc`, no `#[global_allocator]`: the heap
//!   (embedded-alloc, 4 KiB) is an alloc-ctx backend in one line
//!   ([`Heap::wrap`]) under a 512-byte [`Budget`], reached only through
//!   token requests.
//! * The reset handler creates the program's sleep token (the `unsafe`
//!   entry, whose contract holds there: no token exists before it) and
//!   hands it to `run`, a `#[may_sleep]` function; it makes a
//!   `__GFP_NOFAIL` request for its control block (no `Result`: the size is
//!   proven small).
//! * The SysTick exception handler is `#[nowait(entry)]`: only
//!   non-blocking requests compile in it. Every tick it allocates a
//!   `KBox` and grows a `KVec` with `GFP_ATOMIC`, under a `SpinLockIrq`
//!   shared with `main`, until the budget runs out; then it counts drops.
//! * With the `critical-section` feature, `SpinLockIrq` masks interrupts
//!   for real (PRIMASK): a SysTick that fires while `main` holds the lock
//!   stays pending in the NVIC and is taken exactly at the unlock.
//!
//! Every check is printed over semihosting; QEMU exits with status 0 when
//! all pass, 1 otherwise (or on a panic or hard fault).

#![no_std]
#![no_main]

use core::cell::Cell;
use core::mem::{MaybeUninit, size_of};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicU32, Ordering};

use alloc_ctx::backend::{Budget, Heap};
use alloc_ctx::flags::*;
use alloc_ctx::in_atomic;
use alloc_ctx::irq::irqs_disabled;
use alloc_ctx::sync::SpinLockIrq;
use alloc_ctx::{KBox, KVec, NoWait};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::{ExceptionFrame, entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use embedded_alloc::LlffHeap;

/// The heap's memory.
const HEAP_BYTES: usize = 4096;
/// What the firmware lets itself allocate of it at once.
const BUDGET_BYTES: usize = 512;
/// The SysTick period in core clock cycles: 5 ms at QEMU's 12 MHz.
const TICK_CYCLES: u32 = 60_000;
/// Ticks to wait for the handler's allocations to exhaust the budget.
const MAX_TICKS: u32 = 400;

/// embedded-alloc's linked-list first-fit heap, never installed as the
/// global allocator: the firmware does not link the `alloc` crate, so only
/// alloc-ctx requests (made through a token, with flags checked against the
/// context) reach it. It takes a critical section around each call, so a
/// handler may allocate from it while the code it interrupted was not.
static HEAP: LlffHeap = LlffHeap::empty();
/// The heap as an alloc-ctx backend (`Heap::wrap`, any `GlobalAlloc`), under
/// the budget.
static BUDGET: Budget<Heap<&LlffHeap>> = Budget::wrap(Heap::wrap(&HEAP), BUDGET_BYTES);

/// Every container of the firmware allocates through the budget.
type Fw = &'static Budget<Heap<&'static LlffHeap>>;

/// What the SysTick handler shares with `main`, behind an irq-save lock.
struct Ticks {
    /// Ticks the handler has handled.
    handled: u32,
    /// The latest tick's record, a `GFP_ATOMIC` box (the previous one is
    /// freed when it is replaced).
    latest: Option<KBox<Record, Fw>>,
    /// One entry per tick, grown with `GFP_ATOMIC` until the budget is out.
    history: KVec<u32, Fw>,
    /// `GFP_ATOMIC` requests of the handler that failed (and were handled).
    dropped: u32,
}

struct Record {
    tick: u32,
}

static TICKS: SpinLockIrq<Ticks> =
    SpinLockIrq::new(Ticks { handled: 0, latest: None, history: KVec::new_in(&BUDGET), dropped: 0 });

/// Handler entries, counted before it takes the lock: what `main` reads
/// while it holds the lock (the data behind the lock cannot change then).
static ENTRIES: AtomicU32 = AtomicU32::new(0);

/// The same count, kept the embedded ecosystem's way (a
/// `critical_section::Mutex`), read back through
/// `NoWait::with_critical_section`.
static CS_ENTRIES: critical_section::Mutex<Cell<u32>> = critical_section::Mutex::new(Cell::new(0));

/// The SysTick exception: a real interrupt handler. `#[nowait(entry)]`
/// gives it a `NoWait` token (and an atomic section); a sleeping request
/// here would not compile.
#[alloc_ctx::nowait(entry)]
#[exception]
fn SysTick() {
    ENTRIES.fetch_add(1, Ordering::Relaxed);
    critical_section::with(|cs| {
        let entries = CS_ENTRIES.borrow(cs);
        entries.set(entries.get() + 1);
    });
    let mut ticks = TICKS.lock_irqsave(cx);
    let nw = ticks.token();
    ticks.handled += 1;
    let tick = ticks.handled;
    match KBox::new_in(Record { tick }, &BUDGET, GFP_ATOMIC | __GFP_NOWARN, nw) {
        Ok(record) => ticks.latest = Some(record),
        Err(_) => ticks.dropped += 1,
    }
    if ticks.history.push(tick, GFP_ATOMIC | __GFP_NOWARN, nw).is_err() {
        ticks.dropped += 1;
    }
}

/// The firmware's settings, allocated with `__GFP_NOFAIL`.
struct Control {
    period: u32,
    ticks_before_deferral: u32,
}

#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
        hprintln!("  [{}] {}", if ok { "ok" } else { "FAILED" }, what);
    }
}

#[entry]
fn start() -> ! {
    // cortex-m-rt hands a `static mut` of the entry function over as a
    // `&'static mut`: the heap's memory, owned by the heap from here on.
    static mut HEAP_MEMORY: [MaybeUninit<u8>; HEAP_BYTES] = [MaybeUninit::uninit(); HEAP_BYTES];
    let span = {
        let start = HEAP_MEMORY.as_ptr() as usize;
        start..start + HEAP_BYTES
    };
    // SAFETY: the buffer is valid for reads and writes of its length and
    // the heap's alone from here on (a `&'static mut`, handed over);
    // embedded-alloc panics on a second `init`.
    unsafe { HEAP.init(HEAP_MEMORY.as_mut_ptr() as usize, HEAP_BYTES) }
    let peripherals = cortex_m::Peripherals::take().expect("the core peripherals, taken once");
    // SAFETY: the reset handler, before any interrupt is enabled and before
    // any token exists: process context, with nothing that could freeze a
    // token. (Not `#[may_sleep(entry)]`: that form is for a parameterless
    // `main` or a test, and this one takes the peripherals.)
    let checks = unsafe { alloc_ctx::MaySleep::enter(|cx| run(cx, peripherals.SYST, span)) };
    hprintln!("checks: {} of {} passed", checks.passed, checks.passed + checks.failed);
    debug::exit(if checks.failed == 0 { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    loop {
        cortex_m::asm::wfi();
    }
}

/// Process context: may sleep (here: may use `GFP_KERNEL`, whose reclaim
/// passes back off by spinning).
#[alloc_ctx::may_sleep]
fn run(mut syst: SYST, heap: core::ops::Range<usize>) -> Checks {
    let mut checks = Checks::default();
    hprintln!("alloc-ctx firmware: lm3s6965evb (Cortex-M3) under QEMU");
    hprintln!(
        "heap: embedded-alloc, {} B at {:#010x}, as an alloc-ctx backend under a {} B budget (no #[global_allocator], alloc crate not linked)",
        HEAP_BYTES,
        heap.start,
        BUDGET_BYTES
    );

    // A NOFAIL request: the result is the box itself, no `Result` to handle.
    let control =
        KBox::new_in(Control { period: TICK_CYCLES, ticks_before_deferral: 3 }, &BUDGET, GFP_KERNEL | __GFP_NOFAIL, cx);
    let at = &raw const *control as usize;
    hprintln!("NOFAIL control block: {} B at {:#010x} (GFP_KERNEL | __GFP_NOFAIL)", size_of::<Control>(), at);
    checks.check(heap.contains(&at), "the control block lives in the firmware heap");
    checks.check(BUDGET.live_bytes() == size_of::<Control>(), "the budget counts it");

    // SysTick: a real periodic interrupt.
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(control.period - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
    wait_for(cx, |ticks| ticks.handled >= control.ticks_before_deferral);
    checks.check(ENTRIES.load(Ordering::Relaxed) >= control.ticks_before_deferral, "SysTick interrupts arrive");

    // Deferral: hold the lock the handler takes until a SysTick is pending.
    let (handled_at_lock, while_held, pended, masked) = {
        let ticks = TICKS.lock_irqsave(cx);
        let entries = ENTRIES.load(Ordering::Relaxed);
        let mut spins = 0u32;
        while !SCB::is_pendst_pending() && spins < 100_000_000 {
            spins += 1;
        }
        // However long the lock is held, the handler does not run.
        for _ in 0..10_000 {
            cortex_m::asm::nop();
        }
        let while_held = ENTRIES.load(Ordering::Relaxed).wrapping_sub(entries);
        (ticks.handled, while_held, SCB::is_pendst_pending(), irqs_disabled() && in_atomic())
    }; // spin_unlock_irqrestore(): PRIMASK restored, the pending SysTick is taken
    // An ISB makes the core take the now-unmasked interrupt before going on.
    cortex_m::asm::isb();
    let at_unlock = TICKS.lock_irqsave(cx).handled.wrapping_sub(handled_at_lock);
    hprintln!(
        "deferral: a SysTick pended while main held the SpinLockIrq: handler runs while held = {}, at unlock = {}",
        while_held,
        at_unlock
    );
    checks.check(masked, "holding the SpinLockIrq: atomic, interrupts disabled");
    checks.check(pended, "a SysTick became pending while the lock was held");
    checks.check(while_held == 0, "the handler did not run while the lock was held");
    checks.check(at_unlock == 1, "the pending SysTick ran exactly once, at the unlock");

    // The handler's GFP_ATOMIC requests exhaust the budget: it drops, and
    // goes on.
    wait_for(cx, |ticks| ticks.dropped > 0 || ticks.handled >= MAX_TICKS);
    let (handled, stored, dropped, latest) = {
        let ticks = TICKS.lock_irqsave(cx);
        (ticks.handled, ticks.history.len(), ticks.dropped, ticks.latest.as_ref().map_or(0, |record| record.tick))
    };
    hprintln!(
        "SysTick handler: {} ticks, {} stored with GFP_ATOMIC (latest box: tick {}); GFP_ATOMIC failures once the budget ran out: {}",
        handled,
        stored,
        latest,
        dropped
    );
    checks.check(stored > 0 && latest > 0, "the handler allocated with GFP_ATOMIC");
    checks.check(dropped > 0, "GFP_ATOMIC failed in the handler once the budget was exhausted (handled)");

    // A sleeping request over the budget fails too, with an error to handle.
    let request = KVec::<u8, Fw>::with_capacity_in(BUDGET_BYTES, &BUDGET, GFP_KERNEL | __GFP_NOWARN, cx);
    match &request {
        Err(error) if error.is_out_of_memory() => {
            let size = error.size();
            hprintln!("failure path: GFP_KERNEL {} B -> Err({})", size, error);
        }
        Err(error) => hprintln!("failure path: unexpected error {:?}", error),
        Ok(_) => hprintln!("failure path: the request over the budget succeeded"),
    }
    checks.check(
        matches!(request, Err(error) if error.is_out_of_memory() && error.size() == BUDGET_BYTES),
        "GFP_KERNEL over the budget returns an out-of-memory AllocError",
    );

    // Give the history back: the handler's requests succeed again.
    let history = {
        let mut ticks = TICKS.lock_irqsave(cx);
        ticks.dropped = 0;
        core::mem::replace(&mut ticks.history, KVec::new_in(&BUDGET))
    };
    drop(history); // freed outside the lock (kfree() is allowed anywhere)
    let live_after_release = BUDGET.live_bytes();
    wait_for(cx, |ticks| !ticks.history.is_empty());
    let recovered = TICKS.lock_irqsave(cx).dropped == 0;
    checks.check(recovered, "after main freed the history, the handler allocates again");

    // The ecosystem's critical-section token and an alloc-ctx token together.
    let (cs_entries, entries, boxed, masked) = NoWait::with_critical_section(|cs, cx| {
        let boxed = KBox::new_in(7u32, &BUDGET, GFP_ATOMIC, cx).map(|value| *value);
        (CS_ENTRIES.borrow(cs).get(), ENTRIES.load(Ordering::Relaxed), boxed, irqs_disabled() && in_atomic())
    });
    hprintln!("critical section: {} handler entries seen through critical_section::Mutex", cs_entries);
    checks.check(cs_entries == entries && masked, "NoWait::with_critical_section: one interrupt-disabling section");
    checks.check(boxed == Ok(7), "a GFP_ATOMIC request inside it");

    syst.disable_interrupt();
    syst.disable_counter();
    drop(control);
    hprintln!(
        "budget: peak {} B of {} B, {} B live after the history was freed; heap in use now {} B",
        BUDGET.peak_bytes(),
        BUDGET_BYTES,
        live_after_release,
        HEAP.used()
    );
    checks
}

/// Sleeps (`wfi`) until the handler's state satisfies `done`.
#[alloc_ctx::may_sleep]
fn wait_for(done: impl Fn(&Ticks) -> bool) {
    loop {
        if done(&TICKS.lock_irqsave(cx)) {
            return;
        }
        cortex_m::asm::wfi();
    }
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("hard fault: {:?}", frame);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    hprintln!("firmware panicked: {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
