//! Code generation: the token parameter, the prologue that turns whatever
//! token the caller passed into this function's own, the entry closures,
//! and the `# Context` doc section.
//!
//! ```text
//! #[may_sleep]                   fn probe(cx: &mut impl ::alloc_ctx::SleepToken, dev: &Dev) -> R {
//! fn probe(dev: &Dev) -> R {  =>     let cx = ::alloc_ctx::SleepToken::may_sleep(cx);
//!     body                           body
//! }                              }
//!
//! #[nowait]                      fn rx(cx: &mut impl ::alloc_ctx::Token, dev: &Dev) {
//! fn rx(dev: &Dev) {          =>     let cx = ::alloc_ctx::Token::nowait(cx);
//!     body                           let mark = ::alloc_ctx::__private::NoWaitMark::enter();
//! }                                  body
//!                                }
//!
//! #[may_sleep(entry)]            fn main() {
//! fn main() {                 =>     let entry = |cx: &mut ::alloc_ctx::MaySleep| { body };
//!     body                           unsafe { ::alloc_ctx::MaySleep::enter(entry) }
//! }                              }
//! ```
//!
//! The parameter is generic (`&mut impl SleepToken`), not the concrete token
//! type, because a trait bound is what lets rustc print the project's
//! message when a `NoWait` is passed (a type mismatch would be a bare
//! E0308). The conversion is an `#[inline(always)]` reborrow of a
//! zero-sized value: nothing of it is left in the machine code. The
//! `NoWaitMark` guard (it marks in alloc-ctx's debug builds) makes the runtime's
//! `might_sleep()` panic if the body reaches a sleeping entry point.
//!
//! An entry point's body runs in a closure handed to the public
//! `MaySleep::enter`/`NoWait::enter`, which performs the entry check: the
//! token is the closure's argument, so it cannot escape, and no hidden
//! constructor is needed. `MaySleep::enter` is `unsafe` (a sleep token
//! minted inside an atomic section would be one nothing freezes); the
//! macro calls it only where `valid` has checked that no token can be live.
//!
//! The reference parameter adds an input lifetime; [`crate::lifetimes`]
//! keeps elision and `impl Trait` captures as the user wrote them.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::quote_spanned;
use syn::{Ident, Lifetime};

use crate::args::{Args, Mark};
use crate::ast::{Attr, Body, Function};
use crate::lifetimes::{self, Scope};
use crate::tokens::{Tokens, lifetime_trees, path_trees};
use crate::valid::Plan;

/// What a marked block tells the expansion of its methods.
#[derive(Default)]
pub(crate) struct Enclosing {
    /// The lifetimes of the block's generics, in scope in every method (so
    /// captured by a returned `impl Trait`).
    pub(crate) lifetimes: Vec<Lifetime>,
    /// A trait or a trait impl: returned `impl Trait`s there capture
    /// everything by the trait rules, and are left alone.
    pub(crate) trait_rules: bool,
}

/// The span of every token the macros add to a function: its name's.
///
/// A span of the user's (not `Span::call_site()` or `Span::mixed_site()`,
/// which give each expansion a hygiene context of its own) keeps what the
/// macros add as stable as the function itself under incremental
/// compilation: rustc hashes a span relative to its item, so an edit that
/// moves the function leaves it alone, where tokens with a fresh context
/// made every edit that shifts byte positions check every marked function
/// again (BENCHMARKS.md, compile time). The name, because errors about the
/// added parameter or prologue then point at the function they belong to.
/// Names made this way are visible to the body as the user's are: the
/// token `cx` must be anyway, and the others have reserved prefixes
/// (`__alloc_ctx_`). One exception: the `impl` of a returned
/// `impl Trait` keeps the call site's edition ([`crate::lifetimes`]).
pub(crate) fn added_span(function: &Function) -> Span {
    function.sig.ident.span()
}

/// What the expansion of one function names, at [`added_span`]: the
/// runtime crate's path (parsed, and as the trees that start each path the
/// expansion writes) and the token's name (as the user wrote it, if they
/// did).
struct Added {
    span: Span,
    krate: syn::Path,
    krate_trees: Vec<TokenTree>,
    cx: Ident,
    /// The token's name as the function's name resolves, where that may
    /// differ from `cx` ([`token_span`]).
    cx_at_name: Option<Ident>,
}

