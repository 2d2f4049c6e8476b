// Refusal check: elided output lifetimes mean what they mean on the
// unmarked function, although the mark adds a reference parameter (the
// token): `#[nowait] fn first(v: &[u8]) -> &u8` returns a borrow of `v`;
// also for the `const`, `extern "C"` and `dyn` forms (concrete token
// types) and for a trait method with a receiver. The caller keeps using
// `cx` while the returned references live.
use alloc_ctx::flags::GFP_KERNEL;
use alloc_ctx::size::{KmallocMax, Size};
use alloc_ctx::{may_sleep, nowait};

#[nowait]
fn first(v: &[u8]) -> &u8 {
    &v[0]
}

#[may_sleep]
fn longest_line(text: &str) -> &str {
    text.lines().max_by_key(|line| line.len()).unwrap_or("")
}

#[nowait]
const fn head(v: &[u8; 4]) -> &u8 {
    &v[0]
}

#[nowait]
extern "C" fn tail(v: &[u8; 4]) -> &u8 {
    &v[3]
}

#[nowait(dyn)]
fn middle(v: &[u8]) -> &u8 {
    &v[v.len() / 2]
}

trait Named {
    #[nowait(dyn)]
    fn label(&self) -> &str;
}

struct Port {
    name: String,
}

impl Named for Port {
    #[nowait(dyn)]
    fn label(&self) -> &str {
        &self.name
    }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let data = [1u8, 2, 3, 4];
    let port = Port { name: "eth0".to_owned() };
    {
        let a = first(cx, &data);
        let b = head(cx, &data);
        let c = tail(cx, &data);
        let d = middle(cx, &data);
        let named: &dyn Named = &port;
        let e = named.label(cx);
        let f = longest_line(cx, "rx\ntx ring\n");
        // The token is free again while all the borrows live.
        let _ = cx.alloc(GFP_KERNEL, Size::<KmallocMax>::new(64).unwrap()).unwrap();
        assert_eq!((*a, *b, *c, *d, e, f), (1, 1, 4, 3, "eth0", "tx ring"));
    }
}
