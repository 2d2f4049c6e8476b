//! Semantic checks. Each records its error (spanned on the offending
//! tokens) and returns what expansion can still safely do, so the user's
//! item is always emitted and one mistake gives one error.

use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::Attribute;

use crate::args::{Args, Mark};
use crate::ast::{self, Body, Function};
use crate::errors::Errors;

/// What expansion does to one function.
pub(crate) struct Plan {
    /// Add the token parameter / entry prologue. False when the user
    /// already has a binding of that name (injecting would only add a
    /// second, confusing error).
    pub(crate) inject: bool,
    /// Entry form: run the body in a closure that gets the token.
    pub(crate) entry: bool,
    /// Take the concrete token type instead of `&mut impl …Token`.
    pub(crate) concrete: bool,
    /// Probe the parameters of a `#[nowait]` function. Not when the macro
    /// has refused a sleep token by name already: the probe would repeat
    /// that error at the parameter.
    pub(crate) probe: bool,
}

/// Checks that concern the arguments alone.
pub(crate) fn check_args(args: &mut Args, errors: &mut Errors) {
    if let (Some(_), Some(concrete)) = (args.entry, args.concrete) {
        errors.push(syn::Error::new(
            concrete,
            "`dyn` and `entry` cannot be combined: an entry point takes no token parameter to make concrete",
        ));
        args.concrete = None;
    }
}

/// An attribute as the checks see it: syn's (in `impl` and `trait`
/// blocks) or a function's, read at the token level.
pub(crate) trait NamedAttr: ToTokens {
    /// The last segment of its path, so that `#[nowait]`,
    /// `#[alloc_ctx::nowait]` and re-exports all count.
    fn last_segment(&self) -> Option<Ident>;
}

impl NamedAttr for Attribute {
    fn last_segment(&self) -> Option<Ident> {
        self.path().segments.last().map(|segment| segment.ident.clone())
    }
}

impl NamedAttr for ast::Attr {
    fn last_segment(&self) -> Option<Ident> {
        ast::Attr::last_segment(self)
    }
}

/// Whether `attr` is one of the two marks.
pub(crate) fn mark_of(attr: &impl NamedAttr) -> Option<Mark> {
    Mark::named(&attr.last_segment()?)
}

/// Whether `attr` is `#[no_context]`.
pub(crate) fn is_no_context(attr: &impl NamedAttr) -> bool {
    attr.last_segment().is_some_and(|last| last == "no_context")
}

/// The argument with which a marked block hands `#[no_context]` back to
/// its own macro, which then emits the method unchanged. The attribute is
/// kept (rather than removed) so that the user's `use … no_context` import
/// is used.
pub(crate) const IN_MARKED_BLOCK: &str = "in_marked_block";

