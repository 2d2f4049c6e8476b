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
//!     body                           #[cfg(debug_assertions)] let mark = ::alloc_ctx::__private::NoWaitMark::enter();
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
//! `NoWaitMark` guard (debug builds only) makes the runtime's
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

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Ident, Lifetime};

use crate::args::{Args, Mark};
use crate::ast::{Attr, Body, Function};
use crate::lifetimes::{self, Scope};
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

/// Rewrites one function according to `plan`.
pub(crate) fn function(
    mark: Mark,
    args: &Args,
    mut function: Function,
    plan: &Plan,
    enclosing: &Enclosing,
) -> TokenStream {
    function.attrs.push(context_doc(mark, args, plan));
    if !plan.inject {
        return function.into_token_stream();
    }
    let krate = &args.krate;
    let cx = &args.cx;
    if plan.entry {
        if let Body::Block { stmts, .. } = &mut function.body {
            let body = std::mem::take(stmts);
            *stmts = entry_body(mark, krate, cx, body);
        }
        return function.into_token_stream();
    }

    let has_body = function.body_is_block();
    let scope = Scope {
        captures: has_body && function.sig.asyncness.is_none() && !enclosing.trait_rules,
        outer: &enclosing.lifetimes,
    };
    let token_lifetime = lifetimes::rewrite(&mut function.sig, krate, &scope);
    add_token_parameter(mark, args, &mut function, plan.concrete, token_lifetime.as_ref());
    if function.sig.abi.is_some() {
        // The token is zero-sized; there is nothing for C to pass.
        function.attrs.push(Attr::from_inner(quote!(allow(improper_ctypes_definitions))));
    }

    let mut prologue = TokenStream::new();
    if function.sig.constness.is_none() {
        if !plan.concrete {
            prologue.extend(conversion(mark, args));
        }
        if mark == Mark::NoWait {
            prologue.extend(sleep_token_probes(krate, cx, &function));
            prologue.extend(nowait_mark(krate));
        }
    }
    if let Body::Block { stmts, .. } = &mut function.body {
        // Two streams joined: the body is not walked.
        prologue.extend([std::mem::take(stmts)]);
        *stmts = prologue;
    }
    function.into_token_stream()
}