impl Added {
    fn new(args: &Args, function: &Function) -> Added {
        let span = added_span(function);
        let mut krate = args.krate.clone();
        if let Some(colon) = &mut krate.leading_colon {
            colon.spans = [span, span];
        }
        for segment in krate.segments.iter_mut().filter(|segment| !names_a_crate_by_its_span(&segment.ident)) {
            segment.ident.set_span(span);
        }
        for colon in krate.segments.pairs_mut().filter_map(|pair| pair.into_tuple().1) {
            colon.spans = [span, span];
        }
        let cx = if args.cx_written { args.cx.clone() } else { Ident::new("cx", token_span(function)) };
        let by_a_macro = matches!(function.body, Body::Block { by_a_macro: true, .. });
        let cx_at_name = (by_a_macro && !args.cx_written).then(|| Ident::new("cx", span));
        let krate_trees = path_trees(&krate, span);
        Added { span, krate, krate_trees, cx, cx_at_name }
    }

    /// New trees at the added span.
    fn tokens(&self) -> Tokens {
        Tokens::new(self.span)
    }
}

/// The span of the token's default name `cx`: at the function's name, as
/// every added token ([`added_span`]), but resolved as the body's braces
/// are, so that the body sees it where the body was written. The two differ
/// in a `macro_rules!` that takes the function's name from its caller and
/// writes the body itself (`handler!(rx)` expanding to `#[nowait] fn
/// $name(..) { .. cx .. }`): the name is the caller's, the body's `cx`
/// the macro's. Where the braces may be a macro's and the statements the
/// caller's (`{ $($body)* }`), the token is also bound under the name's
/// resolution ([`Added::cx_at_name`], [`token_at_name`]). A declaration
/// without a body has only its name.
fn token_span(function: &Function) -> Span {
    let at_name = added_span(function);
    match &function.body {
        Body::Block { braces, .. } => at_name.resolved_at(*braces),
        Body::Semi(_) => at_name,
    }
}

/// `$crate` (in `crate = $crate::rt`, written by a `macro_rules!` of
/// another crate): it names its crate by its span, the macro's, which it
/// keeps.
fn names_a_crate_by_its_span(segment: &Ident) -> bool {
    segment == "$crate"
}

