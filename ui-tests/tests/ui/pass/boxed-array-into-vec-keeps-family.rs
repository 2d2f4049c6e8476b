// Driver author: `VBox<[T; N]>` into `VVec<T>` and `KVBox<[T; N]>` into `KVVec<T>`
// (no allocation), then growth with `GFP_KERNEL`.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVBox, KVVec, VBox, VVec};
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let b = VBox::new([1u8; 16], GFP_KERNEL, cx).unwrap();
    let mut v: VVec<u8> = VVec::from(b);
    v.push(2, GFP_KERNEL, cx).unwrap();
    let k = KVBox::new([1u32; 4], GFP_KERNEL, cx).unwrap();
    let w: KVVec<u32> = k.into();
    assert_eq!((v.len(), w.len()), (17, 4));
}
