// Trait methods marked `#[may_sleep(dyn)]` / `#[nowait(dyn)]` take the
// concrete token types, so the trait stays dyn-compatible and drivers can
// be handled as `&mut dyn NetDevice`.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec, MaySleep, may_sleep, nowait};

trait NetDevice {
    #[may_sleep(dyn)]
    fn open(&mut self, queue_len: usize) -> Result<(), AllocError>;

    #[nowait(dyn)]
    fn xmit(&mut self, frame: u32) -> bool;

    /// Through `&dyn NetDevice`: a snapshot of the queue, which may sleep.
    #[may_sleep(dyn)]
    fn snapshot(&self) -> Result<KVec<u32>, AllocError>;

    fn name(&self) -> &'static str;
}

struct Loopback {
    queue: KVec<u32>,
}

struct Null;

impl NetDevice for Loopback {
    #[may_sleep(dyn)]
    fn open(&mut self, queue_len: usize) -> Result<(), AllocError> {
        self.queue.reserve(queue_len, GFP_KERNEL, cx)
    }

    #[nowait(dyn)]
    fn xmit(&mut self, frame: u32) -> bool {
        self.queue.push(frame, GFP_ATOMIC, cx).is_ok()
    }

    #[may_sleep(dyn)]
    fn snapshot(&self) -> Result<KVec<u32>, AllocError> {
        self.queue.try_clone(GFP_KERNEL, cx)
    }

    fn name(&self) -> &'static str {
        "lo"
    }
}

impl NetDevice for Null {
    #[may_sleep(dyn)]
    fn open(&mut self, _queue_len: usize) -> Result<(), AllocError> {
        let _: &mut MaySleep = cx;
        Ok(())
    }

    #[nowait(dyn)]
    fn xmit(&mut self, _frame: u32) -> bool {
        true
    }

    #[may_sleep(dyn)]
    fn snapshot(&self) -> Result<KVec<u32>, AllocError> {
        KVec::with_capacity(0, GFP_KERNEL, cx)
    }

    fn name(&self) -> &'static str {
        "null"
    }
}

#[may_sleep]
fn bring_up(devices: &mut [&mut dyn NetDevice]) -> Result<Vec<&'static str>, AllocError> {
    let mut names = Vec::new();
    for dev in devices.iter_mut() {
        dev.open(cx, 16)?;
        names.push(dev.name());
    }
    // Transmit from an atomic section, through the trait objects.
    let sent = cx.nowait_scope(|nw| {
        devices
            .iter_mut()
            .map(|dev| dev.xmit(nw, 7))
            .filter(|&sent| sent)
            .count()
    });
    assert_eq!(sent, devices.len());
    Ok(names)
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut lo = Loopback { queue: KVec::new() };
    let mut null = Null;
    let names = bring_up(cx, &mut [&mut lo, &mut null]).unwrap();
    assert_eq!(names, ["lo", "null"]);
    assert!(lo.queue.capacity() >= 16);
    assert_eq!(lo.queue.as_slice(), &[7]);

    // Shared trait objects: `&dyn NetDevice`.
    let devices: [&dyn NetDevice; 2] = [&lo, &null];
    let lengths = {
        devices.map(|dev| dev.snapshot(cx).expect("snapshot").len())
    };
    assert_eq!(lengths, [1, 0]);
}
