// Refusal check: a driver's alias for a guard type, returned from a marked
// function. What lends the caller's token to the output is a type with a
// lifetime argument, not the name `SpinLockGuard`, so the alias works, and
// the caller's token stays frozen while the guard lives.
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{nowait, prelude::*};

struct Stats {
    rx: u64,
}

type StatsGuard<'a> = SpinLockGuard<'a, Stats>;

struct Dev {
    stats: SpinLock<Stats>,
}

impl Dev {
    #[nowait]
    fn stats(&self) -> StatsGuard<'_> {
        self.stats.lock(cx)
    }

    #[nowait]
    fn maybe_stats(&self, want: bool) -> Option<StatsGuard<'_>> {
        want.then(|| self.stats.lock(cx))
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { stats: SpinLock::new(Stats { rx: 0 }) };
    {
        let mut stats = dev.stats(cx);
        stats.rx += 1;
        // Under the lock only the guard's token is at hand.
        let _frame = KBox::new([0u8; 64], GFP_ATOMIC, stats.token());
    }
    if let Some(mut stats) = dev.maybe_stats(cx, true) {
        stats.rx += 1;
    }
    // The token is free again: sleeping requests compile here.
    let _buf = KVec::<u8>::with_capacity(16, GFP_KERNEL, cx).unwrap();
    assert_eq!(dev.stats(cx).rx, 2);
}
