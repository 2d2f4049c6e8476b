// Refusal checks: a `#[nowait]` function that queues caller-supplied work
// (a callback that will be given a sleep token later), one that returns a
// spinlock guard whose lifetime the output names among several inputs, and
// a `#[may_sleep]` method returning a `MutexGuard` (which does not hold
// the caller's token: the holder may keep sleeping).
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::sync::{Mutex, MutexGuard, SpinLock, SpinLockGuard};
use alloc_ctx::workqueue::Workqueue;
use alloc_ctx::{KVec, MaySleep, may_sleep, nowait};

struct Dev {
    config: Mutex<KVec<u32>>,
    queues: [SpinLock<u32>; 2],
}

impl Dev {
    #[may_sleep]
    fn config(&self) -> MutexGuard<'_, KVec<u32>> {
        self.config.lock(cx)
    }
}

#[nowait]
fn queue_by_name<'a>(dev: &'a Dev, name: &str) -> SpinLockGuard<'a, u32> {
    dev.queues[name.len() % 2].lock(cx)
}

#[nowait]
fn defer(wq: &Workqueue, work: impl FnOnce(&mut MaySleep) + Send + 'static) -> bool {
    wq.try_spawn(GFP_ATOMIC, cx, work).is_ok()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let dev = Dev { config: Mutex::new(KVec::new()), queues: [SpinLock::new(0), SpinLock::new(0)] };
    let mut config = dev.config(cx);
    config.push(1, GFP_KERNEL, cx).unwrap(); // still may sleep while holding the mutex
    drop(config);
    *queue_by_name(cx, &dev, "rx") += 1;
    let wq = Workqueue::new("deferred", 2, cx).unwrap();
    assert!(defer(cx, &wq, |cx| drop(KVec::<u8>::with_capacity(8, GFP_KERNEL, cx))));
    assert_eq!(wq.shutdown(cx).completed, 1);
}
