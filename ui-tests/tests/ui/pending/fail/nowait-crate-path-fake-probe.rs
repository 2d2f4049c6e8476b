// HOLE (family 3/5): `#[nowait(crate = path)]` takes the parameter probe from
// `path::__private`; a module supplying an accept-everything probe disables the
// check for an aliased `&mut MaySleep`. Compiles.
mod fake {
    pub use alloc_ctx::{MaySleep, NoWait, SleepToken, Token};
    pub mod __private {
        pub use alloc_ctx::__private::NoWaitMark;
        pub struct ParamProbe<T: ?Sized>(core::marker::PhantomData<fn(&T)>);
        pub trait ProbeOther {
            const ALLOC_CTX_VERDICT: Ok = Ok;
        }
        impl<T: ?Sized> ProbeOther for ParamProbe<T> {}
        pub struct Ok;
        impl Ok {
            pub fn verdict(self) {}
        }
    }
}
use alloc_ctx::sync::Mutex;
static CONFIG: Mutex<u32> = Mutex::new(0);
type Process = alloc_ctx::MaySleep;
#[alloc_ctx::nowait(crate = crate::fake)]
fn rx(sleep: &mut Process) {
    *CONFIG.lock(sleep) += 1;
}
fn main() {}
