//! The `#[may_sleep]`, `#[nowait]` and `#[no_context]` attribute macros of
//! alloc-ctx. Use them through `alloc_ctx`, which re-exports them; this
//! crate's items are documented there.
//!
//! Stages, one module each (after thiserror's `impl/`): `args` parses the
//! attribute's arguments, `ast` the item (the signature read at the token
//! level by `signature`, the body kept as tokens), `valid` checks both and
//! collects every error, `expand` writes the token parameter, prologue,
//! entry closure and docs (with `lifetimes` keeping elision and the
//! captures of a returned `impl Trait` as written), `fallback` emits the
//! item with the errors when something was wrong.
//!
//! This crate is edition 2021 on purpose: see `lifetimes`.

mod args;
mod ast;
mod errors;
mod expand;
mod fallback;
mod lifetimes;
mod signature;
mod tokens;
mod valid;

#[cfg(test)]
mod pipeline_tests;

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::args::{Args, Mark};
use crate::ast::{BlockItem, Item};
use crate::errors::Errors;
use crate::expand::Enclosing;

/// Marks a function (or every method of an `impl` or `trait` block) as one
/// that **may sleep**: it takes the caller's sleep token, so it can make
/// sleeping requests (`GFP_KERNEL`, `__GFP_NOFAIL`, …), and it can only be
/// called where sleeping is allowed.
///
/// The mark becomes a parameter `cx: &mut impl SleepToken` right after the
/// receiver; inside, `cx` is a `&mut MaySleep`. Callers pass their own
/// `cx` as it is: `probe(cx, 256)`, and can go on using it afterwards.
/// Containers take it the same way: `KVec::with_capacity(n, GFP_KERNEL, cx)`.
/// Passing a `&mut NoWait` is a compile error: "`#[may_sleep]` function
/// called from a `#[nowait]` context".
///
/// ```
/// use alloc_ctx::{KVec, flags::GFP_KERNEL, may_sleep};
///
/// #[may_sleep]
/// fn probe(entries: usize) -> Result<KVec<u64>, alloc_ctx::AllocError> {
///     let mut ring = KVec::with_capacity(entries, GFP_KERNEL, cx)?;
///     ring.resize(entries, 0, GFP_KERNEL, cx)?;
///     Ok(ring)
/// }
///
/// #[may_sleep(entry)] // `main`, thread bodies: creates the first token
/// fn main() {
///     let ring = probe(cx, 256).expect("probe");
///     assert_eq!(ring.len(), 256);
///     let again = probe(cx, 16).expect("probe"); // `cx` is still usable
///     assert_eq!(again.len(), 16);
/// }
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
///
/// Elided lifetimes and returned `impl Trait`s mean what they mean on the
/// unmarked function: `fn first(v: &[u8]) -> &u8` still returns a borrow
/// of `v`, and a returned iterator does not keep the caller's token
/// borrowed. (A lifetime hidden in a path, `Ref` for a `struct Ref<'a>`,
/// is not seen by the macro: write `Ref<'_>`.)
///
/// # Arguments
///
/// * `cx = name`: name of the token (default `cx`).
/// * `entry`: take no token; the body runs in `(…)`,
///   which checks at run time that sleeping is allowed (it panics inside an
///   atomic section, like the kernel's `might_sleep()`), and `cx` is the
///   closure's `&mut MaySleep`. Not on an `async fn`.
/// * `dyn`: take the concrete `cx: &mut MaySleep` instead of
///   `&mut impl SleepToken`, so a trait method stays dyn-compatible.
///   `const fn`, `extern` and exported (`#[no_mangle]`, `#[export_name]`)
///   functions always take the concrete type.
/// * `crate = path` (or `crate = "path"`): where alloc-ctx is, for crates
///   that re-export it.
///
/// On an `impl` or `trait` block the mark applies to every method that does
/// not carry its own `#[may_sleep]`/`#[nowait]`, or `#[no_context]` to stay
/// unmarked. The macro adds a `# Context` section to each marked item's
/// documentation (for rustdoc only: `cfg_attr(doc, …)`).
/// # }
#[proc_macro_attribute]
pub fn may_sleep(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    mark(Mark::MaySleep, args.into(), item.into()).into()
}