/// Rewrites one function according to `plan`.
pub(crate) fn function(
    mark: Mark,
    args: &Args,
    mut function: Function,
    plan: &Plan,
    enclosing: &Enclosing,
) -> Vec<TokenTree> {
    let added = Added::new(args, &function);
    // Read before the expansion adds attributes of its own (the mark
    // check has read the user's already).
    let user_allows: Vec<String> = function.attrs.iter().flat_map(Attr::allowed_lints).collect();
    function.attrs.push(context_doc(mark, &added, plan));
    if !plan.inject {
        return function.into_trees();
    }
    if plan.entry {
        // A function returning `()` ends the call with `;`: the call has
        // the user's span, so lints see it as the user's last statement
        // (`clippy::semicolon_if_nothing_returned`).
        let unit = !matches!(
            function.sig.output.first(),
            Some(proc_macro2::TokenTree::Punct(arrow)) if arrow.as_char() == '-'
        );
        let program_main = crate::valid::is_program_main(&function) && !crate::valid::is_test(&function);
        if let Body::Block { stmts, .. } = &mut function.body {
            let body = std::mem::take(stmts);
            *stmts = entry_body(mark, &added, body, program_main);
            if unit {
                let span = added.span;
                stmts.extend(quote_spanned!(span=> ;));
            }
        }
        return function.into_trees();
    }

    let has_body = function.body_is_block();
    let scope = Scope {
        captures: has_body && function.sig.asyncness.is_none() && !enclosing.trait_rules,
        outer: &enclosing.lifetimes,
        span: added.span,
    };
    let token_lifetime = lifetimes::rewrite(&mut function.sig, &added.krate, &scope);
    // The user's parameters, before the token's is added.
    let probes =
        if mark == Mark::NoWait && has_body && plan.probe { sleep_token_probes(&added, &function) } else { None };
    // The lints the expansion would raise as the user's (what it adds has
    // the user's spans, `added_span`).
    let mut lints = Vec::new();
    // Clippy's default limit, crossed only by the token parameter: the
    // function may have exactly that many once its `#[cfg]`-gated
    // parameters are in or out.
    let params = function.sig.params.list();
    let unconditional = params.iter().filter(|param| !crate::signature::is_cfg_gated(param)).count();
    if (unconditional..=params.len()).contains(&TOO_MANY_ARGUMENTS) {
        lints.push("clippy::too_many_arguments");
    }
    if function.sig.abi.is_some() {
        // The token is zero-sized; there is nothing for C to pass.
        lints.push("improper_ctypes_definitions");
    }
    if probes.is_some() {
        // Behind probes, the body is a block of its own (below). A body
        // that is one expression is then a block in a block, which rustc
        // would report as unnecessary braces.
        lints.push("unused_braces");
    }

    // The prologue's statements. A `const fn` gets no conversion and no
    // guard (neither is `const`), but its parameters are probed all the
    // same.
    let runs_code = function.sig.constness.is_none();
    let mut statements = added.tokens();
    if runs_code && !plan.concrete {
        conversion(mark, &added, &mut statements);
    }
    token_at_name(&added, &mut statements);
    let probes_emitted = probes.is_some();
    statements.trees(probes.into_iter().flatten());
    if runs_code && mark == Mark::NoWait {
        nowait_mark(&added, &mut statements);
    }
    let statements = statements.into_trees();
    if !probes_emitted && !statements.is_empty() && matches!(function.body, Body::Block { starts_with_item: true, .. })
    {
        // The statements come before the user's first item (behind probes,
        // the body is a block of its own, below).
        lints.push("clippy::items_after_statements");
    }
    add_token_parameter(mark, &added, &mut function, plan.concrete, token_lifetime.as_ref());

    let mut prologue = added.tokens();
    allow_lints(&added, &mut function, &lints, &user_allows, &mut prologue);
    prologue.trees(statements);
    if let Body::Block { stmts, braces, .. } = &mut function.body {
        // The body is not walked: its stream is passed on whole. Behind
        // probes, it is a block of its own: the probes name the
        // parameters' types as the signature does, and items or `use`s
        // declared in the body (`use std::fmt::*`, a local `type`) must
        // not change what those names mean to them.
        let body = std::mem::take(stmts);
        if probes_emitted {
            let mut block = proc_macro2::Group::new(Delimiter::Brace, body);
            block.set_span(*braces);
            prologue.trees([TokenTree::Group(block)]);
            *stmts = prologue.into_stream();
        } else {
            let mut joined = prologue.into_stream();
            joined.extend([body]);
            *stmts = joined;
        }
    }
    function.into_trees()
}

/// Clippy's default `too_many_arguments` limit is 7: a function with 7
/// parameters crosses it only because of the token parameter, and is
/// allowed it.
const TOO_MANY_ARGUMENTS: usize = 7;

