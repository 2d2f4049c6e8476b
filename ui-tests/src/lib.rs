//! The ui suite lives in `tests/ui.rs`. This library stands for a
//! framework crate that the suite's programs use: it re-exports alloc-ctx
//! and marks the functions its macros write through `crate = $crate::rt`,
//! as a crate that wraps alloc-ctx would.

#[doc(hidden)]
pub use alloc_ctx as rt;

/// A receive handler named by the caller: a `#[nowait]` function that
/// pushes one value onto a ring, marked through this crate's re-export.
#[macro_export]
macro_rules! nowait_push_handler {
    ($vis:vis $name:ident, $ty:ty) => {
        /// Pushes `value` onto `ring`; false if the ring could not grow.
        // The name is the caller's and this body's `cx` the macro's: the
        // token must be visible where the body was written.
        #[$crate::rt::nowait(crate = $crate::rt)]
        $vis fn $name(ring: &mut $crate::rt::KVec<$ty>, value: $ty) -> bool {
            ring.push(value, $crate::rt::flags::GFP_ATOMIC, cx).is_ok()
        }
    };
}

/// A sleeping setup function whose name, visibility, return type and
/// body the caller gives: the body's `cx` is the caller's.
#[macro_export]
macro_rules! may_sleep_setup {
    ($vis:vis $name:ident -> $ret:ty $body:block) => {
        #[$crate::rt::may_sleep(crate = $crate::rt)]
        $vis fn $name() -> $ret $body
    };
}

/// A device type with a `#[nowait]` block of methods, their visibility
/// the caller's.
#[macro_export]
macro_rules! nowait_counter_device {
    ($vis:vis $dev:ident) => {
        #[derive(Default)]
        $vis struct $dev {
            count: u64,
        }

        #[$crate::rt::nowait(crate = $crate::rt)]
        impl $dev {
            /// Counts one event; never sleeps.
            $vis fn bump(&mut self) -> u64 {
                let _ = cx;
                self.count += 1;
                self.count
            }
        }
    };
}
