//! `FlexArray`: a header followed by a flexible array member, allocated in
//! one block (`KBox::new_flex`).

use super::*;

/// A `#[repr(C)]` header followed by a flexible array member: the kernel's
/// `struct foo { …; T data[]; }`, allocated in one block sized by
/// [`struct_size`](crate::size::struct_size).
///
/// Build one with [`BoundedBox::new_flex`]; the array's length is part of
/// the box (a slice length), so `elems.len()` is always right.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() -> Result<(), alloc_ctx::error::Error> {
/// use alloc_ctx::{KBox, flags::*, FlexArray, size::{KmallocMax, struct_size}};
///
/// struct SgHeader { nents: u32 }
///
/// let table = KBox::<FlexArray<SgHeader, u64>>::new_flex(SgHeader { nents: 3 }, 3, |i| i as u64 * 4096, GFP_KERNEL, cx)?;
/// assert_eq!(table.header.nents as usize, table.elems.len());
/// assert_eq!(table.elems, [0, 4096, 8192]);
/// assert_eq!(size_of_val(&*table), struct_size::<SgHeader, u64, KmallocMax>(3)?.get());
/// # Ok::<_, alloc_ctx::error::Error>(())
/// # }
/// ```
#[repr(C)]
pub struct FlexArray<H, E> {
    /// The fixed part.
    pub header: H,
    /// The flexible array member.
    pub elems: [E],
}

impl<H: fmt::Debug, E: fmt::Debug> fmt::Debug for FlexArray<H, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlexArray").field("header", &self.header).field("elems", &&self.elems).finish()
    }
}

#[cfg(feature = "alloc")]
impl<H, E, B: Bound> BoundedBox<FlexArray<H, E>, B, System> {
    /// A header and `count` elements made by `elem(index)`, in one block of
    /// [`struct_size::<H, E, B>(count)`](crate::size::struct_size) bytes
    /// ([`System`] backend).
    ///
    /// The size is checked (overflow and the bound `B`) before the
    /// request. If `elem` panics, the header and the elements made so far
    /// are dropped and the block is freed.
    ///
    /// See [`FlexArray`] for an example.
    #[track_caller]
    pub fn new_flex<C, F>(
        header: H,
        count: usize,
        elem: impl FnMut(usize) -> E,
        flags: F,
        cx: &mut C,
    ) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        BoundedBox::new_flex_in(header, count, elem, System, flags, cx)
    }
}

impl<H, E, B: Bound, A: Backend> BoundedBox<FlexArray<H, E>, B, A> {
    /// As [`new_flex`](BoundedBox::new_flex), from `backend`.
    ///
    /// ```
    /// # #[alloc_ctx::may_sleep(entry)] fn main() {
    /// use alloc_ctx::{KBox, backend::Budget, flags::*, FlexArray};
    /// let budget = Budget::new(64);
    /// {
    ///     let msg = KBox::<FlexArray<u32, u8>, _>::new_flex_in(5, 5, |i| b"hello"[i], &budget, GFP_KERNEL, cx).unwrap();
    ///     assert_eq!((&msg.elems, budget.live_bytes()), (&b"hello"[..], 12)); // 4 + 5, padded to 4
    /// };
    /// # }
    /// ```
    #[track_caller]
    pub fn new_flex_in<C, F>(
        header: H,
        count: usize,
        mut elem: impl FnMut(usize) -> E,
        backend: A,
        flags: F,
        cx: &mut C,
    ) -> Result<Self, AllocError>
    where
        C: Token,
        F: GfpFlags + MayFail,
        C: Permits<F>,
        B::Family: Serves<F>,
    {
        let size = crate::vocab::size::struct_size::<H, E, RequestBound<F, B>>(count)?;
        let align = align_of::<H>().max(align_of::<E>());
        let gfp = crate::context::token::served(cx, flags.gfp());
        let layout = Layout::from_size_align(size.get(), align)
            .map_err(|_| AllocError::out_of_memory(size.get(), align, gfp))?;
        // A zero-sized block is never allocated; its address must still be
        // aligned for the header and the elements (`NonNull::<u8>::dangling()`
        // would be 1, and `&FlexArray<_, u64>` misaligned).
        let block: NonNull<u8> = if layout.size() == 0 {
            dangling_for(layout)
        } else {
            serve::allocate_from(&backend, layout, gfp, <B::Family as Family>::ID)?
        };
        // The fat pointer: a slice pointer's metadata is the element count,
        // and a struct with a slice tail uses the same metadata.
        let raw = ptr::slice_from_raw_parts_mut(block.as_ptr().cast::<E>(), count) as *mut FlexArray<H, E>;

        /// Frees the block and drops what was written, if an element
        /// constructor panics.
        struct Partial<'a, H, E, A: Backend> {
            raw: *mut FlexArray<H, E>,
            layout: Layout,
            written: usize,
            backend: &'a A,
            family: FamilyId,
        }
        impl<H, E, A: Backend> Drop for Partial<'_, H, E, A> {
            fn drop(&mut self) {
                // SAFETY: the header and the first `written` elements were
                // written and are owned here; the block came from `backend`
                // with `layout` (or is dangling for a zero size).
                unsafe {
                    let elems = ptr::slice_from_raw_parts_mut((&raw mut (*self.raw).elems).cast::<E>(), self.written);
                    ptr::drop_in_place(&raw mut (*self.raw).header);
                    ptr::drop_in_place(elems);
                    free_block_from(self.backend, NonNull::new_unchecked(self.raw).cast(), self.layout, self.family);
                }
            }
        }

        // SAFETY: the block is valid for writes of `layout`, which is the
        // layout of a `FlexArray<H, E>` of `count` elements (`struct_size`
        // computes `repr(C)` layout), so the header field is in bounds.
        unsafe { (&raw mut (*raw).header).write(header) };
        let mut partial = Partial { raw, layout, written: 0, backend: &backend, family: <B::Family as Family>::ID };
        for index in 0..count {
            let value = elem(index);
            // SAFETY: `index < count`, inside the array member of the block.
            unsafe { (&raw mut (*raw).elems).cast::<E>().add(index).write(value) };
            partial.written = index + 1;
        }
        core::mem::forget(partial);
        debug_assert_eq!(
            Layout::for_value(
                // SAFETY: fully initialised now.
                unsafe { &*raw }
            ),
            layout
        );
        // INVARIANT: the block was allocated by `backend` with the layout
        // of the value (`struct_size` within `B`) and is fully initialised.
        // SAFETY: `raw` is non-null (a block or dangling).
        Ok(BoundedBox { ptr: unsafe { NonNull::new_unchecked(raw) }, backend, _owns: PhantomData, _bound: PhantomData })
    }
}