/// Whether a method of a block marked `mark` takes the block's mark. Not
/// if it has its own mark (which expands by itself) or opts out with
/// `#[no_context]`, which becomes `#[no_context(in_marked_block)]` here (on
/// its own it is an error).
pub(crate) fn takes_block_mark(mark: Mark, attrs: &mut Vec<Attribute>, errors: &mut Errors) -> bool {
    let own_mark = attrs.iter().any(|attr| mark_of(attr).is_some());
    let mut opted_out = false;
    for attr in attrs.iter_mut().filter(|attr| is_no_context(&**attr) && !own_mark) {
        let path = attr.path().clone();
        let argument = proc_macro2::Ident::new(IN_MARKED_BLOCK, proc_macro2::Span::call_site());
        attr.meta = syn::parse_quote!(#path(#argument));
        opted_out = true;
    }
    attrs.retain(|attr| {
        if !is_no_context(attr) || !own_mark {
            return true;
        }
        {
            errors.error(
                attr,
                format!(
                    "`#[no_context]` and a mark on one method: `#[no_context]` leaves a method of the \
                     `#[{}]` block unmarked, its own mark gives it a context; keep one",
                    mark.name()
                ),
            );
        }
        false
    });
    !own_mark && !opted_out
}

/// Whether an attribute of a method in a marked block may be an attribute
/// macro (a mark under another name among them): anything but the
/// compiler's inert attributes and the tool attributes. Such a method gets
/// the block's mark deferred (see `mark_block`).
pub(crate) fn may_be_a_macro(attr: &Attribute) -> bool {
    const TOOLS: [&str; 3] = ["rustfmt", "clippy", "diagnostic"];
    let path = attr.path();
    match path.segments.first() {
        Some(first) if path.segments.len() > 1 => !TOOLS.iter().any(|tool| first.ident == tool),
        Some(only) => !INERT.iter().any(|name| only.ident == name),
        None => false,
    }
}

/// Whether a method's attribute is one of the compiler's inert attributes
/// with a one-segment path (`#[doc]`, `#[inline]`, `#[allow(…)]`), but not
/// `#[no_context]`: such an attribute is neither a mark nor a macro, so
/// [`takes_block_mark`] would keep it and [`may_be_a_macro`] would say no.
/// Read at the token level, for the common case of a block's method.
pub(crate) fn is_plainly_inert(attr: &ast::Attr) -> bool {
    attr.single_name().is_some_and(|name| name != "no_context" && INERT.contains(&name))
}

/// The compiler's inert attributes (and `#[no_context]`), by name. Not
/// `cfg_attr`: what it expands to may be a mark (`#[cfg_attr(feature =
/// "irq", nowait)]` on a method of a `#[may_sleep]` block) or another
/// macro, so a method with one gets the block's mark deferred, and a mark
/// it turns into wins.
const INERT: [&str; 21] = [
    "doc",
    "inline",
    "cold",
    "must_use",
    "track_caller",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "cfg",
    "deprecated",
    "no_mangle",
    "export_name",
    "link_section",
    "target_feature",
    "automatically_derived",
    "instruction_set",
    "optimize",
    "coverage",
    "no_context",
];

/// Whether an attribute is a block's deferred mark (`in_block = …`).
pub(crate) fn is_deferred_block_mark(attr: &impl NamedAttr) -> bool {
    fn mentions_in_block(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Ident(ident) => ident == "in_block",
            TokenTree::Group(group) => mentions_in_block(group.stream()),
            _ => false,
        })
    }
    mentions_in_block(attr.to_token_stream())
}

/// Removes further marks from the item's attributes, reporting each: the
/// item gets exactly one context. A block's deferred mark is dropped
/// without a word: the item's own mark wins over its block's.
pub(crate) fn strip_other_marks(mark: Mark, attrs: &mut Vec<impl NamedAttr>, errors: &mut Errors) {
    attrs.retain(|attr| match mark_of(attr) {
        None => true,
        Some(_) if is_deferred_block_mark(attr) => false,
        Some(other) if other == mark => {
            errors.error(attr, format!("`#[{}]` is given twice on this item", mark.name()));
            false
        }
        Some(other) => {
            errors.error(
                attr,
                format!(
                    "`#[{}]` and `#[{}]` on one item: a function either may sleep or must not; keep one",
                    mark.name(),
                    other.name()
                ),
            );
            false
        }
    });
}

