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
    ($name:ident, $ty:ty) => {
        /// Pushes `value` onto `ring`; false if the ring could not grow.
        // `cx = cx`: the token takes the name's span, the caller's, and
        // this body's `cx` has the macro's; naming it here gives it the
        // macro's too.
        #[$crate::rt::nowait(crate = $crate::rt, cx = cx)]
        pub fn $name(ring: &mut $crate::rt::KVec<$ty>, value: $ty) -> bool {
            ring.push(value, $crate::rt::flags::GFP_ATOMIC, cx).is_ok()
        }
    };
}
