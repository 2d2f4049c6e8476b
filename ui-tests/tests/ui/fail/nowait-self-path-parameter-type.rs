// A parameter type written with a `self::` path names the module's item,
// not `Self`'s: the probe must ask about `self::Tok`, the module's sleep
// token alias, not `Self::Tok` (here a `NoWait`), and refuse it.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, NoWait, nowait};

type Tok = alloc_ctx::MaySleep;

trait Rx {
    type Tok;
}

struct Dev;

impl Rx for Dev {
    type Tok = NoWait;
}

impl Dev {
    #[nowait]
    fn rx(&self, t: &mut self::Tok) -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, t).map_or(0, |v| v.capacity())
    }
}

fn main() {}
