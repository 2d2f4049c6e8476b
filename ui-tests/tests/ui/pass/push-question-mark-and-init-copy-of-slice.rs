// Rust-for-Linux shapes that now compile as written: `KVec::push` returns
// `AllocError`, so `?` converts it into a driver error implementing
// `From<AllocError>` (the value comes back through `try_push` instead);
// and `KBox<[MaybeUninit<T>]>::init_copy_of_slice` no longer shadows the
// standard slice method `write_copy_of_slice`, which borrows the box's
// slice and leaves the box in place.
use alloc_ctx::flags::*;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{AllocError, KVec, MaySleep};

#[derive(Debug)]
enum DriverError {
    NoMemory,
}

impl From<AllocError> for DriverError {
    fn from(_: AllocError) -> Self {
        DriverError::NoMemory
    }
}

fn record(log: &mut KVec<u32>, event: u32, cx: &mut MaySleep) -> Result<(), DriverError> {
    log.push(event, GFP_KERNEL, cx)?;
    Ok(())
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut log = KVec::new();
    record(&mut log, 1, cx).unwrap();
    if let Err(error) = log.try_push(2, GFP_KERNEL, cx) {
        let _kept: u32 = error.into_value();
    }

    let mut buffer = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(4).unwrap()).unwrap();
    let written: &mut [u8] = buffer.write_copy_of_slice(b"rust"); // std's, through DerefMut
    assert_eq!(written, b"rust");
    // SAFETY: the four bytes were written above.
    let buffer = unsafe { buffer.assume_init() };
    assert_eq!(&*buffer, b"rust");

    let raw = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(3).unwrap()).unwrap();
    let boxed = raw.init_copy_of_slice(b"abc"); // the crate's, by value
    assert_eq!(&*boxed, b"abc");
    let _ = DriverError::NoMemory;
}