/// Checks one function and decides how to expand it.
/// `in_block`: a method of a marked block (never the program's `main`).
pub(crate) fn check_function(
    mark: Mark,
    args: &Args,
    function: &mut Function,
    in_block: bool,
    errors: &mut Errors,
) -> Plan {
    strip_other_marks(mark, &mut function.attrs, errors);
    let sig = &function.sig;
    let mut plan = Plan { inject: true, entry: args.entry.is_some(), concrete: args.concrete.is_some(), probe: true };

    if mark == Mark::NoWait && !plan.entry {
        // The parameters, the generics and the `where` clause: a sleep
        // token may come in as `&mut MaySleep` or as `T: SleepToken`. (The
        // entry form refuses them by type: its body is a `Send` section.)
        let where_clause = sig
            .output
            .iter()
            .position(|token| matches!(token, TokenTree::Ident(i) if i == "where"))
            .unwrap_or(sig.output.len());
        let header = [&sig.generics[..], &sig.output[where_clause..]];
        let mut places = sig.params.list().iter().map(Vec::as_slice).chain(header);
        if let Some(sleep_token) = places.find_map(names_sleep_token) {
            errors.error(
                &sleep_token,
                "a `#[nowait]` function cannot take a sleep token: it must be callable from atomic context, \
                 where no sleep token may be used; take the work that sleeps out of it, or mark it `#[may_sleep]`",
            );
            plan.probe = false;
        }
    }

    if let (Mark::NoWait, Some(asyncness)) = (mark, &sig.asyncness) {
        errors.error(
            asyncness,
            "`#[nowait]` cannot be used on an `async fn`: an async function may be suspended at any `.await`, \
             which is a sleep; mark it `#[may_sleep]`, or make it a plain `fn`",
        );
    }

    if plan.entry {
        if let Some(asyncness) = &sig.asyncness {
            // `#[nowait]` on an `async fn` was reported above.
            if mark == Mark::MaySleep {
                errors.error(
                    asyncness,
                    "`#[may_sleep(entry)]` cannot be used on an `async fn`: the body would run inside \
                     `MaySleep::enter(|cx| …)`, a closure that an `.await` cannot suspend; mark the `async fn` \
                     `#[may_sleep]` and call it from a plain `#[may_sleep(entry)]` function",
                );
            }
            plan.entry = false;
        }
        if let Body::Semi(semi) = &function.body {
            errors.error(
                semi,
                format!("`#[{}(entry)]` needs a function body: an entry point creates its token inside", mark.name()),
            );
            plan.entry = false;
        }
        if let Some(constness) = &sig.constness {
            errors.error(
                constness,
                format!("`#[{}(entry)]` cannot be used on a `const fn`: the entry check runs at run time", mark.name()),
            );
            plan.entry = false;
        }
    }

    if let (Mark::MaySleep, true, Some(entry)) = (mark, plan.entry, args.entry) {
        if !mints_safely(function) {
            // Still expanded as an entry (the error is the one to fix).
            errors.push(syn::Error::new(
                entry,
                "`#[may_sleep(entry)]` creates a sleep token, which is safe only where no token of the thread can \
                 be live: a program's `main` (without parameters) or a test (`#[alloc_ctx::test]`); anywhere else \
                 it could run inside an atomic section and hand out a token that nothing freezes. Fix: take the caller's token (`#[may_sleep]`); start a thread with `alloc_ctx::thread::spawn` or \
                 queue a work item, which hand out their own token; or, in glue that knows its context, call \
                 `unsafe { MaySleep::enter(..) }` under its safety contract",
            ));
        }
    }

    // A program's `main` is private and no method; a `pub fn main` or a
    // method is some module's function of that name (a worker's), marked
    // as any other.
    if args.entry.is_none()
        && sig.ident == "main"
        && !in_block
        && function.is_private()
        && sig.params.list().is_empty()
        && sig.asyncness.is_none()
        && function.body_is_block()
    {
        // A token parameter would only add rustc's "`main` function has
        // wrong type"; say what to write instead and expand as an entry.
        errors.error(
            &sig.ident,
            format!(
                "`main` cannot take a context token: write `#[{}(entry)]`, which creates the token inside",
                mark.name()
            ),
        );
        plan.entry = true;
        plan.concrete = false;
    }

    // The entry form has no token parameter, but its body runs in a closure
    // whose parameter is the token: a parameter of that name would be
    // shadowed (RTIC's `fn handler(cx: Context)`), so it clashes too.
    if let Some(clash) = sig.params.binding_named(&args.cx) {
        let (form, does, entry) = if plan.entry { ("(entry)", "creates", "entry, ") } else { ("", "adds", "") };
        errors.error(
            &clash,
            format!(
                "parameter `{cx}` clashes with the context token that `#[{mark}{form}]` {does} as `{cx}`; \
                 rename the parameter, or name the token differently: `#[{mark}({entry}cx = ctx)]`",
                cx = args.cx,
                mark = mark.name(),
            ),
        );
        plan.inject = false;
    }

    // A `const fn` cannot call the conversion traits, an `extern` ABI
    // cannot be generic in a useful way, and an exported symbol must not
    // be generic (rustc's `no_mangle_generic_items`): all take the
    // concrete type.
    if sig.constness.is_some() || sig.abi.is_some() || function.attrs.iter().any(ast::Attr::exports_symbol) {
        plan.concrete = true;
    }
    plan
}