/// Marks a function (or every method of an `impl` or `trait` block) as one
/// that **does not sleep**: it takes a token through which only
/// non-blocking requests (`GFP_ATOMIC`, `GFP_NOWAIT`) compile, and it is
/// callable from any context, atomic or not.
///
/// The mark becomes a parameter `cx: &mut impl Token` right after the
/// receiver: callers pass their `cx`, a `&mut NoWait` or a `&mut MaySleep`.
/// Inside, `cx` is a `&mut NoWait`. In debug builds, a sleeping entry point
/// reached from the body panics.
///
/// ```
/// # #[alloc_ctx::may_sleep(entry)] fn main() {
/// use alloc_ctx::{KVec, MaySleep, flags::GFP_ATOMIC, nowait};
///
/// #[nowait]
/// fn rx_interrupt(ring: &mut KVec<u64>, frame: u64) -> bool {
///     // `GFP_KERNEL` here would not compile: it may sleep.
///     ring.push(frame, GFP_ATOMIC, cx).is_ok()
/// }
///
/// {
///     let mut ring = KVec::new();
///     assert!(cx.nowait_scope(|nw| rx_interrupt(nw, &mut ring, 7)));
///     assert!(rx_interrupt(cx, &mut ring, 8)); // fine from sleepable code too
/// };
/// # }
/// ```
///
/// # Arguments
///
/// As for [`macro@may_sleep`]: `cx = name`, `dyn` (concrete
/// `cx: &mut NoWait`), `crate = path`, and `entry`: for interrupt handlers
/// and callbacks run under a lock, the function takes no token and its
/// body runs in `NoWait::enter(|cx| …)`, as an atomic section (a sleeping
/// entry point reached from it panics).
///
/// `#[nowait]` on an `async fn` is an error: every `.await` may suspend.
#[proc_macro_attribute]
pub fn nowait(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    mark(Mark::NoWait, args.into(), item.into()).into()
}

