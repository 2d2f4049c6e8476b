// Hole check: only `Size<B>` may claim to be a checked size. `SizeFor` is
// sealed, so a user type that reports an unchecked byte count (here 1 TiB)
// cannot be implemented as a kmalloc-bounded size and passed to a request.
use alloc_ctx::size::{KmallocMax, SizeFor};

#[derive(Clone, Copy)]
struct DeviceReportedLen(usize);

impl SizeFor<KmallocMax> for DeviceReportedLen {
    fn bytes(self) -> usize {
        self.0
    }
}

fn main() {}
