//! The allocator families (kmalloc, vmalloc, kvmalloc): the family table;
//! their user documentation is on the public `crate::family` module
//! (lib.rs).
//!
//! Each family is one row of the table below ([`family_table!`]): what it
//! needs and refuses of the flags, the bound of its non-blocking requests,
//! whether its free may sleep. Everything else is derived from the rows:
//! here the marker types, their [`Family`] impls and [`FamilyId`]; in
//! [`rules`] the type-level columns and the rules over them. A family
//! follows the kernel by editing its row.
//!
//! This module imports nothing from the crate, so that the bound table
//! (`vocab::size`) can name each bound's family; the rules, which need the
//! flags and the bounds, are in the child module [`rules`].

mod rules;

pub use rules::{FamilyRules, NoRetryFor, NoRetryVerdict, ReclaimFor, ReclaimVerdict, RequestBound, Serves};

mod sealed {
    /// Seals [`Family`](super::Family): only the table's families.
    #[allow(unnameable_types)] // a seal: unnameable on purpose
    pub trait Sealed {}
}

/// An allocator family: which kernel allocator serves a request, and so
/// which rules its flags must follow ([`FamilyRules`]).
///
/// Implemented by the uninhabited markers [`Kmalloc`], [`Vmalloc`] and
/// [`KVmalloc`]; the family of a container is its bound's
/// ([`Bound::Family`](crate::size::Bound::Family)), and every request
/// carries it to the backend
/// ([`Request::family`](crate::backend::Request::family)). Sealed.
pub trait Family: sealed::Sealed + 'static {
    /// This family as a value, for backends.
    const ID: FamilyId;
}

/// An allocator family as a value: what a backend reads from a
/// [`Request`](crate::backend::Request) to route it, as Rust-for-Linux's
/// `Kmalloc`, `Vmalloc` and `KVmalloc` allocators are three entry points.
///
/// ```
/// use alloc_ctx::family::FamilyId;
/// assert_eq!(FamilyId::KVmalloc.name(), "kvmalloc");
/// assert!(FamilyId::Vmalloc.needs_direct_reclaim());
/// assert_eq!(FamilyId::KVmalloc.nonblocking_max(), Some(alloc_ctx::size::KMALLOC_MAX_SIZE));
/// assert!(FamilyId::KVmalloc.free_may_sleep() && !FamilyId::Kmalloc.free_may_sleep());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FamilyId {
    /// `kmalloc`/`krealloc`/`kfree`: physically contiguous slab or page
    /// memory.
    Kmalloc,
    /// `vmalloc`/`vrealloc`/`vfree`: virtually contiguous memory, mapped
    /// page by page.
    Vmalloc,
    /// `kvmalloc`/`kvrealloc`/`kvfree`: kmalloc, falling back to vmalloc
    /// for requests that may sleep.
    KVmalloc,
}

/// The family table: every allocator family, declared once, with the rules
/// of Linux v6.12's documentation (docs/DESIGN.md, "Allocator families").
/// `family_table!(callback)` hands the rows to `callback!`, which derives
/// what it needs from them.
///
/// Columns: `direct_reclaim` (`required`: the family cannot serve flags
/// without `__GFP_DIRECT_RECLAIM`), `noretry` (`refused`: the family does
/// not support `__GFP_NORETRY`), `nonblocking` (`own`: a request without
/// direct reclaim has the container's bound; a bound's name: it has that
/// one), `free` (`may_sleep`: freeing may sleep outside interrupt context,
/// so a free in an atomic section must be deferred, as `vfree_atomic`
/// does).
macro_rules! family_table {
    ($callback:ident) => {
        $callback! {
            /// `kmalloc`: the family of [`KVec`](crate::KVec),
            /// [`KBox`](crate::KBox), `Arc` and raw `cx.alloc` buffers.
            /// Serves every flag combination the context allows; `kfree`
            /// never sleeps.
            Kmalloc: name "kmalloc", direct_reclaim optional, noretry supported, nonblocking own, free never_sleeps;
            /// `vmalloc`: the family of [`VVec`](crate::VVec) and
            /// [`VBox`](crate::VBox). Needs `__GFP_DIRECT_RECLAIM` (it
            /// allocates page tables with `GFP_KERNEL`), does not support
            /// `__GFP_NORETRY`, and `vfree` may sleep.
            Vmalloc: name "vmalloc", direct_reclaim required, noretry refused, nonblocking own, free may_sleep;
            /// `kvmalloc`: the family of [`KVVec`](crate::KVVec) and
            /// [`KVBox`](crate::KVBox). Does not support `__GFP_NORETRY`; a
            /// request without direct reclaim is served by kmalloc alone,
            /// so it is bounded by `KMALLOC_MAX_SIZE`; `kvfree` of vmalloc
            /// memory may sleep.
            KVmalloc: name "kvmalloc", direct_reclaim optional, noretry refused, nonblocking KmallocMax, free may_sleep;
        }
    };
}
use family_table;

/// A yes/no cell of the table.
macro_rules! cell {
    (required) => {
        true
    };
    (optional) => {
        false
    };
    (refused) => {
        true
    };
    (supported) => {
        false
    };
    (may_sleep) => {
        true
    };
    (never_sleeps) => {
        false
    };
}
use cell;

/// The marker types, their [`Family`] impls and [`FamilyId`]'s accessors.
macro_rules! families {
    ($(
        $(#[$doc:meta])*
        $name:ident: name $kernel:literal, direct_reclaim $reclaim:ident, noretry $noretry:ident,
            nonblocking $nonblocking:ident, free $free:ident;
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $name {}
            impl sealed::Sealed for $name {}
            impl Family for $name {
                const ID: FamilyId = FamilyId::$name;
            }
        )*

        impl FamilyId {
            /// The kernel's name of the family (`"kvmalloc"`).
            pub const fn name(self) -> &'static str {
                match self { $(FamilyId::$name => $kernel,)* }
            }
            /// The family needs `__GFP_DIRECT_RECLAIM`: it never serves a
            /// request that must not sleep.
            pub const fn needs_direct_reclaim(self) -> bool {
                match self { $(FamilyId::$name => cell!($reclaim),)* }
            }
            /// The family does not support `__GFP_NORETRY`.
            pub const fn refuses_noretry(self) -> bool {
                match self { $(FamilyId::$name => cell!($noretry),)* }
            }
            /// Freeing this family's memory may sleep outside interrupt
            /// context (`vfree`, `kvfree` of vmalloc memory): in an atomic
            /// section it must be deferred, as `vfree_atomic` does.
            pub const fn free_may_sleep(self) -> bool {
                match self { $(FamilyId::$name => cell!($free),)* }
            }
            /// The family whose discriminant (`family as u8`) is `index`,
            /// for a family passed packed with other values.
            pub(crate) const fn from_index(index: u8) -> FamilyId {
                $(if index == FamilyId::$name as u8 {
                    return FamilyId::$name;
                })*
                panic!("alloc-ctx: not a family's discriminant")
            }
        }

        /// Every family, in table order (for the test that walks the table).
        #[cfg(test)]
        const ALL: &[FamilyId] = &[$(FamilyId::$name),*];
    };
}

family_table!(families);
