// Driver author: handling allocation failures. A failure-injecting backend
// makes requests fail; the driver matches `err.kind()` on `AllocErrorKind`,
// reads a `SizeError` through its accessors, gets the value back from a
// failed `push`, and converts every error into the kernel errno with `?`.
use alloc_ctx::backend::{Budget, FailInject};
use alloc_ctx::error::{self, Error, code::{ENOMEM, EOVERFLOW}};
use alloc_ctx::flags::{__GFP_NOFAIL, __GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::size::{KMALLOC_MAX_SIZE, KmallocMax, NofailMax, Size, array_size};
use alloc_ctx::{AllocError, AllocErrorKind, KBox, KVec, SizeError, may_sleep, nowait};

/// What a driver logs for a failed request.
fn describe(error: &AllocError) -> String {
    match error.kind() {
        AllocErrorKind::OutOfMemory { size, align, gfp } => format!("no memory: {size} B align {align} ({gfp})"),
        AllocErrorKind::Size(size) => {
            format!("{} B over {} ({} B) by {}", size.requested(), size.bound(), size.max(), size.excess())
        }
        // `AllocErrorKind` is `#[non_exhaustive]`.
        _ => "unknown allocation failure".into(),
    }
}

#[nowait]
fn queue_event(events: &mut KVec<u32, &FailInject>, event: u32) -> Result<(), u32> {
    // A failed push hands the value back.
    events.try_push(event, GFP_ATOMIC | __GFP_NOWARN, cx).map_err(|error| error.value)
}

#[may_sleep]
fn load_firmware_table(entries: usize) -> error::Result<KVec<u64>> {
    let size: Size<KmallocMax> = array_size::<u64, KmallocMax>(entries)?;
    let mut table = KVec::with_capacity(size.get() / 8, GFP_KERNEL, cx)?;
    table.resize(entries, 0, GFP_KERNEL, cx)?;
    Ok(table)
}

#[may_sleep(entry)]
fn main() {
    alloc_ctx::report::set_failure_hook(|_| {}); // the failures below are expected
    // Every second call fails.
    let backend = FailInject::new().fail_every(2);
    let mut events = KVec::new_in(&backend);
    assert_eq!(queue_event(cx, &mut events, 1), Ok(()));
    assert_eq!(queue_event(cx, &mut events, 2), Ok(()), "within capacity: no call");
    let mut refused = 0;
    for event in 3..40 {
        if queue_event(cx, &mut events, event) == Err(event) {
            refused += 1;
        }
    }
    assert!(refused > 0 && backend.failures() > 0);

    // Out of memory: the kind carries the size, the alignment and the flags.
    let small = Budget::new(64);
    let mut ring = KVec::<u64, _>::new_in(&small);
    let error = ring.reserve(1024, GFP_KERNEL, cx).unwrap_err();
    assert!(error.is_out_of_memory());
    assert_eq!(describe(&error), "no memory: 8192 B align 8 (GFP_KERNEL)");
    assert_eq!(Error::from(error), ENOMEM);

    // Over the bound: a `SizeError`, before any allocator is called.
    let too_big: SizeError = Size::<KmallocMax>::new(KMALLOC_MAX_SIZE + 10).unwrap_err();
    assert_eq!((too_big.bound(), too_big.max(), too_big.excess()), ("KMALLOC_MAX_SIZE", KMALLOC_MAX_SIZE, 10));
    assert!(!too_big.is_overflow());
    let error = AllocError::from(too_big);
    assert_eq!(error.size_error(), Some(too_big));
    assert_eq!(describe(&error), format!("{} B over KMALLOC_MAX_SIZE ({KMALLOC_MAX_SIZE} B) by 10", KMALLOC_MAX_SIZE + 10));
    assert_eq!(Error::from(too_big), ENOMEM);

    // `?` into `error::Result`: overflow is EOVERFLOW, over the bound ENOMEM.
    assert_eq!(load_firmware_table(cx, usize::MAX / 2).err(), Some(EOVERFLOW));
    assert_eq!(load_firmware_table(cx, KMALLOC_MAX_SIZE).err(), Some(ENOMEM));
    assert_eq!(load_firmware_table(cx, 16).map(|t| t.len()), Ok(16));
    assert_eq!(ENOMEM.to_errno(), -12);

    // A NOFAIL request with a size proven small returns the value itself.
    const HEADER: Size<NofailMax> = Size::of::<[u64; 8]>();
    let header: KBox<[u64; 8]> = KBox::new([0; 8], GFP_KERNEL | __GFP_NOFAIL, cx);
    assert_eq!(core::mem::size_of_val(&*header), HEADER.get());
}
