// A `#[nowait]` function's parameters are probed as the signature declares
// them: a `#[cfg]`-gated parameter (and its type) only where it exists, with
// its own lint levels, and unaffected by what the body declares (a glob
// import that brings another `Result` into scope, a local type of the same
// name). A trait in scope with an associated constant of its own does not
// make the probe ambiguous.
#![deny(warnings)]
use alloc_ctx::nowait;

#[cfg(any())]
pub mod dma {
    pub struct Buffer;
}

pub struct Frame {
    len: usize,
}

pub trait Audit {
    const VERDICT: bool = true;
}
impl<T: ?Sized> Audit for T {}

#[nowait]
fn rx(len: usize, #[cfg(any())] buffer: &mut dma::Buffer) -> usize {
    len
}

#[nowait]
fn render(result: Result<usize, ()>, frame: &Frame) -> String {
    use std::fmt::*;
    let mut text = String::new();
    let written: Result = write!(text, "{} {}", result.unwrap_or(0), frame.len);
    written.map(|()| text).unwrap_or_default()
}

#[nowait]
fn local_type(frame: Frame) -> usize {
    #[allow(dead_code)]
    struct Frame<T>(T);
    frame.len
}

#[nowait]
fn lint_levels(#[allow(unused_variables)] unused: u8, used: u8) -> u8 {
    used
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(rx(cx, 3), 3);
    assert_eq!(render(cx, Ok(1), &Frame { len: 2 }), "1 2");
    assert_eq!(local_type(cx, Frame { len: 4 }), 4);
    assert_eq!(lint_levels(cx, 0, 5), 5);
    assert!(<u8 as Audit>::VERDICT);
}
