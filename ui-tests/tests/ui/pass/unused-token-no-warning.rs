#![deny(unused_variables)]
// A marked function that does not use its token compiles without an
// "unused variable" warning: the macro's `let cx = …` (call-site span) is
// not linted, and with `cx = name`, where the name is the user's, the
// macro allows it. Crates that deny warnings must accept both.
use alloc_ctx::{may_sleep, nowait};

#[nowait]
fn idle() -> u8 {
    1
}

#[may_sleep]
fn probe(x: u8) -> u8 {
    x + idle(cx)
}

#[nowait(cx = ctx)]
fn named() -> u8 {
    2
}

#[may_sleep(cx = ctx)]
fn named_sleep() -> u8 {
    3
}

#[may_sleep(entry)]
fn main() {
    assert_eq!(probe(cx, 1), 2);
    assert_eq!(named(cx), 2);
    assert_eq!(named_sleep(cx), 3);
}
