// Ordinary driver code the marks must accept as written (each failed
// before):
// * register masks in a marked block's associated consts (`1 << 3`,
//   `A < B`): the `<` is an operator there, and the methods after it are
//   marked too;
// * a returned guard whose lifetime the signature names, not the
//   receiver's (`-> SpinLockGuard<'q, u32>` from a `&'q` parameter, or
//   the block's own `'d`; also with a second lifetime in the guarded
//   type, `SpinLockGuard<'q, &'static str>`): the token is lent for the
//   guard's;
// * a method named `main` in a marked block (no program's `main`);
// * a parameter written without a space after its colon (`v:&[u32]`),
//   whose output lifetime is elided;
// * a worker's `pub fn main` in a module, marked as any function;
// * a user's `#[expect(improper_ctypes_definitions)]` on an `extern "C"`
//   marked function (the macro's own `allow` would leave it unfulfilled).
#![deny(warnings)]
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::sync::{SpinLock, SpinLockGuard};
use alloc_ctx::{KVec, NoWait, nowait};

struct Ring {
    slots: KVec<u32>,
}

#[nowait]
impl Ring {
    const RX_BIT: u32 = 1 << 3;
    const SMALL: bool = Self::CAP < 64;
    const CAP: usize = 16;

    fn rx(&mut self, status: u32) -> bool {
        status & Self::RX_BIT != 0 && Self::SMALL && self.slots.push(status, GFP_ATOMIC, cx).is_ok()
    }
}

struct Dev;

impl Dev {
    #[nowait]
    fn lock_peer<'q>(&self, peer: &'q SpinLock<u32>) -> SpinLockGuard<'q, u32> {
        peer.lock(cx)
    }
}

#[nowait]
fn lock_names<'q>(names: &'q SpinLock<&'static str>) -> SpinLockGuard<'q, &'static str> {
    names.lock(cx)
}

#[alloc_ctx::may_sleep]
impl Dev {
    fn main() -> usize {
        let _ = cx;
        4
    }
}

struct Port<'d> {
    queue: &'d SpinLock<u32>,
}

#[nowait]
impl<'d> Port<'d> {
    fn lock_queue(&self) -> SpinLockGuard<'d, u32> {
        self.queue.lock(cx)
    }
}

#[nowait]
fn first(v:&[u32]) -> &u32 {
    let _ = cx;
    &v[0]
}

mod worker {
    #[alloc_ctx::may_sleep]
    pub fn main() -> usize {
        let _ = cx;
        3
    }
}

/// Called from Rust through a C ABI; a slice is no C type.
#[expect(improper_ctypes_definitions)]
#[nowait]
pub extern "C" fn rx_callback(frame: &[u32]) -> usize {
    let _ = cx;
    frame.len()
}

fn use_them(nw: &mut NoWait) {
    let mut ring = Ring { slots: KVec::new() };
    assert!(ring.rx(nw, 0b1000));
    let peer = SpinLock::new(0);
    *Dev.lock_peer(nw, &peer) += 1;
    let port = Port { queue: &peer };
    *port.lock_queue(nw) += 1;
    assert_eq!(*peer.lock(nw), 2);
    let names = SpinLock::new("eth0");
    assert_eq!(*lock_names(nw, &names), "eth0");
    assert_eq!(*first(nw, &[7, 8]), 7);
    assert_eq!(rx_callback(nw, &[1, 2]), 2);
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    assert_eq!(worker::main(cx), 3);
    assert_eq!(Dev::main(cx), 4);
    cx.nowait_scope(use_them);
}