/// Whether a `#[may_sleep(entry)]` function is a place where a sleep token
/// may be minted safely: no token of the thread can be live when it runs.
/// That is a program's `main` (no parameters: nothing of a caller comes in)
/// and a test (the harness calls it on a fresh thread). Calling `main`
/// again from inside an atomic section is left to the run-time check.
fn mints_safely(function: &Function) -> bool {
    is_program_main(function) || is_test(function)
}

/// A parameterless, non-generic function named `main`. That it is the
/// program's `main` (not one in a module, an `impl` or a function body) is
/// checked by type in the expansion (`expand::entry_body`).
pub(crate) fn is_program_main(function: &Function) -> bool {
    let sig = &function.sig;
    sig.ident == "main" && sig.params.list().is_empty() && sig.generics.is_empty()
}

/// Whether the function carries the standard `#[test]` attribute (as
/// written, or as `#[alloc_ctx::test]` writes it), not merely an attribute
/// whose last segment is `test` (`#[rustfmt::test]` is not a test).
pub(crate) fn is_test(function: &Function) -> bool {
    const TEST_PATHS: [&str; 5] = [
        "test",
        "::core::prelude::v1::test",
        "core::prelude::v1::test",
        "::std::prelude::v1::test",
        "std::prelude::v1::test",
    ];
    function.attrs.iter().any(|attr| {
        let tokens: Vec<TokenTree> = attr.to_token_stream().into_iter().collect();
        let Some(TokenTree::Group(brackets)) = tokens.last() else { return false };
        let path: String = brackets.stream().into_iter().map(|token| token.to_string()).collect();
        TEST_PATHS.contains(&path.as_str())
    })
}

/// The first `MaySleep` or `SleepToken` named in `tokens`, at any depth: a
/// sleep token handed to a `#[nowait]` function would let it sleep where
/// its callers must not. The arguments of `Fn(…)`-style bounds (and
/// `AsyncFn(…)`) and `fn(…)` pointers are skipped: a callback that will be
/// given a sleep token later (deferred work) is not one. A sleep token behind a type alias or inside
/// a user type is out of sight here; the run-time check catches its
/// sleeping requests.
fn names_sleep_token(tokens: &[TokenTree]) -> Option<proc_macro2::Ident> {
    let mut previous_is_fn = false;
    for token in tokens {
        // An identifier's text is read once (each read is a copy out of
        // the compiler's interner).
        let mut is_fn = false;
        match token {
            TokenTree::Ident(ident) => match ident.to_string().as_str() {
                "MaySleep" | "SleepToken" | "MutexContext" => return Some(ident.clone()),
                "Fn" | "FnMut" | "FnOnce" | "AsyncFn" | "AsyncFnMut" | "AsyncFnOnce" | "fn" => is_fn = true,
                _ => {}
            },
            TokenTree::Group(group)
                if !(previous_is_fn && group.delimiter() == proc_macro2::Delimiter::Parenthesis) =>
            {
                if let Some(found) = names_sleep_token(&group.stream().into_iter().collect::<Vec<_>>()) {
                    return Some(found);
                }
            }
            _ => {}
        }
        previous_is_fn = is_fn;
    }
    None
}
