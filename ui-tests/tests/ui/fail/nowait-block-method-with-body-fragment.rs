// A method of a `#[nowait]` block whose body is a `macro_rules!` fragment
// (`$body:block`) is a method of the block like any other: it takes the
// block's mark, so its sleep-token parameter is refused.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, MaySleep, nowait};

pub struct Dev;

macro_rules! dev_impl {
    ($p:ident $body:block) => {
        #[nowait]
        impl Dev {
            pub fn refill(&self, $p: &mut MaySleep) -> usize $body
        }
    };
}

dev_impl!(p { KVec::<u8>::with_capacity(64, GFP_KERNEL, p).map_or(0, |v| v.capacity()) });

fn main() {}
