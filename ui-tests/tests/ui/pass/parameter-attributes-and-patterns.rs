// Attributes on parameters and patterns in parameters pass through the
// marks unchanged.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::{KVec, may_sleep, nowait};

struct Frame {
    id: u16,
    len: u16,
}

#[nowait]
fn header_len(
    #[allow(unused_variables)] (major, minor): (u8, u8),
    Frame { len, .. }: &Frame,
) -> u16 {
    *len + u16::from(minor)
}

#[may_sleep]
fn collect_ids(
    #[cfg(any())] never_compiled: u8,
    [first, second]: [Frame; 2],
    mut extra: u16,
) -> KVec<u16> {
    extra += 1;
    let mut ids = KVec::new();
    ids.extend_from_slice(&[first.id, second.id, extra], GFP_KERNEL, cx)
        .unwrap();
    ids
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let frame = Frame { id: 1, len: 60 };
    assert_eq!(header_len(cx, (2, 5), &frame), 65);
    let ids = collect_ids(cx, [frame, Frame { id: 2, len: 0 }], 9);
    assert_eq!(ids.as_slice(), &[1, 2, 10]);
}
