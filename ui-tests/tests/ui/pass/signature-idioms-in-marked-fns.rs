// Driver author: signature idioms in marked functions: `Pin<&mut Self>` and
// `&Arc<Self>`-like receivers, const generics, a callback given the token,
// a closure capturing `cx` for several pushes with `?`, an `unsafe fn`, a
// generic method with a `where` clause, and explicit lifetimes.
use core::pin::Pin;
use std::sync::Arc;

use alloc_ctx::error::Result;
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec, MaySleep, NoWait, may_sleep, nowait};

struct Dev {
    ring: KVec<u64>,
}

impl Dev {
    #[may_sleep]
    fn grow(self: Pin<&mut Self>, by: usize) -> Result<()> {
        self.get_mut().ring.reserve(by, GFP_KERNEL, cx)?;
        Ok(())
    }

    #[nowait]
    fn len_of(self: &Arc<Self>) -> usize {
        self.ring.len()
    }

    #[nowait]
    fn push_all<I>(&mut self, frames: I) -> core::result::Result<(), AllocError>
    where
        I: IntoIterator<Item = u64>,
    {
        let mut push = |frame| self.ring.push(frame, GFP_ATOMIC, cx);
        for frame in frames {
            push(frame)?;
        }
        Ok(())
    }

    #[nowait]
    fn first<'a>(&'a self, skip: &usize) -> Option<&'a u64> {
        self.ring.get(*skip)
    }
}

#[nowait]
fn sum<const N: usize>(frames: &[u64; N]) -> u64 {
    frames.iter().sum()
}

#[nowait]
fn with_section<R>(f: impl FnOnce(&mut NoWait) -> R) -> R {
    f(cx)
}

#[may_sleep]
fn with_sleep<R>(f: impl FnOnce(&mut MaySleep) -> R) -> R {
    f(cx)
}

/// # Safety
/// None needed; the mark must accept `unsafe fn`.
#[nowait]
unsafe fn raw_len(ring: *const KVec<u64>) -> usize {
    // SAFETY: the caller passes a valid pointer.
    unsafe { (*ring).len() }
}

#[may_sleep(entry)]
fn main() {
    let mut dev = Dev { ring: KVec::new() };
    Pin::new(&mut dev).grow(cx, 4).unwrap();
    dev.push_all(cx, [1, 2, 3]).unwrap();
    assert_eq!(dev.first(cx, &1), Some(&2));
    assert_eq!(sum(cx, &[1, 2]), 3);
    assert_eq!(with_section(cx, |nw| KVec::<u8>::with_capacity(1, GFP_ATOMIC, nw).is_ok()), true);
    assert!(with_sleep(cx, |cx| KVec::<u8>::with_capacity(1, GFP_KERNEL, cx).is_ok()));
    // SAFETY: a live vector.
    assert_eq!(unsafe { raw_len(cx, &dev.ring) }, 3);
    let dev = Arc::new(dev);
    assert_eq!(dev.len_of(cx), 3);
}
