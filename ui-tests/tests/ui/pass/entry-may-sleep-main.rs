// `#[may_sleep(entry)]` on `main`: no token parameter; the token is
// created inside, after the run-time check that the thread is not in an
// atomic section. A thread's body gets its own token from
// `alloc_ctx::thread::spawn`.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{may_sleep, nowait};

#[may_sleep]
fn worker_thread(len: usize) -> usize {
    assert!(!alloc_ctx::in_atomic());
    cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(len).unwrap())
        .map_or(0, |buf| buf.len())
}

#[nowait]
fn depth() -> u32 {
    alloc_ctx::atomic_depth()
}

#[may_sleep(entry)]
fn main() {
    // `cx` is the entry closure's `&mut MaySleep` here.
    assert_eq!(depth(cx), 0);
    assert_eq!(cx.nowait_scope(|nw| depth(nw)), 1);
    let worker = alloc_ctx::thread::spawn(cx, |cx| worker_thread(cx, 4096));
    assert_eq!(worker.join(cx).unwrap(), 4096);
    assert_eq!(worker_thread(cx, 64), 64);
}
