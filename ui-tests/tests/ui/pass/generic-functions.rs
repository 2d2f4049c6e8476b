// Generics, lifetimes, const generics and `where` clauses pass through the
// marks unchanged; the token parameter goes first.
use alloc_ctx::flags::{GFP_ATOMIC, GFP_KERNEL};
use alloc_ctx::{AllocError, KVec, may_sleep, nowait};

#[may_sleep]
fn filled<T, const N: usize>(value: T) -> Result<KVec<[T; N]>, AllocError>
where
    T: Copy,
{
    let mut table = KVec::new();
    table
        .push([value; N], GFP_KERNEL, cx)
        .map_err(AllocError::from)?;
    Ok(table)
}

#[nowait]
fn longest<'a, T: AsRef<[u8]> + ?Sized>(a: &'a T, b: &'a T) -> &'a T {
    if a.as_ref().len() >= b.as_ref().len() {
        a
    } else {
        b
    }
}

#[nowait]
fn append_all<I>(out: &mut KVec<I::Item>, items: I) -> usize
where
    I: IntoIterator,
{
    items
        .into_iter()
        .filter_map(|item| out.push(item, GFP_ATOMIC, cx).ok())
        .count()
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let table = filled::<u16, 4>(cx, 9).unwrap();
    assert_eq!(table.as_slice(), &[[9u16; 4]]);
    assert_eq!(longest(cx, "eth0", "wlan0"), "wlan0");
    let mut out = KVec::new();
    let pushed = cx.nowait_scope(|nw| append_all(nw, &mut out, [1u8, 2, 3]));
    assert_eq!(pushed, 3);
    assert_eq!(out.as_slice(), &[1, 2, 3]);
}
