// Diagnostic: a call to a marked function that forgets the token argument.
// The mark adds `cx` as the first parameter, so the call has one argument
// too few; this must be ONE error that says an argument (the `&mut`
// token) is missing, not a cascade of type mismatches on the other
// arguments.
use alloc_ctx::may_sleep;

#[may_sleep]
fn load_firmware(name: &str, len: usize) -> usize {
    name.len() + len
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let _ = load_firmware("nic.bin", 4096);
}
