// `#[may_sleep]` on an `impl` block marks every method; a method with its
// own `#[nowait]` keeps that instead. Generic impl with a `where` clause.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec, MaySleep, may_sleep, nowait};

struct Queue<T> {
    items: KVec<T>,
}

#[may_sleep]
impl<T> Queue<T>
where
    T: Copy + Default,
{
    fn new(capacity: usize) -> Result<Self, AllocError> {
        Ok(Queue {
            items: KVec::with_capacity(capacity, GFP_KERNEL, cx)?,
        })
    }

    fn fill(&mut self, count: usize) -> Result<(), AllocError> {
        self.items.resize(count, T::default(), GFP_KERNEL, cx)
    }

    #[nowait]
    fn try_push(&mut self, item: T) -> bool {
        self.items.push(item, GFP_ATOMIC, cx).is_ok()
    }

    fn len(&self) -> usize {
        // `cx` is the sleep token here too.
        let _: &mut MaySleep = cx;
        self.items.len()
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut queue = Queue::<u32>::new(cx, 4).unwrap();
    queue.fill(cx, 2).unwrap();
    assert!(cx.nowait_scope(|nw| queue.try_push(nw, 5)));
    assert_eq!(queue.len(cx), 3);
    assert_eq!(queue.items.as_slice(), &[0, 0, 5]);
}