/// A test that runs with a sleep token `cx`, as a program's `main` does:
/// `#[alloc_ctx::test]` is `#[test]` plus `#[may_sleep(entry)]`.
///
/// A test is one of the places where a sleep token may be created safely:
/// the harness runs it on a thread of its own, where no token is live.
/// Arguments are those of `#[may_sleep]` (`cx = name`, `crate = path`).
///
/// ```
/// #[alloc_ctx::test]
/// fn ring_grows() {
///     use alloc_ctx::{KVec, flags::GFP_KERNEL};
///     let mut ring = KVec::<u64>::new();
///     ring.push(1, GFP_KERNEL, cx).unwrap();
///     assert_eq!(ring.len(), 1);
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let args: TokenStream = args.into();
    let entry = quote::quote!(entry);
    let args = if args.is_empty() { entry } else { quote::quote!(entry, #args) };
    let item: TokenStream = item.into();
    // `#[test]` first: it is one of the attributes `valid` accepts as a
    // place that mints a token safely, and it stays on the function.
    let item = quote::quote!(#[::core::prelude::v1::test] #item);
    mark(Mark::MaySleep, args, item).into()
}

/// Leaves one method of a `#[may_sleep]` or `#[nowait]` `impl` or `trait`
/// block unmarked: it takes no token, like a plain function.
///
/// ```
/// use alloc_ctx::{KVec, flags::GFP_KERNEL, may_sleep, no_context};
///
/// struct Dev {
///     ring: KVec<u64>,
/// }
///
/// #[may_sleep]
/// impl Dev {
///     fn grow(&mut self, by: usize) -> Result<(), alloc_ctx::AllocError> {
///         self.ring.reserve(by, GFP_KERNEL, cx)
///     }
///
///     #[no_context]
///     fn len(&self) -> usize {
///         self.ring.len()
///     }
/// }
/// ```
///
/// Anywhere else it is an error: a function outside a marked block is
/// unmarked already.
#[proc_macro_attribute]
pub fn no_context(args: proc_macro::TokenStream, item: proc_macro::TokenStream) -> proc_macro::TokenStream {
    if args.to_string() == valid::IN_MARKED_BLOCK {
        // Handed back by a marked block: the method stays as written.
        return item;
    }
    no_context_alone(item.into()).into()
}

/// Both macros: parse, check, expand, and on any error emit the item with
/// every error next to it.
pub(crate) fn mark(mark: Mark, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut args = args::parse(args, &mut errors);
    valid::check_args(&mut args, &mut errors);
    let output = match Item::parse(item) {
        Item::Fn(mut function) => {
            let in_block = args.in_block.is_some();
            let plan = valid::check_function(mark, &args, &mut function, in_block, &mut errors);
            // A method whose block deferred its mark (`in_block`) gets what
            // it would have got from the block.
            let enclosing = args
                .in_block
                .as_ref()
                .map(|block| Enclosing { lifetimes: block.lifetimes.clone(), trait_rules: block.trait_rules })
                .unwrap_or_default();
            expand::function(mark, &args, function, &plan, &enclosing).into_iter().collect()
        }
        Item::Impl(mut block) => {
            refuse_entry_on_block(&mut args, &mut errors);
            let returns_impl =
                block.items.iter().any(|item| item.is_method && lifetimes::returns_impl(item.after_attrs()));
            lifetimes::name_block_lifetimes(&mut block.header, returns_impl);
            let trait_rules = block.header.trait_.is_some();
            let header = &mut block.header;
            mark_block(mark, &args, &mut header.attrs, &header.generics, trait_rules, &mut block.items, &mut errors);
            block.into_token_stream()
        }
        Item::Trait(mut block) => {
            refuse_entry_on_block(&mut args, &mut errors);
            let header = &mut block.header;
            mark_block(mark, &args, &mut header.attrs, &header.generics, true, &mut block.items, &mut errors);
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

/// `entry` on an `impl` or `trait` block is an error (it would make every
/// method an entry point); the block is expanded without it.
fn refuse_entry_on_block(args: &mut Args, errors: &mut Errors) {
    if let Some(entry) = args.entry.take() {
        errors.push(syn::Error::new(
            entry,
            "`entry` applies to a function (a program's `main`, a test, an interrupt handler), not to a block",
        ));
    }
}

/// An `impl` or `trait` block: the block's own further marks are
/// reported, and every method that takes the block's mark is expanded in
/// place. `trait_rules`: a trait or a trait impl (see [`Enclosing`]).
fn mark_block(
    mark: Mark,
    args: &Args,
    block_attrs: &mut Vec<syn::Attribute>,
    generics: &syn::Generics,
    trait_rules: bool,
    items: &mut [BlockItem],
    errors: &mut Errors,
) {
    valid::strip_other_marks(mark, block_attrs, errors);
    let enclosing =
        Enclosing { lifetimes: generics.lifetimes().map(|param| param.lifetime.clone()).collect(), trait_rules };
    for item in items.iter_mut().filter(|item| item.is_method) {
        // The common case, without syn: a method whose attributes are all
        // the compiler's inert ones (doc comments, `#[inline]`, lint
        // levels) takes the block's mark, as the checks below would decide.
        if let Some(mut function) = ast::Function::from_trees(&item.tokens) {
            if function.attrs.iter().all(valid::is_plainly_inert) {
                let plan = valid::check_function(mark, args, &mut function, true, errors);
                item.tokens = expand::function(mark, args, function, &plan, &enclosing);
                continue;
            }
        }
        // Otherwise only the attributes go through syn; the rest is read
        // like a function's, the body not at all.
        let Some((mut attrs, rest)) = item.split_attrs() else { continue };
        if !valid::takes_block_mark(mark, &mut attrs, errors) {
            // Its own mark, or `#[no_context]` (rewritten): the attributes
            // as the check left them.
            let mut tokens = TokenStream::new();
            for attr in &attrs {
                attr.to_tokens(&mut tokens);
            }
            tokens.extend(rest);
            item.tokens = tokens.into_iter().collect();
            continue;
        }
        if attrs.iter().any(valid::may_be_a_macro) {
            // An attribute that may be a macro, maybe a mark under another
            // name (`use alloc_ctx::nowait as atomic_context`): the mark is
            // handed to the method as its last attribute, so that the
            // compiler expands the others first and a mark among them,
            // whatever its name, wins (it drops this one).
            let attrs_end = item.tokens.len() - rest.clone().into_iter().count();
            let mut tokens: TokenStream = item.tokens[..attrs_end].iter().cloned().collect();
            tokens.extend(deferred_mark(mark, args, &enclosing));
            tokens.extend(rest);
            item.tokens = tokens.into_iter().collect();
            continue;
        }
        // Marked: the attributes are unchanged, and go back as written (not
        // as syn prints them). A method the light reader does not
        // understand (`default fn`) is left as written.
        if let Some(mut function) = ast::Function::from_trees(&item.tokens) {
            let plan = valid::check_function(mark, args, &mut function, true, errors);
            item.tokens = expand::function(mark, args, function, &plan, &enclosing);
        }
    }
}

/// The block's mark, as a method's own attribute: `#[::alloc_ctx::nowait(in_block
/// = "impl 'a", cx = …, crate = …, dyn)]`, the block's arguments along.
fn deferred_mark(mark: Mark, args: &args::Args, enclosing: &Enclosing) -> TokenStream {
    let krate = &args.krate;
    let name = proc_macro2::Ident::new(mark.name(), proc_macro2::Span::call_site());
    let in_block =
        args::InBlock { trait_rules: enclosing.trait_rules, lifetimes: enclosing.lifetimes.clone() }.encode();
    let mut arguments = quote::quote!(in_block = #in_block, crate = #krate);
    if args.cx_written {
        let cx = &args.cx;
        arguments.extend(quote::quote!(, cx = #cx));
    }
    if args.concrete.is_some() {
        arguments.extend(quote::quote!(, dyn));
    }
    quote::quote!(#[#krate::#name(#arguments)])
}

/// `#[no_context]` outside a marked block: the item as written, and an
/// error at the attribute.
fn no_context_alone(item: TokenStream) -> TokenStream {
    // Under another name inside a marked block, it finds the block's
    // deferred mark among the method's attributes: dropping that mark is
    // exactly what it means there.
    if let Item::Fn(mut function) = Item::parse(item.clone()) {
        let before = function.attrs.len();
        function.attrs.retain(|attr| !valid::is_deferred_block_mark(attr));
        if function.attrs.len() != before {
            return function.into_tokens();
        }
    }
    let mut errors = Errors::default();
    errors.push(syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[no_context]` only has meaning on a method inside a `#[may_sleep]` or `#[nowait]` `impl` or `trait` \
         block, where it leaves that method unmarked; elsewhere, leave the function unmarked",
    ));
    fallback::emit(item, &errors)
}