/// The concrete token type of a mark.
fn token_type(mark: Mark, added: &Added) -> TokenStream {
    let (krate, span) = (&added.krate, added.span);
    match mark {
        Mark::MaySleep => quote_spanned!(span=> #krate::MaySleep),
        Mark::NoWait => quote_spanned!(span=> #krate::NoWait),
    }
}

/// Inserts `cx: &mut impl …Token` (or `&mut` the concrete type) right
/// after the receiver, so callers write `f(cx, args…)` / `dev.f(cx, args…)`.
fn add_token_parameter(
    mark: Mark,
    added: &Added,
    function: &mut Function,
    concrete: bool,
    lifetime: Option<&syn::Lifetime>,
) {
    let mut param = added.tokens();
    if concrete && function.body_is_block() {
        // A concrete token has no prologue that would use the parameter.
        allow(&mut param, false, &["unused_variables"]);
    }
    param.trees([TokenTree::Ident(added.cx.clone())]).op(":").op("&");
    if let Some(lifetime) = lifetime {
        param.trees(lifetime_trees(lifetime));
    }
    param.ident("mut");
    if !concrete {
        param.ident("impl");
    }
    let name = match (mark, concrete) {
        (Mark::MaySleep, true) => "MaySleep",
        (Mark::NoWait, true) => "NoWait",
        (Mark::MaySleep, false) => "SleepToken",
        (Mark::NoWait, false) => "Token",
    };
    param.path(&added.krate_trees, &[name]);
    let position = usize::from(function.sig.params.has_receiver());
    function.sig.params.insert(position, param.into_trees());
}

/// `let cx = <conversion>(cx);`: the function's own token, whatever the
/// caller passed. Without a written type (the trait method returns the
/// concrete token). With `#[allow(unused_variables)]`: the binding has the
/// user's span ([`added_span`]), so rustc lints it as the user's code, and
/// a body that makes no request must not warn
/// (`ui/pass/unused-token-no-warning.rs`).
fn conversion(mark: Mark, added: &Added, tokens: &mut Tokens) {
    let cx = TokenTree::Ident(added.cx.clone());
    let (conversion, method) = match mark {
        Mark::MaySleep => ("SleepToken", "may_sleep"),
        Mark::NoWait => ("Token", "nowait"),
    };
    allow(tokens, false, &["unused_variables"]);
    tokens.ident("let").trees([cx.clone()]).op("=").path(&added.krate_trees, &[conversion, method]);
    tokens.group(Delimiter::Parenthesis, |t| {
        t.trees([cx]);
    });
    tokens.op(";");
}

/// `let cx = &mut *cx;`, from the token as the body's braces see it to the
/// token as the function's name sees it, where the two may differ (a body
/// of a `macro_rules!`, [`token_span`]): statements of either see a token.
fn token_at_name(added: &Added, tokens: &mut Tokens) {
    let Some(at_name) = &added.cx_at_name else { return };
    allow(tokens, false, &["unused_variables"]);
    tokens
        .ident("let")
        .trees([TokenTree::Ident(at_name.clone())])
        .op("=")
        .op("&")
        .ident("mut")
        .op("*")
        .trees([TokenTree::Ident(added.cx.clone())]);
    tokens.op(";");
}

/// [`token_at_name`] as a stream of its own, for the entry forms' closure.
fn token_at_name_stream(added: &Added) -> TokenStream {
    let mut tokens = added.tokens();
    token_at_name(added, &mut tokens);
    tokens.into_stream()
}

/// Allows `lints` on the function, in one attribute, leaving out those the
/// user allows already (two would be clippy's `duplicated_attributes`).
/// Outer, beside the user's attributes, unless the body has inner
/// attributes: then inner, after them, at the start of `prologue`. An
/// `allow` of the other style than the user's would be clippy's
/// `mixed_attributes_style`.
fn allow_lints(added: &Added, function: &mut Function, lints: &[&str], user_allows: &[String], prologue: &mut Tokens) {
    let lints: Vec<&str> = lints.iter().copied().filter(|lint| !user_allows.iter().any(|done| done == lint)).collect();
    if lints.is_empty() {
        return;
    }
    if function.body_has_inner_attributes() {
        allow(prologue, true, &lints);
    } else {
        let mut inner = added.tokens();
        allow_list(&mut inner, &lints);
        function.attrs.push(Attr::from_inner(inner.into_stream(), added.span));
    }
}

/// `#[allow(lints…)]` (or `#![allow(lints…)]`).
fn allow(tokens: &mut Tokens, inner: bool, lints: &[&str]) {
    tokens.attribute(inner, |t| allow_list(t, lints));
}

/// `allow(lints…)`, each lint a path (`unused_braces`,
/// `clippy::too_many_arguments`).
fn allow_list(tokens: &mut Tokens, lints: &[&str]) {
    tokens.ident("allow").group(Delimiter::Parenthesis, |t| {
        for (index, lint) in lints.iter().enumerate() {
            if index > 0 {
                t.op(",");
            }
            for (depth, segment) in lint.split("::").enumerate() {
                if depth > 0 {
                    t.op("::");
                }
                t.ident(segment);
            }
        }
    });
}

/// A `#[nowait]` function cannot take a sleep token, under whatever name
/// (`use alloc_ctx::MaySleep as Process`, `type Ctx<'a> = &'a mut
/// MaySleep`), as a receiver (`&mut self` of a trait implemented for
/// `MaySleep`) or a parameter: one probe per parameter asks the type
/// checker whether its type is a sleep token
/// (`__private::ParamProbe::<T>::ALLOC_CTX_VERDICT`: an inherent constant that exists
/// only for sleep tokens is preferred over the trait's one every type has),
/// and the answer for a sleep token fails a bound whose message says so, at
/// the parameter. A generic type is refused where its bounds imply
/// `SleepToken` (the runtime makes `HoldsSleepToken` its supertrait). What
/// is asked about, by type or by value, is [`crate::signature::Params::probed_types`]'s: a
/// value probe (`ParamProbe::of(&x).alloc_ctx_verdict_of()`) makes the
/// same inherent-before-trait choice through method lookup.
fn sleep_token_probes(added: &Added, function: &Function) -> Option<Vec<TokenTree>> {
    let mut types = function.sig.params.probed_types();
    if function.sig.constness.is_some() {
        // A trait's method is not callable in a `const fn`: its value
        // probes are left out (its type probes stay).
        types.retain(|probed| probed.by_value.is_none());
    }
    if types.is_empty() {
        return None;
    }
    let mut block = added.tokens();
    block.group(Delimiter::Brace, |t| {
        allow(t, false, &["unused_imports"]);
        t.ident("use").path(&added.krate_trees, &["__private", "ProbeOther"]).ident("as").ident("_").op(";");
        for probed in types {
            // At the parameter: an error points there.
            let mut probe = Tokens::new(probed.span);
            // The parameter's own attributes go along: a `#[cfg]`-gated
            // parameter is probed only where it exists, and its lint
            // levels hold for its probe.
            probe.trees(probed.attrs);
            match probed.by_value {
                None => {
                    probe.path(&added.krate_trees, &["__private", "ParamProbe"]).op("::").op("<").trees(probed.ty);
                    probe.op(">").op("::").ident("ALLOC_CTX_VERDICT");
                }
                Some(name) => {
                    if name.to_string().starts_with('_') {
                        // The user's name for "unused"; the probe uses it.
                        allow(&mut probe, false, &["clippy::used_underscore_binding"]);
                    }
                    probe.path(&added.krate_trees, &["__private", "ParamProbe", "of"]);
                    probe.group(Delimiter::Parenthesis, |t| {
                        t.op("&").trees([TokenTree::Ident(name)]);
                        for field in &probed.fields {
                            t.op(".").trees([TokenTree::Literal(proc_macro2::Literal::usize_unsuffixed(*field))]);
                        }
                    });
                    probe.op(".").ident("alloc_ctx_verdict_of").group(Delimiter::Parenthesis, |_| {});
                }
            }
            probe.op(".").ident("verdict").group(Delimiter::Parenthesis, |_| {}).op(";");
            t.trees(probe.into_trees());
        }
    });
    Some(block.into_trees())
}

/// The guard of a `#[nowait]` body: while it lives (in debug builds), the
/// runtime's `might_sleep()` panics.
fn nowait_mark(added: &Added, tokens: &mut Tokens) {
    // A reserved name rather than mixed-site hygiene ([`added_span`]); the
    // leading underscores keep it out of the unused-variable lint. Whether
    // it marks is alloc-ctx's build setting (its debug builds), so no
    // `#[cfg]` here.
    tokens.ident("let").ident("__alloc_ctx_nowait_mark").op("=");
    tokens
        .path(&added.krate_trees, &["__private", "NoWaitMark", "enter"])
        .group(Delimiter::Parenthesis, |_| {})
        .op(";");
}

/// The entry form: the body runs in a closure that the runtime calls with
/// the token. `return` and `?` in the body keep their meaning: the closure
/// returns what the function returns.
///
/// * `#[may_sleep(entry)]` mints a sleep token, which is sound only where no
///   token of the thread can be live (a program's `main`, a test: checked in
///   `valid`). The closure is bound outside the `unsafe` block that calls
///   the `unsafe` `MaySleep::enter`, so the user's body gets no `unsafe`
///   context from it. The `unsafe` block keeps the call site's span, the
///   macro's: a crate that forbids `unsafe_code` may still have a `main`.
/// * `#[nowait(entry)]` runs the body as an atomic section through
///   `NoWait::enter`, whose `Send` bound is the model of an interrupt entry
///   point: the body is a `move` closure over the function's parameters, so
///   anything it uses that could be or reach the interrupted context's sleep
///   token (a `&mut MaySleep` receiver, a generic bounded by a token trait,
///   a closure that captured `cx`: none of them `Send`) is refused by type,
///   whatever it is called.
fn entry_body(mark: Mark, added: &Added, body: TokenStream, program_main: bool) -> TokenStream {
    let (cx, span) = (&added.cx, added.span);
    let token = token_type(mark, added);
    match mark {
        Mark::MaySleep => {
            let entry = Ident::new("__alloc_ctx_entry", span);
            // `main` must be the program's: the function this body belongs
            // to (`main`, looked up from inside it) and `crate::main` must
            // be one function item, or their types differ. A `main` in a
            // module, in an `impl` or nested in another function (which
            // could be called from inside an atomic section) is refused.
            let is_the_programs_main = program_main.then(|| {
                quote_spanned! {span=>
                    {
                        fn __alloc_ctx_entry_main_must_be_the_programs_main<F>(_this_main: F, _crate_main: F) {}
                        __alloc_ctx_entry_main_must_be_the_programs_main(main, crate::main);
                    }
                }
            });
            let call = quote::quote! {
                // SAFETY: the entry point of a program's `main` or a test,
                // where no token of this thread is live (checked by the
                // macro); `enter` also checks the context at run time.
                #[allow(unused_unsafe)]
                unsafe { #token::enter(#entry) }
            };
            // The body is interpolated, so it keeps its own spans.
            let at_name = token_at_name_stream(added);
            quote_spanned! {span=>
                #is_the_programs_main
                let #entry = |#[allow(unused_variables)] #cx: &mut #token| { #at_name #body };
                #call
            }
        }
        // The call site's span (the attribute's), as the `unsafe` block
        // above: a handler's `Send` error then points at `#[nowait(entry)]`
        // rather than at the function's name (where rustc would suggest
        // calling it). Entry points are few; incremental cost is the
        // marked functions', not theirs.
        //
        // The `Send` bound is also asserted here, from `core`, so that it
        // holds whatever runtime `crate = path` names.
        Mark::NoWait => {
            let at_name = token_at_name_stream(added);
            quote::quote! {
                #token::enter({
                    fn __alloc_ctx_handler_is_send<F: ::core::marker::Send>(handler: F) -> F {
                        handler
                    }
                    __alloc_ctx_handler_is_send(move |#[allow(unused_variables)] #cx: &mut #token| { #at_name #body })
                })
            }
        }
    }
}

/// The kernel-doc style `# Context` section, for rustdoc only:
/// `#[cfg_attr(doc, doc = <runtime>::__private::context_doc!(<kind>, cx))]`.
///
/// Under `cfg_attr(doc, …)` because a check or a build never reads it, and
/// a doc string on every marked function was a measurable part of
/// `cargo check` (its literal escaped by the macro, lexed, unescaped and
/// hashed by rustc: BENCHMARKS.md, compile time). The text is the
/// runtime's (`context_doc!`, which `concat!`s the token's name in), so the
/// macro builds a dozen short tokens, not a long literal.
fn context_doc(mark: Mark, added: &Added, plan: &Plan) -> Attr {
    let kind = match (mark, plan.entry) {
        (Mark::NoWait, false) if plan.concrete => "nowait_dyn",
        (Mark::MaySleep, false) => "may_sleep",
        (Mark::MaySleep, true) => "may_sleep_entry",
        (Mark::NoWait, false) => "nowait",
        (Mark::NoWait, true) => "nowait_entry",
    };
    let mut inner = added.tokens();
    inner.ident("cfg_attr").group(Delimiter::Parenthesis, |t| {
        t.ident("doc").op(",").ident("doc").op("=").path(&added.krate_trees, &["__private", "context_doc"]).op("!");
        t.group(Delimiter::Parenthesis, |t| {
            t.ident(kind).op(",").trees([TokenTree::Ident(added.cx.clone())]);
        });
    });
    Attr::from_inner(inner.into_stream(), added.span)
}
