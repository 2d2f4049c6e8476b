// REFUSAL: a `macro_rules!` that writes a marked function's braces and
// statements of its own, with statements of its caller between them, both
// using `cx`: the caller's `cx` is a reborrow of the macro's (the two are
// different names to hygiene), so using them interleaved fails ("cannot
// borrow `*cx` as mutable more than once"). Workaround: `cx = $cx`.
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, NoWait, nowait};

#[nowait]
fn stats() {
    let _ = cx;
}

macro_rules! handler {
    ($name:ident, $ring:ident, $first:stmt, $second:expr) => {
        #[nowait]
        fn $name($ring: &mut KVec<u64>) -> bool {
            $first;
            stats(cx);
            $second
        }
    };
}

handler!(rx, ring, let a = ring.push(1, GFP_ATOMIC, cx).is_ok(), a && ring.push(2, GFP_ATOMIC, cx).is_ok());

fn use_it(nw: &mut NoWait) {
    let mut ring = KVec::new();
    assert!(rx(nw, &mut ring));
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    cx.nowait_scope(use_it);
}
