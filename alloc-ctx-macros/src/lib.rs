//! The `#[may_sleep]` and `#[nowait]` attribute macros of
//! [alloc-ctx](https://docs.rs/alloc-ctx). Use them through `alloc_ctx`,
//! which re-exports them; this crate's items are documented there.
//!
//! Stages, one module each (after thiserror's `impl/`): `args` parses the
//! attribute's arguments, `ast` the item (the signature read at the token
//! level by `signature`, the body kept as tokens), `valid` checks both and
//! collects every error, `expand`
//! writes the token parameter, prologue and docs, `fallback` emits the
//! item with the errors when something was wrong.

mod args;
mod ast;
mod errors;
mod expand;
mod fallback;
mod signature;
mod valid;

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::ast::Item;
use crate::errors::Errors;

/// The two contexts a function can be marked with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mark {
    MaySleep,
    NoWait,
}

impl Mark {
    /// The attribute's name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mark::MaySleep => "may_sleep",
            Mark::NoWait => "nowait",
        }
    }
}

/// Marks a function (or every method of an `impl` or `trait` block) as one
/// that **may sleep**: it takes a sleep token, so it can make sleeping
/// requests (`GFP_KERNEL`, `__GFP_NOFAIL`, …), and it can only be called
/// where sleeping is allowed.
///
/// The mark becomes a parameter `cx: impl SleepContext` right after
/// the receiver; inside, `cx` is a [`MaySleep<'_>`]. Callers pass theirs:
/// `probe(&mut cx, …)` (or `cx.reborrow()`) keeps the caller's token
/// usable afterwards. Passing a `NoWait` is a compile error:
/// "`#[may_sleep]` function called from a `#[nowait]` context".
///
/// ```
/// use alloc_ctx::{KVec, flags::GFP_KERNEL, may_sleep};
///
/// #[may_sleep]
/// fn probe(entries: usize) -> Result<KVec<u64>, alloc_ctx::AllocError> {
///     let mut ring = KVec::with_capacity(entries, GFP_KERNEL, &cx)?;
///     ring.resize(entries, 0, GFP_KERNEL, &cx)?;
///     Ok(ring)
/// }
///
/// #[may_sleep(entry)] // `main`, thread bodies: creates the first token
/// fn main() {
///     let ring = probe(&mut cx, 256).expect("probe");
///     assert_eq!(ring.len(), 256);
/// }
/// ```
///
/// # Arguments
///
/// * `cx = name`: name of the token (default `cx`).
/// * `entry`: take no token; create it inside with the run-time check (it
///   panics inside an atomic section, like the kernel's `might_sleep()`).
/// * `dyn`: take the concrete `MaySleep<'_>` instead of `impl SleepContext`,
///   so a trait method stays dyn-compatible (callers then pass
///   `cx.reborrow()`). `const fn` and `extern` functions always take the
///   concrete type.
/// * `crate = path` (or `crate = "path"`): where alloc-ctx is, for crates
///   that re-export it.
///
/// On an `impl` or `trait` block the mark applies to every method that does
/// not carry its own `#[may_sleep]`/`#[nowait]`. The macro adds a
/// `# Context` section to each marked item's documentation.
///
/// [`MaySleep<'_>`]: https://docs.rs/alloc-ctx/latest/alloc_ctx/struct.MaySleep.html
#[proc_macro_attribute]
pub fn may_sleep(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    mark(Mark::MaySleep, args.into(), item.into()).into()
}

