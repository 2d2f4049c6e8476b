// Valid driver code the marks must accept as written:
// * a `macro_rules!` that writes a function's braces and takes its name,
//   parameter and statements from the caller (`{ $($body)* }`): the
//   caller's statements see `cx` as the macro's would;
// * a marked block written by a macro, with a `$vis` method whose body is
//   a `$body:block` fragment;
// * parameter types written with `self::` paths (the module's items, not
//   `Self`'s), free and in a trait's default method;
// * an `AsyncFnOnce` callback that will be given a sleep token later (it
//   takes one; it does not hold one);
// * a parameter type that a macro expands to `impl Trait`;
// * `#[expect(unused_variables)]` on unused parameters, typed and
//   `impl Trait`, under `deny(warnings)`.
#![deny(warnings)]
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, MaySleep, NoWait, nowait};

macro_rules! handler {
    ($name:ident, $ring:ident, $($body:tt)*) => {
        #[nowait]
        fn $name($ring: &mut KVec<u64>) -> bool {
            $($body)*
        }
    };
}
handler!(rx, ring, ring.push(1, GFP_ATOMIC, cx).is_ok());

pub struct Dev {
    ring: KVec<u64>,
}

macro_rules! dev_impl {
    ($vis:vis $name:ident($ring:ident) $body:block) => {
        #[nowait]
        impl Dev {
            $vis fn $name($ring: &mut KVec<u64>) -> bool $body
        }
    };
}
dev_impl!(pub push(ring) { ring.push(2, GFP_ATOMIC, cx).is_ok() });

pub struct Frame(u32);

#[nowait]
fn frame_len(f: &self::Frame) -> u32 {
    let _ = cx;
    f.0
}

trait Describe {
    #[nowait]
    fn describe(&self, f: &self::Frame) -> u32 {
        let _ = cx;
        f.0 + 1
    }
}
impl Describe for Dev {}

#[nowait]
fn defer(work: impl AsyncFnOnce(&mut MaySleep)) -> usize {
    let _ = (cx, work);
    1
}

macro_rules! callback {
    () => { impl Fn(u64) -> u64 };
}

#[nowait]
fn apply(f: callback!(), x: u64) -> u64 {
    let _ = cx;
    f(x)
}

#[nowait]
fn ignored(#[expect(unused_variables)] x: u32, #[expect(unused_variables)] y: impl Sized) -> u32 {
    let _ = cx;
    3
}

fn use_them(nw: &mut NoWait) {
    let mut ring = KVec::new();
    assert!(rx(nw, &mut ring));
    let mut dev = Dev { ring };
    assert!(Dev::push(nw, &mut dev.ring));
    assert_eq!(dev.ring.len(), 2);
    assert_eq!(frame_len(nw, &Frame(3)), 3);
    assert_eq!(dev.describe(nw, &Frame(3)), 4);
    assert_eq!(defer(nw, async |_: &mut MaySleep| {}), 1);
    assert_eq!(apply(nw, |x| x * 2, 4), 8);
    assert_eq!(ignored(nw, 1, ()), 3);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(use_them);
}
