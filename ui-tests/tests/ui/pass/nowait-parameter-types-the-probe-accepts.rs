// The `#[nowait]` parameter probe names each parameter's written type in the
// body (`ParamProbe::<T>::VERDICT`). Every kind of type a driver's
// signature may hold must still compile there: receivers of every form,
// destructured patterns, slices, arrays with const generics, trait objects,
// function pointers, projections, a struct with a hidden lifetime, a type
// from a macro, nested `impl Trait` (left to its bound), generics that may
// be unsized, and a `const fn`.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, NoWait, nowait};

pub struct Ring<'a> {
    slots: &'a mut KVec<u64>,
}

pub trait Queue {
    type Item;

    #[nowait]
    fn depth(&self) -> usize {
        0
    }

    #[nowait]
    fn push_item(&mut self, item: Self::Item) -> bool;
}

pub struct Dev {
    ring: KVec<u64>,
}

impl Queue for Dev {
    type Item = u64;

    #[nowait]
    fn push_item(&mut self, item: u64) -> bool {
        self.ring.push(item, GFP_ATOMIC, cx).is_ok()
    }
}

impl Dev {
    #[nowait]
    fn boxed(self: Box<Self>, (a, b): (u64, u64), [c, _]: [u64; 2]) -> u64 {
        let _ = cx;
        a + b + c + self.ring.len() as u64
    }

    #[nowait]
    fn with_lifetime<'a>(&'a mut self, frames: &'a [u64]) -> usize {
        for &frame in frames {
            let _ = self.ring.push(frame, GFP_ATOMIC, cx);
        }
        self.ring.len()
    }
}

macro_rules! frame_type {
    () => {
        u64
    };
}

#[nowait]
fn many_kinds<'a, T: ?Sized + core::fmt::Debug, const N: usize>(
    ring: Ring<'_>,
    table: [u8; N],
    shown: &T,
    log: &dyn Fn(&str),
    hook: fn(u64) -> u64,
    item: <Dev as Queue>::Item,
    frame: frame_type!(),
    callback: &impl Fn(u64),
    raw: *const u8,
    pair: &'a (u8, u16),
) -> usize {
    log(&format!("{shown:?}"));
    callback(hook(item + frame));
    let _ = (raw, pair);
    let _ = ring.slots.push(item, GFP_ATOMIC, cx);
    table.len()
}

#[nowait]
const fn constant(x: u32, token_free: &[u8]) -> u32 {
    x + token_free.len() as u32
}

fn use_them(nw: &mut NoWait) {
    let mut slots = KVec::new();
    let mut dev = Dev { ring: KVec::new() };
    assert!(dev.push_item(nw, 1));
    assert_eq!(dev.depth(nw), 0);
    assert_eq!(dev.with_lifetime(nw, &[2, 3]), 3);
    assert_eq!(Box::new(dev).boxed(nw, (1, 2), [3, 4]), 9);
    let n = many_kinds(
        nw,
        Ring { slots: &mut slots },
        [0u8; 4],
        "shown",
        &|_| {},
        |x| x,
        1,
        2,
        &|_| {},
        core::ptr::null(),
        &(1, 2),
    );
    assert_eq!(n, 4);
    assert_eq!(constant(nw, 1, b"ab"), 3);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(use_them);
}
