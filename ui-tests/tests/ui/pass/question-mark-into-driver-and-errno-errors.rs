// Driver author: `?` from `KVec::push` into a driver error implementing
// `From<AllocError>`, and from `KVVec::with_capacity`/`try_push`/`Arc::new`
// into the crate's errno `Error`.
use alloc_ctx::arc::Arc;
use alloc_ctx::error::Error;
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVVec, KVec, may_sleep, nowait};
#[derive(Debug)]
enum DrvError {
    NoMem,
}
impl From<AllocError> for DrvError {
    fn from(_: AllocError) -> Self {
        DrvError::NoMem
    }
}
#[nowait]
fn rx(ring: &mut KVec<u64>, f: u64) -> Result<(), DrvError> {
    ring.push(f, GFP_ATOMIC, cx)?;
    Ok(())
}
#[may_sleep]
fn probe() -> Result<(KVVec<u64>, Arc<u32>), Error> {
    let mut ring = KVVec::with_capacity(16, GFP_KERNEL, cx)?;
    ring.try_push(1, GFP_KERNEL, cx)?;
    Ok((ring, Arc::new(7, GFP_KERNEL, cx)?))
}
#[may_sleep(entry)]
fn main() {
    let mut k = KVec::new();
    rx(cx, &mut k, 3).unwrap();
    let (ring, a) = probe(cx).unwrap();
    assert_eq!((ring.len(), *a, k.len()), (1, 7, 1));
}
