// Refusal check: a returned `impl Trait` of a marked function borrows what
// the unmarked function would, never the caller's token. The caller keeps
// using `cx` (and sleeping with it) while the returned iterator or closure
// is alive:
// * a `#[nowait]` method returning `impl Iterator<Item = &Frame> + '_`
//   from `&self`;
// * a free `#[may_sleep]` function returning `impl Fn(u32) -> u32`;
// * a marked function with a user-written `+ use<'a>`.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{KVec, may_sleep, nowait};

struct Frame {
    len: u16,
}

struct RxRing {
    frames: KVec<Frame>,
}

impl RxRing {
    #[nowait]
    fn ready(&self) -> impl Iterator<Item = &Frame> + '_ {
        self.frames.iter().filter(|frame| frame.len > 0)
    }
}

#[may_sleep]
fn scaler(factor: u32) -> impl Fn(u32) -> u32 {
    // Sleeps while building the closure; the closure does not hold `cx`.
    let table = KVec::<u32>::with_capacity(16, GFP_KERNEL, cx).expect("table");
    let base = table.capacity() as u32;
    move |x| x * factor + base
}

#[nowait]
fn first_bytes<'a, 'b>(data: &'a [u8], _scratch: &'b mut [u8], n: usize) -> impl Iterator<Item = u8> + use<'a> {
    data.iter().take(n).copied()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut frames = KVec::with_capacity(4, GFP_KERNEL, cx).unwrap();
    for len in [0, 60, 1500] {
        frames.push(Frame { len }, GFP_ATOMIC, cx).unwrap();
    }
    let ring = RxRing { frames };

    let ready = ring.ready(cx);
    // Sleeping while the iterator borrows the ring, not the token.
    let bounce = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4096).unwrap()).unwrap();
    let scale = scaler(cx, 3);
    let more = KVec::<u64>::with_capacity(8, GFP_KERNEL, cx).unwrap();
    assert_eq!(ready.map(|frame| u32::from(frame.len)).sum::<u32>(), 1560);
    assert_eq!(scale(2), 6 + 16);
    assert!(bounce.len() == 4096 && more.capacity() >= 8);

    let data = [1u8, 2, 3, 4];
    let mut scratch = [0u8; 4];
    let bytes = first_bytes(cx, &data, &mut scratch, 2);
    scratch[0] = 9; // `use<'a>`: the scratch borrow is not captured
    let again = scale(1);
    let _ = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()).unwrap();
    assert_eq!(bytes.collect::<Vec<_>>(), [1, 2]);
    assert_eq!((again, scratch[0]), (3 + 16, 9));
}
