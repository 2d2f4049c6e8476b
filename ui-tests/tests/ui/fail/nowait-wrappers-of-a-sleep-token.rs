// Wrappers, collections, guards and errors of `core`, `alloc`, `std` and
// alloc-ctx around an aliased sleep token, a `dyn Any` (which may be
// downcast to one), an access-trait object with `Unpin`, and a `dyn Token`
// whose hidden `MaySleep` type says it may sleep: a `#[nowait]` function
// taking any of them could sleep. Each is refused at its parameter.
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

#[nowait]
fn reverse(p: core::cmp::Reverse<&mut P>) {
    *CONFIG.lock(p.0) += 1;
}

#[nowait]
fn unwind_safe(p: std::panic::AssertUnwindSafe<&mut P>) {
    *CONFIG.lock(p.0) += 1;
}

#[nowait]
fn rw_guard(p: std::sync::RwLockWriteGuard<'_, &mut P>) {
    let _ = p;
}

#[nowait]
fn control(p: core::ops::ControlFlow<&mut P>) {
    if let core::ops::ControlFlow::Break(p) = p {
        *CONFIG.lock(p) += 1;
    }
}

#[nowait]
fn unpin_object(p: &mut (dyn core::ops::DerefMut<Target = P> + Unpin)) {
    *CONFIG.lock(&mut **p) += 1;
}

#[nowait]
fn push_error(p: alloc_ctx::PushError<&mut P>) {
    *CONFIG.lock(p.value) += 1;
}

#[nowait]
fn map(p: std::collections::BTreeMap<u8, &mut P>) {
    let _ = p;
}

type Sleepy = dyn alloc_ctx::Token<MaySleep = <alloc_ctx::flags::GFP_KERNEL as alloc_ctx::flags::GfpFlags>::DirectReclaim>;

#[nowait]
fn token_object(pool: &alloc_ctx::mempool::Mempool<u64>, t: &mut Sleepy) -> bool {
    *pool.alloc(1, alloc_ctx::flags::GFP_KERNEL, t) == 1
}

fn main() {}
