// Locks that know their context: a `SpinLock` taken with `lock(cx)` is an
// atomic section whose guard hands out a `NoWait`; after the guard is
// dropped the sleep token works again. A `Mutex` needs a sleep token, and
// its holder may keep sleeping.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::atomic_depth;
use alloc_ctx::sync::{Mutex, SpinLock};
use alloc_ctx::{KVec, may_sleep, nowait};

struct Nic {
    tx_done: SpinLock<KVec<u32>>,
    firmware: Mutex<KVec<u8>>,
}

#[nowait]
fn complete_tx(done: &mut KVec<u32>, id: u32) -> bool {
    done.push(id, GFP_ATOMIC, cx).is_ok()
}

#[may_sleep]
fn load_firmware(nic: &Nic, len: usize) {
    let mut image = nic.firmware.lock(cx);
    // Still may sleep while holding the mutex.
    image.resize(len, 0xff, GFP_KERNEL, cx).unwrap();
}

#[may_sleep]
fn tx_cleanup(nic: &Nic, ids: &[u32]) -> usize {
    let mut done = nic.tx_done.lock(cx);
    assert_eq!(atomic_depth(), 1);
    let nw = done.token();
    let completed = ids
        .iter()
        .filter(|&&id| complete_tx(nw, &mut done, id))
        .count();
    drop(done);
    assert_eq!(atomic_depth(), 0);
    // Unlocked: sleeping is allowed again.
    load_firmware(cx, nic, 16);
    completed
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let nic = Nic {
        tx_done: SpinLock::new(KVec::new()),
        firmware: Mutex::new(KVec::new()),
    };
    let completed = tx_cleanup(cx, &nic, &[1, 2, 3]);
    assert_eq!(completed, 3);
    assert_eq!(nic.tx_done.into_inner().as_slice(), &[1, 2, 3]);
    assert_eq!(nic.firmware.into_inner().len(), 16);
}