/// The concrete token type of a mark.
fn token_type(mark: Mark, krate: &syn::Path) -> TokenStream {
    match mark {
        Mark::MaySleep => quote!(#krate::MaySleep),
        Mark::NoWait => quote!(#krate::NoWait),
    }
}

/// Inserts `cx: &mut impl …Token` (or `&mut` the concrete type) right
/// after the receiver, so callers write `f(cx, args…)` / `dev.f(cx, args…)`.
fn add_token_parameter(
    mark: Mark,
    args: &Args,
    function: &mut Function,
    concrete: bool,
    lifetime: Option<&syn::Lifetime>,
) {
    let krate = &args.krate;
    let cx = &args.cx;
    let ty = if concrete {
        token_type(mark, krate)
    } else {
        match mark {
            Mark::MaySleep => quote!(impl #krate::SleepToken),
            Mark::NoWait => quote!(impl #krate::Token),
        }
    };
    // A concrete token has no prologue that would use the parameter.
    let allow = (concrete && function.body_is_block()).then(|| quote!(#[allow(unused_variables)]));
    let position = usize::from(function.sig.params.has_receiver());
    function.sig.params.insert(position, quote!(#allow #cx: & #lifetime mut #ty));
}

/// `let cx = <conversion>(cx);`: the function's own token, whatever the
/// caller passed. Without a written type (the trait method returns the
/// concrete token), and without `#[allow(unused_variables)]` unless the
/// user named the token: rustc does not lint a binding the macro made
/// (call-site span) for being unused, but one named with the user's
/// `cx = name` is the user's (`ui/pass/unused-token-no-warning.rs`). Both
/// cost something in every marked function on every `cargo check`
/// (BENCHMARKS.md, item 5).
fn conversion(mark: Mark, args: &Args) -> TokenStream {
    let krate = &args.krate;
    let cx = &args.cx;
    let allow = args.cx_written.then(|| quote!(#[allow(unused_variables)]));
    match mark {
        Mark::MaySleep => quote! {
            #allow
            let #cx = #krate::SleepToken::may_sleep(#cx);
        },
        Mark::NoWait => quote! {
            #allow
            let #cx = #krate::Token::nowait(#cx);
        },
    }
}

/// A `#[nowait]` function cannot take a sleep token, under whatever name
/// (`use alloc_ctx::MaySleep as Process`), as a receiver (`&mut self` of a
/// trait implemented for `MaySleep`) or a parameter: one probe per
/// parameter asks the type checker whether its type is a sleep token
/// (`__private::ParamProbe`: a trait method that exists only for sleep
/// tokens is preferred over the one every type has), and the answer for a
/// sleep token fails a bound whose message says so, at the parameter.
/// Generic and `impl Trait` parameters are left to their bounds (the
/// caller picks their type; `valid` refuses sleep-token bounds by name).
fn sleep_token_probes(krate: &syn::Path, cx: &Ident, function: &Function) -> TokenStream {
    let bindings: Vec<Ident> = function
        .sig
        .params
        .simple_bindings()
        .into_iter()
        .filter(|(name, is_impl)| !is_impl && name != cx)
        .map(|(name, _)| name)
        .collect();
    if bindings.is_empty() {
        return TokenStream::new();
    }
    let probes = bindings.iter().map(|name| {
        quote::quote_spanned! {name.span()=>
            (&#krate::__private::ParamProbe(&#name)).probe().verdict();
        }
    });
    quote! {
        {
            #[allow(unused_imports)]
            use #krate::__private::{ProbeOther as _, ProbeSleepToken as _};
            #(#probes)*
        }
    }
}

/// The debug-build guard of a `#[nowait]` body: while it lives, the
/// runtime's `might_sleep()` panics.
fn nowait_mark(krate: &syn::Path) -> TokenStream {
    // Mixed-site hygiene: the user's body cannot see or clash with it.
    let guard = Ident::new("__alloc_ctx_nowait_mark", Span::mixed_site());
    quote! {
        #[cfg(debug_assertions)]
        let #guard = #krate::__private::NoWaitMark::enter();
    }
}

/// The entry form: the body runs in a closure that the runtime calls with
/// the token. `return` and `?` in the body keep their meaning: the closure
/// returns what the function returns.
///
/// * `#[may_sleep(entry)]` mints a sleep token, which is sound only where no
///   token of the thread can be live (a program's `main`, a test: checked in
///   `valid`). The closure is bound outside the `unsafe` block that calls
///   the `unsafe` `MaySleep::enter`, so the user's body gets no `unsafe`
///   context from it.
/// * `#[nowait(entry)]` runs the body as an atomic section through
///   `NoWait::enter`, whose `Send` bound is the model of an interrupt entry
///   point: the body is a `move` closure over the function's parameters, so
///   anything it uses that could be or reach the interrupted context's sleep
///   token (a `&mut MaySleep` receiver, a generic bounded by a token trait,
///   a closure that captured `cx`: none of them `Send`) is refused by type,
///   whatever it is called.
fn entry_body(mark: Mark, krate: &syn::Path, cx: &Ident, body: TokenStream) -> TokenStream {
    let token = token_type(mark, krate);
    match mark {
        Mark::MaySleep => {
            let entry = Ident::new("__alloc_ctx_entry", Span::mixed_site());
            quote! {
                let #entry = |#[allow(unused_variables)] #cx: &mut #token| { #body };
                // SAFETY: an entry point of a program's `main` or a test,
                // where no token of this thread is live (checked by the
                // macro); `enter` also checks the context at run time.
                #[allow(unused_unsafe)]
                unsafe { #token::enter(#entry) }
            }
        }
        Mark::NoWait => quote! {
            #token::enter(move |#[allow(unused_variables)] #cx: &mut #token| { #body })
        },
    }
}

/// The kernel-doc style `# Context` section.
fn context_doc(mark: Mark, args: &Args, plan: &Plan) -> Attr {
    let cx = &args.cx;
    let text = match (mark, plan.entry) {
        (Mark::NoWait, false) if plan.concrete => format!(
            "Does not sleep; callable from atomic context. Takes a token `{cx}: &mut NoWait` (sleepable code \
             passes its `&mut MaySleep` as it is: it dereferences to a `&mut NoWait`)."
        ),
        (Mark::MaySleep, false) => format!(
            "May sleep. Takes the caller's sleep token `{cx}` (`&mut MaySleep`): callable only where sleeping \
             is allowed, never from a `#[nowait]` function or an atomic section."
        ),
        (Mark::MaySleep, true) => "May sleep. Entry point (a program's `main` or a test): creates the thread's \
             first sleep token, after checking at run time that the thread is not in an atomic section (it \
             panics there, like the kernel's `might_sleep()`)."
            .to_owned(),
        (Mark::NoWait, false) => format!(
            "Does not sleep; callable from atomic context. Takes any token `{cx}` (`&mut NoWait` or \
             `&mut MaySleep`); inside, it is a `&mut NoWait`."
        ),
        (Mark::NoWait, true) => "Does not sleep; callable from atomic context. Entry point (an interrupt handler, \
             a callback under a lock): runs in `NoWait::enter`, as an atomic section with its own `NoWait` token; \
             its arguments must be `Send`, so none of them can carry the interrupted context's sleep token."
            .to_owned(),
    };
    // One attribute (rustdoc joins doc attributes with newlines anyway).
    Attr::doc(&format!("\n # Context\n\n {text}"))
}
