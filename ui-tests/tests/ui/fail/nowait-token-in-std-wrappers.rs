// A sleep token reaches a `#[nowait]` function inside any of `core`'s and
// `alloc`'s pointers, cells, wrappers and collections, or behind a trait
// object of an access trait (`DerefMut`, `BorrowMut`, ...): each is refused
// at its parameter, whatever the token is called.
use core::cell::RefCell;
use core::mem::ManuallyDrop;
use core::ops::DerefMut;

use alloc_ctx::nowait;

type Process = alloc_ctx::MaySleep;

#[nowait]
fn boxed(p: Box<&mut Process>) {}

#[nowait]
fn result(p: Result<&mut Process, ()>) {}

#[nowait]
fn array(p: [&mut Process; 2]) {}

#[nowait]
fn slice(p: &mut [&mut Process]) {}

#[nowait]
fn cell(p: &RefCell<&mut Process>) {}

#[nowait]
fn manually_dropped(p: ManuallyDrop<&mut Process>) {}

#[nowait]
fn pointer(p: *mut Process) {}

#[nowait]
fn object(p: &mut dyn DerefMut<Target = Process>) {}

fn main() {}
