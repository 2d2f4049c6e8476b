// Wrappers and collections of `core`, `alloc`, `std` and alloc-ctx around an
// aliased sleep token, and a `dyn Any` (which may be downcast to one): a
// `#[nowait]` function taking any of them could lock a mutex. Each is
// refused at its parameter.
use alloc_ctx::nowait;
use alloc_ctx::sync::Mutex;

type P = alloc_ctx::MaySleep;

static CONFIG: Mutex<u32> = Mutex::new(0);

#[nowait]
fn cell(mut p: core::cell::RefMut<'_, P>) {
    *CONFIG.lock(&mut *p) += 1;
}

#[nowait]
fn once(p: core::cell::OnceCell<&mut P>) {
    *CONFIG.lock(p.into_inner().unwrap()) += 1;
}

#[nowait]
fn queue(mut p: std::collections::VecDeque<&mut P>) {
    *CONFIG.lock(p.pop_front().unwrap()) += 1;
}

#[nowait]
fn irq_lock(p: alloc_ctx::sync::SpinLockIrq<&mut P>) {
    *CONFIG.lock(p.into_inner()) += 1;
}

#[nowait]
fn mutex(p: Mutex<&mut P>) {
    *CONFIG.lock(p.into_inner()) += 1;
}

#[nowait]
fn any(p: &mut dyn core::any::Any) {
    if let Some(p) = p.downcast_mut::<P>() {
        *CONFIG.lock(p) += 1;
    }
}

fn main() {}
