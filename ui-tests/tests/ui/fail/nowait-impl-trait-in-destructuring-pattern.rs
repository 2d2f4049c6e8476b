// `impl Trait` parameters whose pattern is not a bare name: parenthesised,
// an `@` binding, an array pattern, and a pattern passed as a
// `macro_rules!` fragment. Their type cannot be written in the body, so
// each name the pattern binds is probed by value, and a sleep token
// (`impl Process`, `Process: SleepToken`) is refused at the name.
#![allow(unused_parens)] // `(t)` is the case under test
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, SleepToken, nowait};

trait Process: SleepToken {}
impl Process for MaySleep {}

#[nowait]
fn paren((t): &mut impl Process) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}

#[nowait]
fn at(t @ _: &mut impl Process) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}

#[nowait]
fn array([t]: [&mut impl Process; 1]) -> usize {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
}

macro_rules! refill {
    ($name:ident ($p:pat) $body:block) => {
        #[nowait]
        fn $name($p: &mut impl Process) -> usize $body
    };
}
refill!(fragment ((t)) {
    KVec::<u8>::with_capacity(64, GFP_KERNEL, t.may_sleep()).map_or(0, |v| v.capacity())
});

fn main() {}
