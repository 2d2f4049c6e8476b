// A marked function that exports its symbol (`#[no_mangle]`,
// `#[export_name]`, bare or in `unsafe(…)`) must not be generic, or rustc
// warns that its symbol is mangled anyway (`no_mangle_generic_items`): it
// takes the concrete token, as an `extern` function does, alone or as a
// method of a marked block.
#![deny(warnings)]
use alloc_ctx::flags::GFP_ATOMIC;
use alloc_ctx::{KVec, nowait};

pub struct Dev {
    ring: KVec<u32>,
}

#[nowait]
impl Dev {
    /// Exported under its own name.
    #[unsafe(no_mangle)]
    pub fn alloc_ctx_ui_dev_push(&mut self, frame: u32) -> bool {
        self.ring.push(frame, GFP_ATOMIC, cx).is_ok()
    }

    /// Exported under another name.
    #[unsafe(export_name = "alloc_ctx_ui_dev_len")]
    pub fn len(&self) -> usize {
        self.ring.len()
    }
}

/// Exported, outside a block, with the concrete sleep token.
#[alloc_ctx::may_sleep]
#[unsafe(no_mangle)]
pub fn alloc_ctx_ui_setup() -> Dev {
    Dev { ring: KVec::new() }
}

#[alloc_ctx::may_sleep(entry)]
fn main() {
    let mut dev = alloc_ctx_ui_setup(cx);
    assert!(dev.alloc_ctx_ui_dev_push(cx.nowait(), 7));
    assert_eq!(dev.len(cx.nowait()), 1);
}
