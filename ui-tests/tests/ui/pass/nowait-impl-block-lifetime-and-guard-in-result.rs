// Driver author: a `#[nowait]` impl block over a borrowed parser (`impl<'a>`)
// whose methods return data of the block's lifetime, and a guard returned in
// a `Result` with the crate's errno error.
use alloc_ctx::error::{Error, code};
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{nowait, may_sleep};

struct Parser<'a> {
    rest: &'a [u8],
}

#[nowait]
impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, tail) = self.rest.split_first()?;
        let (record, rest) = tail.split_at_checked(usize::from(len))?;
        self.rest = rest;
        Some(record)
    }

    fn remaining(&self) -> &'a [u8] {
        self.rest
    }
}

struct Dev {
    stats: SpinLock<u64>,
    up: bool,
}

#[nowait]
fn stats(dev: &Dev) -> Result<SpinLockGuard<'_, u64>, Error> {
    if !dev.up {
        return Err(code::ENODEV);
    }
    Ok(dev.stats.lock(cx))
}

#[may_sleep(entry)]
fn main() {
    let bytes = [2u8, 7, 8, 1, 9];
    let mut parser = Parser { rest: &bytes };
    let first = parser.next(cx).unwrap();
    let second = parser.next(cx).unwrap();
    assert_eq!((first, second, parser.remaining(cx)), (&[7u8, 8][..], &[9u8][..], &[][..]));
    let dev = Dev { stats: SpinLock::new(0), up: true };
    *stats(cx, &dev).unwrap() += 1;
    assert_eq!(*dev.stats.lock(cx), 1);
    let down = Dev { stats: SpinLock::new(0), up: false };
    assert!(stats(cx, &down).is_err());
}