/// Marks a function (or every method of an `impl` or `trait` block) as one
/// that **does not sleep**: it takes a [`NoWait<'_>`] token, through which
/// only non-blocking requests (`GFP_ATOMIC`, `GFP_NOWAIT`) compile, and it
/// is callable from any context, atomic or not.
///
/// The mark becomes a parameter `cx: impl NoWaitContext` right after
/// the receiver: callers pass a `NoWait`, a `MaySleep` or a reference to
/// either. Inside, `cx` is a `NoWait<'_>` (it is `Copy`).
///
/// ```
/// use alloc_ctx::{KVec, MaySleep, flags::GFP_ATOMIC, nowait};
///
/// #[nowait]
/// fn rx_interrupt(ring: &mut KVec<u64>, frame: u64) -> bool {
///     // `GFP_KERNEL` here would not compile: it may sleep.
///     ring.push(frame, GFP_ATOMIC, &cx).is_ok()
/// }
///
/// MaySleep::enter(|mut cx| {
///     let mut ring = KVec::new();
///     assert!(cx.atomic(|nw| rx_interrupt(nw, &mut ring, 7)));
///     assert!(rx_interrupt(&cx, &mut ring, 8)); // fine from sleepable code too
/// });
/// ```
///
/// # Arguments
///
/// As for [`macro@may_sleep`]: `cx = name`, `dyn` (concrete `NoWait<'_>`),
/// `crate = path`, and `entry`: for interrupt handlers and callbacks run
/// under a lock, the function takes no token and runs as an atomic section
/// (the thread's atomic depth is raised for the call, so a sleeping entry
/// point reached from it panics).
///
/// `#[nowait]` on an `async fn` is an error: every `.await` may suspend.
///
/// [`NoWait<'_>`]: https://docs.rs/alloc-ctx/latest/alloc_ctx/struct.NoWait.html
#[proc_macro_attribute]
pub fn nowait(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    mark(Mark::NoWait, args.into(), item.into()).into()
}

/// Both macros: parse, check, expand, and on any error emit the item with
/// every error next to it.
pub(crate) fn mark(mark: Mark, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut args = args::parse(args, &mut errors);
    valid::check_args(&mut args, &mut errors);
    let output = match Item::parse(item) {
        Item::Fn(mut function) => {
            let plan = valid::check_function(mark, &args, &mut function, &mut errors);
            expand::function(mark, &args, function, &plan)
        }
        Item::Impl(mut block) => {
            valid::strip_other_marks(mark, &mut block.attrs, &mut errors);
            for item in &mut block.items {
                if let syn::ImplItem::Fn(method) = item
                    && let Some(expanded) =
                        mark_method(mark, &args, &method.attrs, method.to_token_stream(), &mut errors)
                {
                    *item = syn::ImplItem::Verbatim(expanded);
                }
            }
            block.into_token_stream()
        }
        Item::Trait(mut block) => {
            valid::strip_other_marks(mark, &mut block.attrs, &mut errors);
            for item in &mut block.items {
                if let syn::TraitItem::Fn(method) = item
                    && let Some(expanded) =
                        mark_method(mark, &args, &method.attrs, method.to_token_stream(), &mut errors)
                {
                    *item = syn::TraitItem::Verbatim(expanded);
                }
            }
            block.into_token_stream()
        }
        Item::Other { tokens, span } => {
            errors.push(syn::Error::new(
                span,
                format!(
                    "`#[{}]` applies to functions, methods, and `impl` or `trait` blocks; a context belongs to code that runs",
                    mark.name()
                ),
            ));
            tokens
        }
    };
    if errors.is_empty() { output } else { fallback::emit(output, &errors) }
}

/// One method of a marked block; `None` leaves it as written (it has its
/// own mark, which will expand by itself, or it is not plain enough for
/// the light parser, e.g. `default fn`).
fn mark_method(
    mark: Mark,
    args: &args::Args,
    attrs: &[syn::Attribute],
    tokens: TokenStream,
    errors: &mut Errors,
) -> Option<TokenStream> {
    if attrs.iter().any(|attr| valid::mark_of(attr).is_some()) {
        return None;
    }
    let mut function: ast::Function = syn::parse2(tokens).ok()?;
    let plan = valid::check_function(mark, args, &mut function, errors);
    Some(expand::function(mark, args, function, &plan))
}
