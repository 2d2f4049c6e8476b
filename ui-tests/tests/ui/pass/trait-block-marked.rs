// `#[nowait]` on a whole `trait` block marks every method, declarations
// and default bodies alike; the implementations are marked as a block too.
// A generic function calls the trait from an atomic section.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, NoWait, nowait};

#[nowait]
trait RxHandler {
    fn rx(&mut self, frame: u16) -> bool;

    fn rx_burst(&mut self, frames: &[u16]) -> usize {
        frames.iter().filter(|&&frame| self.rx(cx, frame)).count()
    }
}

struct Counter {
    seen: KVec<u16>,
}

#[nowait]
impl RxHandler for Counter {
    fn rx(&mut self, frame: u16) -> bool {
        self.seen.push(frame, GFP_ATOMIC, cx).is_ok()
    }
}

#[nowait]
fn poll<H: RxHandler>(handler: &mut H) -> usize {
    handler.rx_burst(cx, &[1, 2, 3]) + usize::from(handler.rx(cx, 4))
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut counter = Counter { seen: KVec::new() };
    assert_eq!(NoWait::enter(|nw| poll(nw, &mut counter)), 4);
    // Callable with a sleep token as well.
    assert!(counter.rx(cx, 5));
    assert_eq!(counter.seen.as_slice(), &[1, 2, 3, 4, 5]);
}
