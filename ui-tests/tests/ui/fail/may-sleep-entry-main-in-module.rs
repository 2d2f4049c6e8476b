// Rule (family 4, closed): refused at compile time now. Was: a `pub fn main()` in a module is accepted as an entry point (the
// check is by name), and is callable from inside a `nowait_scope`, minting a
// second sleep token. It used to compile (caught only at run time).
mod firmware {
    use alloc_ctx::flags::GFP_KERNEL;
    use alloc_ctx::{KVec, may_sleep};
    #[may_sleep(entry)]
    pub fn main() -> usize {
        KVec::<u8>::with_capacity(64, GFP_KERNEL, cx).map_or(0, |v| v.capacity())
    }
}
#[alloc_ctx::may_sleep(entry)]
fn main() {
    let r = cx.nowait_scope(|_nw| std::panic::catch_unwind(firmware::main));
    println!("{}", r.is_err());
}
