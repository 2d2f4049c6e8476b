//! Code generation: the token parameter, the prologue that turns whatever
//! token the caller passed into this function's own, and the `# Context`
//! doc section.
//!
//! ```text
//! #[may_sleep]                      fn probe(dev: &Dev, cx: impl ::alloc_ctx::SleepContext) -> R {
//! fn probe(dev: &Dev) -> R {   =>       let mut cx: ::alloc_ctx::MaySleep<'_> =
//!     body                                  ::alloc_ctx::SleepContext::into_may_sleep(cx);
//! }                                     body
//!                                   }
//! ```
//!
//! The parameter is generic (`impl SleepContext`), not the concrete token
//! type, because a trait bound is what lets rustc print the project's
//! message when a `NoWait` is passed (a type mismatch would be a bare
//! E0308). The conversion is an `#[inline(always)]` no-op on zero-sized
//! values: nothing of it is left in the machine code.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Attribute, Ident, parse_quote};

use crate::Mark;
use crate::args::Args;
use crate::ast::{Body, Function};
use crate::valid::Plan;

/// Rewrites one function according to `plan`.
pub(crate) fn function(mark: Mark, args: &Args, mut function: Function, plan: &Plan) -> TokenStream {
    function.attrs.extend(context_doc(mark, args, plan));
    if !plan.inject {
        return function.into_token_stream();
    }
    let krate = &args.krate;
    let cx = &args.cx;
    let prologue = if plan.entry {
        entry_prologue(mark, krate, cx)
    } else {
        add_token_parameter(mark, args, &mut function, plan.concrete);
        if function.sig.constness.is_some() {
            // The conversion traits are not `const`; the parameter already
            // has the concrete type.
            TokenStream::new()
        } else {
            conversion_prologue(mark, krate, cx)
        }
    };
    if function.sig.abi.is_some() && !plan.entry {
        // The token is zero-sized; there is nothing for C to pass.
        function.attrs.push(parse_quote!(#[allow(improper_ctypes_definitions)]));
    }
    if let Body::Block { stmts, .. } = &mut function.body {
        let body = std::mem::take(stmts);
        *stmts = quote!(#prologue #body);
    }
    function.into_token_stream()
}

/// The concrete token type of a mark.
fn token_type(mark: Mark, krate: &syn::Path) -> TokenStream {
    match mark {
        Mark::MaySleep => quote!(#krate::MaySleep<'_>),
        Mark::NoWait => quote!(#krate::NoWait<'_>),
    }
}

/// Inserts `cx: impl …Context<'_>` (or the concrete type) right after the
/// receiver, so callers write `f(cx, args…)` / `dev.f(cx, args…)`.
fn add_token_parameter(mark: Mark, args: &Args, function: &mut Function, concrete: bool) {
    let krate = &args.krate;
    let cx = &args.cx;
    let ty = if concrete {
        token_type(mark, krate)
    } else {
        match mark {
            Mark::MaySleep => quote!(impl #krate::SleepContext),
            Mark::NoWait => quote!(impl #krate::NoWaitContext),
        }
    };
    // A `const fn` has no prologue that would use the parameter.
    let allow = function.sig.constness.map(|_| quote!(#[allow(unused_variables)]));
    let position = usize::from(function.sig.params.has_receiver());
    function.sig.params.insert(position, quote!(#allow #cx: #ty));
}

/// `let cx = <conversion>(cx);`: the function's own token, whatever the
/// caller passed (by value or by reference, masked or not).
fn conversion_prologue(mark: Mark, krate: &syn::Path, cx: &Ident) -> TokenStream {
    match mark {
        Mark::MaySleep => quote! {
            #[allow(unused_variables, unused_mut)]
            let mut #cx: #krate::MaySleep<'_> = #krate::SleepContext::into_may_sleep(#cx);
        },
        Mark::NoWait => quote! {
            #[allow(unused_variables)]
            let #cx: #krate::NoWait<'_> = #krate::NoWaitContext::into_nowait(#cx);
        },
    }
}

/// The entry form: the token is created here, through the run-time check
/// (`#[may_sleep(entry)]`) or with the atomic depth raised for the whole
/// call (`#[nowait(entry)]`).
fn entry_prologue(mark: Mark, krate: &syn::Path, cx: &Ident) -> TokenStream {
    // Named with mixed-site hygiene: the user's body cannot see or clash
    // with the guard.
    let guard = Ident::new("__alloc_ctx_atomic_section", Span::mixed_site());
    match mark {
        Mark::MaySleep => quote! {
            #[allow(unused_variables, unused_mut)]
            let mut #cx: #krate::MaySleep<'static> = #krate::__private::enter_may_sleep();
        },
        Mark::NoWait => quote! {
            let #guard = #krate::__private::NoWaitEntry::enter();
            #[allow(unused_variables)]
            let #cx: #krate::NoWait<'_> = #guard.token();
        },
    }
}

/// `#[doc = "…"]`, built directly (this runs for every marked function).
fn doc_attribute(text: &str) -> Attribute {
    let value = syn::LitStr::new(text, Span::call_site());
    Attribute {
        pound_token: Default::default(),
        style: syn::AttrStyle::Outer,
        bracket_token: Default::default(),
        meta: syn::Meta::NameValue(syn::MetaNameValue {
            path: Ident::new("doc", Span::call_site()).into(),
            eq_token: Default::default(),
            value: syn::Expr::Lit(syn::ExprLit { attrs: Vec::new(), lit: syn::Lit::Str(value) }),
        }),
    }
}

/// The kernel-doc style `# Context` section.
fn context_doc(mark: Mark, args: &Args, plan: &Plan) -> Vec<Attribute> {
    let cx = &args.cx;
    let text = match (mark, plan.entry) {
        (Mark::MaySleep, false) => format!(
            "May sleep. Takes a sleep token `{cx}` (a `MaySleep`, by value or `&mut`): \
             callable only where sleeping is allowed, never from a `#[nowait]` function or an atomic section."
        ),
        (Mark::MaySleep, true) => "May sleep. Entry point: creates its own sleep token after checking at run time \
             that the thread is not in an atomic section (it panics there, like the kernel's `might_sleep()`)."
            .to_owned(),
        (Mark::NoWait, false) => format!(
            "Does not sleep; callable from atomic context. Takes a token `{cx}`: a `NoWait` or a `MaySleep` \
             (by value or by reference)."
        ),
        (Mark::NoWait, true) => "Does not sleep; callable from atomic context. Entry point (an interrupt handler, \
             a callback under a lock): runs as an atomic section with its own `NoWait` token."
            .to_owned(),
    };
    // One attribute (rustdoc joins doc attributes with newlines anyway):
    // one parse per function instead of four.
    let text = format!("\n # Context\n\n {text}");
    vec![doc_attribute(&text)]
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::{Mark, mark};

    fn expand(m: Mark, args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        mark(m, args, item).to_string()
    }

    /// Whitespace removed, and trailing commas before a closing delimiter,
    /// which rustfmt adds to multi-line inputs but not to one-line needles.
    fn squash(s: &str) -> String {
        let squashed: String = s.split_whitespace().collect();
        squashed.replace(",)", ")").replace(",]", "]").replace(",}", "}")
    }

    fn contains(haystack: &str, needle: proc_macro2::TokenStream) -> bool {
        squash(haystack).contains(&squash(&needle.to_string()))
    }

    #[test]
    fn free_function_gets_the_parameter_and_prologue() {
        let out = expand(
            Mark::MaySleep,
            quote!(),
            quote!(
                pub fn probe(n: usize) -> u8 {
                    work(n)
                }
            ),
        );
        assert!(contains(&out, quote!(pub fn probe(cx: impl ::alloc_ctx::SleepContext, n: usize) -> u8)), "{out}");
        assert!(
            contains(
                &out,
                quote!(let mut cx: ::alloc_ctx::MaySleep<'_> = ::alloc_ctx::SleepContext::into_may_sleep(cx); work(n))
            ),
            "{out}"
        );
        assert!(out.contains("# Context"));
        assert!(!out.contains("compile_error"));
    }

    #[test]
    fn generics_where_clauses_and_parameter_attributes_are_preserved() {
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                #[inline]
                unsafe fn f<'a, T: Copy, const N: usize>(#[allow(unused)] (a, b): (&'a T, [u8; N])) -> &'a T
                where
                    T: Default,
                {
                    a
                }
            ),
        );
        assert!(contains(&out, quote!(#[inline])), "{out}");
        assert!(
            contains(
                &out,
                quote!(unsafe fn f<'a, T: Copy, const N: usize>(cx: impl ::alloc_ctx::NoWaitContext, #[allow(unused)] (a, b): (&'a T, [u8; N])) -> &'a T where T: Default)
            ),
            "{out}"
        );
    }

    #[test]
    fn token_goes_after_every_kind_of_receiver() {
        for receiver in [quote!(self), quote!(&self), quote!(&mut self), quote!(self: Box<Self>), quote!(mut self)] {
            let out = expand(Mark::MaySleep, quote!(), quote!(fn m(#receiver, x: u8) {}));
            assert!(contains(&out, quote!((#receiver, cx: impl ::alloc_ctx::SleepContext, x: u8))), "{out}");
        }
    }

    #[test]
    fn inner_attributes_stay_first_in_the_body() {
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                fn f() {
                    #![allow(clippy::all)]
                    1
                }
            ),
        );
        let out = squash(&out);
        let inner = out.find("{#![allow(clippy::all)]").expect("inner attribute kept at the start of the body");
        assert!(out.find("into_nowait").is_some_and(|prologue| prologue > inner), "{out}");
    }

    #[test]
    fn trait_declarations_get_a_parameter_but_no_prologue() {
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                fn poll(&self) -> bool;
            ),
        );
        assert!(
            contains(
                &out,
                quote!(
                    fn poll(&self, cx: impl ::alloc_ctx::NoWaitContext) -> bool;
                )
            ),
            "{out}"
        );
    }

    #[test]
    fn dyn_const_and_extern_take_the_concrete_type() {
        let out = expand(
            Mark::MaySleep,
            quote!(dyn),
            quote!(
                fn f(&self);
            ),
        );
        assert!(
            contains(
                &out,
                quote!(
                    fn f(&self, cx: ::alloc_ctx::MaySleep<'_>);
                )
            ),
            "{out}"
        );
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                const fn f() -> u8 {
                    1
                }
            ),
        );
        assert!(
            contains(
                &out,
                quote!(
                    const fn f(#[allow(unused_variables)] cx: ::alloc_ctx::NoWait<'_>) -> u8 {
                        1
                    }
                )
            ),
            "{out}"
        );
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                extern "C" fn f() {}
            ),
        );
        assert!(
            contains(&out, quote!(#[allow(improper_ctypes_definitions)] extern "C" fn f(cx: ::alloc_ctx::NoWait<'_>))),
            "{out}"
        );
    }

    #[test]
    fn entry_forms_create_the_token_inside() {
        let out = expand(
            Mark::MaySleep,
            quote!(entry),
            quote!(
                fn main() {
                    run()
                }
            ),
        );
        assert!(contains(&out, quote!(fn main())), "{out}");
        assert!(
            contains(
                &out,
                quote!(let mut cx: ::alloc_ctx::MaySleep<'static> = ::alloc_ctx::__private::enter_may_sleep();)
            ),
            "{out}"
        );
        let out = expand(
            Mark::NoWait,
            quote!(entry),
            quote!(
                fn rx_irq(dev: &Dev) {
                    handle(dev)
                }
            ),
        );
        assert!(contains(&out, quote!(fn rx_irq(dev: &Dev))), "{out}");
        assert!(contains(&out, quote!(::alloc_ctx::__private::NoWaitEntry::enter())), "{out}");
    }

    #[test]
    fn custom_name_and_crate_path() {
        let out = expand(
            Mark::NoWait,
            quote!(cx = ctx, crate = my_driver::rt),
            quote!(
                fn f() {
                    ctx
                }
            ),
        );
        assert!(contains(&out, quote!(fn f(ctx: impl my_driver::rt::NoWaitContext))), "{out}");
        assert!(
            contains(
                &out,
                quote!(let ctx: my_driver::rt::NoWait<'_> = my_driver::rt::NoWaitContext::into_nowait(ctx);)
            ),
            "{out}"
        );
    }

    #[test]
    fn impl_blocks_mark_every_method_but_respect_per_method_marks() {
        let out = expand(
            Mark::MaySleep,
            quote!(),
            quote!(
                impl<T> Dev<T>
                where
                    T: Send,
                {
                    fn a(&self) {}
                    #[nowait]
                    fn b(&self) {}
                    pub fn c(x: T) -> T {
                        x
                    }
                }
            ),
        );
        assert!(contains(&out, quote!(impl<T> Dev<T> where T: Send)), "{out}");
        assert!(contains(&out, quote!(fn a(&self, cx: impl ::alloc_ctx::SleepContext))), "{out}");
        assert!(
            contains(
                &out,
                quote!(
                    #[nowait]
                    fn b(&self) {}
                )
            ),
            "{out}"
        );
        assert!(contains(&out, quote!(pub fn c(cx: impl ::alloc_ctx::SleepContext, x: T) -> T)), "{out}");
    }

    #[test]
    fn trait_blocks_mark_declarations_and_default_bodies() {
        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                pub trait Ops {
                    fn a(&self);
                    fn b(&self) -> u8 {
                        0
                    }
                }
            ),
        );
        assert!(
            contains(
                &out,
                quote!(
                    fn a(&self, cx: impl ::alloc_ctx::NoWaitContext);
                )
            ),
            "{out}"
        );
        assert!(contains(&out, quote!(fn b(&self, cx: impl ::alloc_ctx::NoWaitContext) -> u8)), "{out}");
    }

    #[test]
    fn misuse_is_reported_and_the_item_still_emitted() {
        let out = expand(
            Mark::NoWait,
            quote!(sleepy),
            quote!(
                async fn f() {}
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 2, "{out}");
        assert!(out.contains("async fn f"), "{out}");

        let out = expand(
            Mark::NoWait,
            quote!(),
            quote!(
                #[may_sleep]
                fn f() {}
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(!out.contains("# [may_sleep]"), "the second mark is removed: {out}");

        let out = expand(
            Mark::MaySleep,
            quote!(),
            quote!(
                fn f(cx: u8) -> u8 {
                    cx
                }
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(
            contains(
                &out,
                quote!(
                    fn f(cx: u8) -> u8 {
                        cx
                    }
                )
            ),
            "left as written: {out}"
        );

        let out = expand(
            Mark::MaySleep,
            quote!(),
            quote!(
                pub struct S;
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(
            contains(
                &out,
                quote!(
                    pub struct S;
                )
            ),
            "{out}"
        );

        let out = expand(
            Mark::MaySleep,
            quote!(entry, dyn),
            quote!(
                fn f() {}
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    }

    #[test]
    fn main_without_entry_is_reported_and_expanded_as_an_entry() {
        let out = expand(
            Mark::MaySleep,
            quote!(),
            quote!(
                fn main() {
                    run(&mut cx)
                }
            ),
        );
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        assert!(contains(&out, quote!(fn main())), "{out}");
        assert!(out.contains("enter_may_sleep"), "{out}");
    }
}
