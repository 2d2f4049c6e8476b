// Receivers pass through: `self`, `&self`, `&mut self`, `mut self` and
// `self: Box<Self>`; the token parameter goes right after the receiver.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{KVec, may_sleep, nowait};

struct Buffer {
    bytes: KVec<u8>,
}

impl Buffer {
    #[may_sleep]
    fn grow(&mut self, by: usize) -> usize {
        self.bytes.reserve(by, GFP_KERNEL, cx).unwrap();
        self.bytes.capacity()
    }

    #[nowait]
    fn len(&self) -> usize {
        self.bytes.len()
    }

    #[nowait]
    fn push(mut self, byte: u8) -> Self {
        self.bytes.push(byte, GFP_ATOMIC, cx).unwrap();
        self
    }

    #[may_sleep]
    fn into_boxed_len(self: Box<Self>) -> usize {
        let boxed: Box<Self> = self;
        boxed.len(cx)
    }

    #[nowait]
    fn consume(self) -> KVec<u8> {
        self.bytes
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut buffer = Buffer { bytes: KVec::new() };
    assert!(buffer.grow(cx, 32) >= 32);
    let buffer = buffer.push(cx, 1).push(cx, 2);
    assert_eq!(buffer.len(cx), 2);
    assert_eq!(Box::new(buffer).into_boxed_len(cx), 2);
    let buffer = Buffer { bytes: KVec::new() }.push(cx, 3);
    assert_eq!(buffer.consume(cx).as_slice(), &[3]);
}
