//! Tests of the whole pipeline (`mark`: arguments, item, checks,
//! expansion, fallback) on token streams, as the compiler hands them over.

use proc_macro2::TokenStream;
use quote::quote;

use crate::args::Mark;
use crate::mark;

fn expand(m: Mark, args: TokenStream, item: TokenStream) -> String {
    mark(m, args, as_written(item)).to_string()
}

/// The item as the compiler hands over one written in a file: its tokens
/// have source text (without `$`), which the macros read to tell a body
/// written by a `macro_rules!` (`quote!`'s tokens have none).
fn as_written(item: TokenStream) -> TokenStream {
    item.to_string().parse().expect("the item parses")
}

/// Whitespace removed, and trailing commas before a closing delimiter,
/// which rustfmt adds to multi-line inputs but not to one-line needles.
fn squash(s: &str) -> String {
    let squashed: String = s.split_whitespace().collect();
    squashed.replace(",)", ")").replace(",]", "]").replace(",}", "}").replace(",>", ">")
}

fn contains(haystack: &str, needle: TokenStream) -> bool {
    squash(haystack).contains(&squash(&needle.to_string()))
}

/// Whether `attr` is the `# Context` doc the macros add:
/// `#[cfg_attr(doc, doc = …::__private::context_doc!(kind, cx))]`.
fn is_context_doc(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg_attr")
        && squash(&quote::ToTokens::to_token_stream(attr).to_string()).contains("__private::context_doc!(")
}

/// The expansion of a function without its `# Context` doc attribute,
/// squashed, and checked to still parse as a function.
fn expand_fn(m: Mark, args: TokenStream, item: TokenStream) -> String {
    let out = mark(m, args, as_written(item));
    let mut function: syn::ItemFn = syn::parse2(out).expect("the expansion is a function");
    function.attrs.retain(|attr| !is_context_doc(attr));
    squash(&quote!(#function).to_string())
}

#[test]
fn nowait_function_taking_a_sleep_token_is_an_error_and_still_emitted() {
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(sleep: &mut alloc_ctx::MaySleep) {}
        ),
    );
    assert!(out.contains("compile_error"), "{out}");
    assert!(out.contains("cannot take a sleep token"), "{out}");
    assert!(out.contains("fn rx"), "the item is still emitted: {out}");
    let out = expand(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn probe(other: &mut alloc_ctx::MaySleep) {}
        ),
    );
    assert!(!out.contains("compile_error"), "{out}");
    // As a generic bound, in the generics or the `where` clause.
    for item in [
        quote!(
            fn rx<T: SleepToken>(t: &mut T) {}
        ),
        quote!(
            fn rx<T>(t: &mut T)
            where
                T: alloc_ctx::SleepToken,
            {
            }
        ),
    ] {
        let out = expand(Mark::NoWait, quote!(), item);
        assert!(out.contains("cannot take a sleep token"), "{out}");
    }
    // A callback that will be given a sleep token later is not one.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn defer(work: impl FnOnce(&mut MaySleep) + Send, f: fn(&mut MaySleep)) {}
        ),
    );
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn a_returned_lock_guard_borrows_the_token_for_its_lifetime() {
    // The guard holds the caller's token frozen: the token is lent for
    // the output's lifetime (the receiver's, or the single input's).
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            fn queue(&self) -> SpinLockGuard<'_, Queue> {
                self.queue.lock(cx)
            }
        ),
    );
    assert!(squash(&out).contains("fnqueue<'__alloc_ctx_l0>(&'__alloc_ctx_l0self,cx:&'__alloc_ctx_l0mutimpl::alloc_ctx::Token)->SpinLockGuard<'__alloc_ctx_l0,Queue>"), "{out}");
    let out = expand_fn(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn lock_stats<'a>(dev: &'a Dev) -> SpinLockIrqGuard<'a, Stats> {
                dev.stats.lock_irqsave(cx)
            }
        ),
    );
    assert!(squash(&out).contains("cx:&'amutimpl::alloc_ctx::SleepToken"), "{out}");
    // A driver's alias of a guard type is a guard too: what counts is a
    // type with a lifetime argument, not its name.
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            fn stats(&self) -> Option<StatsGuard<'_>> {
                Some(self.stats.lock(cx))
            }
        ),
    );
    assert!(
        squash(&out).contains("cx:&'__alloc_ctx_l0mutimpl::alloc_ctx::Token)->Option<StatsGuard<'__alloc_ctx_l0>>"),
        "{out}"
    );
    // A reference, a `MutexGuard` or an iterator does not hold the token.
    for output in [quote!(&u8), quote!(MutexGuard<'_, u8>), quote!(core::slice::Iter<'_, u8>)] {
        let out = expand_fn(
            Mark::NoWait,
            quote!(),
            quote!(
                fn get(&self) -> #output {
                    todo!()
                }
            ),
        );
        assert!(squash(&out).contains("cx:&mutimpl::alloc_ctx::Token"), "{output}: {out}");
    }
    // Anything else borrows the token only for the call.
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            fn len(&self) -> usize {
                0
            }
        ),
    );
    assert!(squash(&out).contains("cx:&mutimpl::alloc_ctx::Token"), "{out}");
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
    assert!(contains(&out, quote!(pub fn probe(cx: &mut impl ::alloc_ctx::SleepToken, n: usize) -> u8)), "{out}");
    assert!(
        contains(
            &out,
            quote!(
                #[allow(unused_variables)] let cx = ::alloc_ctx::SleepToken::may_sleep(cx);
                work(n)
            )
        ),
        "{out}"
    );
    assert!(!out.contains("NoWaitMark"), "{out}");
    assert!(squash(&out).contains("#[cfg_attr(doc,doc=::alloc_ctx::__private::context_doc!(may_sleep,cx))]"), "{out}");
    assert!(!out.contains("compile_error"));
}

#[test]
fn nowait_gets_any_token_and_the_debug_mark() {
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(n: usize) {
                work(n)
            }
        ),
    );
    let expected = quote!(
        #[allow(unused_braces)]
        fn rx(cx: &mut impl ::alloc_ctx::Token, n: usize) {
            #[allow(unused_variables)]
            let cx = ::alloc_ctx::Token::nowait(cx);
            {
                #[allow(unused_imports)]
                use ::alloc_ctx::__private::ProbeOther as _;
                ::alloc_ctx::__private::ParamProbe::<usize>::ALLOC_CTX_VERDICT.verdict();
            }
            let __alloc_ctx_nowait_mark = ::alloc_ctx::__private::NoWaitMark::enter();
            { work(n) }
        }
    );
    assert_eq!(out, squash(&expected.to_string()));
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
            quote!(unsafe fn f<'a, T: Copy, const N: usize>(cx: &mut impl ::alloc_ctx::Token, #[allow(unused)] (a, b): (&'a T, [u8; N])) -> &'a T where T: Default)
        ),
        "{out}"
    );
}

#[test]
fn token_goes_after_every_kind_of_receiver() {
    for receiver in [quote!(self), quote!(&self), quote!(&mut self), quote!(self: Box<Self>), quote!(mut self)] {
        let out = expand(Mark::MaySleep, quote!(), quote!(fn m(#receiver, x: u8) {}));
        assert!(contains(&out, quote!((#receiver, cx: &mut impl ::alloc_ctx::SleepToken, x: u8))), "{out}");
    }
}

#[test]
fn inner_attributes_stay_first_in_the_body() {
    for (m, args, prologue) in [
        (Mark::NoWait, quote!(), "::alloc_ctx::Token::nowait("),
        (Mark::MaySleep, quote!(entry), "::alloc_ctx::MaySleep::enter("),
    ] {
        let out = expand(
            m,
            args,
            quote!(
                fn f() {
                    #![allow(clippy::all)]
                    1
                }
            ),
        );
        let out = squash(&out);
        let inner = out.find("{#![allow(clippy::all)]").expect("inner attribute kept at the start of the body");
        assert!(out.find(prologue).is_some_and(|prologue| prologue > inner), "{out}");
    }
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
                fn poll(&self, cx: &mut impl ::alloc_ctx::Token) -> bool;
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
                fn f(&self, cx: &mut ::alloc_ctx::MaySleep);
            )
        ),
        "{out}"
    );
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            const fn f() -> u8 {
                1
            }
        ),
    );
    let expected = quote!(
        const fn f(#[allow(unused_variables)] cx: &mut ::alloc_ctx::NoWait) -> u8 {
            1
        }
    );
    assert_eq!(out, squash(&expected.to_string()), "no prologue and no mark in a `const fn`");
    let out = expand_fn(
        Mark::NoWait,
        quote!(),
        quote!(
            extern "C" fn f() {}
        ),
    );
    let expected = quote!(
        #[allow(improper_ctypes_definitions)]
        extern "C" fn f(#[allow(unused_variables)] cx: &mut ::alloc_ctx::NoWait) {
            let __alloc_ctx_nowait_mark = ::alloc_ctx::__private::NoWaitMark::enter();
        }
    );
    assert_eq!(out, squash(&expected.to_string()));
    let out = expand_fn(
        Mark::MaySleep,
        quote!(dyn),
        quote!(
            fn f(&self) {
                work(cx)
            }
        ),
    );
    let expected = quote!(
        fn f(&self, #[allow(unused_variables)] cx: &mut ::alloc_ctx::MaySleep) {
            work(cx)
        }
    );
    assert_eq!(out, squash(&expected.to_string()));
}

#[rustfmt::skip] // the expected tokens are compared as written
#[test]
fn entry_forms_run_the_body_in_the_enter_closure() {
    let out = expand_fn(
        Mark::MaySleep,
        quote!(entry),
        quote!(
            fn main() {
                run(cx)
            }
        ),
    );
    // `main` must be the program's (the same fn item as `crate::main`);
    // the closure is bound outside the `unsafe` block: the body gets no
    // `unsafe` context from it.
    let expected = quote!(
        fn main() {
            {
                fn __alloc_ctx_entry_main_must_be_the_programs_main<F>(_this_main: F, _crate_main: F) {}
                __alloc_ctx_entry_main_must_be_the_programs_main(main, crate::main);
            }
            let __alloc_ctx_entry = |#[allow(unused_variables)] cx: &mut ::alloc_ctx::MaySleep| { run(cx) };
            #[allow(unused_unsafe)]
            unsafe { ::alloc_ctx::MaySleep::enter(__alloc_ctx_entry) };
        }
    );
    assert_eq!(out, squash(&expected.to_string()));
    let out = expand_fn(
        Mark::NoWait,
        quote!(entry),
        quote!(
            fn rx_irq(dev: &Dev) -> bool {
                handle(dev, cx)
            }
        ),
    );
    // A `move` closure through the `Send`-bounded `NoWait::enter`, the
    // bound also asserted from `core`.
    let expected = quote!(
        fn rx_irq(dev: &Dev) -> bool {
            ::alloc_ctx::NoWait::enter({
                fn __alloc_ctx_handler_is_send<F: ::core::marker::Send>(handler: F) -> F {
                    handler
                }
                __alloc_ctx_handler_is_send(move |#[allow(unused_variables)] cx: &mut ::alloc_ctx::NoWait| { handle(dev, cx) })
            })
        }
    );
    assert_eq!(out, squash(&expected.to_string()));
    // (Its `# Context` doc, for rustdoc only, names the runtime's hidden
    // text macro.)
    for out in [
        expand_fn(
            Mark::MaySleep,
            quote!(entry),
            quote!(
                fn main() {}
            ),
        ),
        expand_fn(
            Mark::NoWait,
            quote!(entry),
            quote!(
                fn f() {}
            ),
        ),
    ] {
        assert!(!out.contains("__private"), "no hidden helper: {out}");
    }
}

#[test]
fn entry_on_an_async_fn_is_reported_and_the_item_emitted() {
    let out = expand(
        Mark::MaySleep,
        quote!(entry),
        quote!(
            async fn serve() {
                work(cx).await
            }
        ),
    );
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(out.contains("`#[may_sleep(entry)]` cannot be used on an `async fn`"), "{out}");
    assert!(contains(&out, quote!(async fn serve(cx: &mut impl ::alloc_ctx::SleepToken))), "{out}");
    assert!(!squash(&out).contains("::alloc_ctx::MaySleep::enter("), "no closure around an async body: {out}");
    // `#[nowait]` on an `async fn` is one error, not two.
    let out = expand(
        Mark::NoWait,
        quote!(entry),
        quote!(
            async fn serve() {}
        ),
    );
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
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
    assert!(contains(&out, quote!(fn f(ctx: &mut impl my_driver::rt::Token))), "{out}");
    assert!(contains(&out, quote!(#[allow(unused_variables)] let ctx = my_driver::rt::Token::nowait(ctx);)), "{out}");
    assert!(contains(&out, quote!(my_driver::rt::__private::NoWaitMark::enter())), "{out}");
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
    assert!(contains(&out, quote!(fn a(&self, cx: &mut impl ::alloc_ctx::SleepToken))), "{out}");
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
    assert!(contains(&out, quote!(pub fn c(cx: &mut impl ::alloc_ctx::SleepToken, x: T) -> T)), "{out}");
}

#[test]
fn no_context_leaves_a_method_of_a_block_unmarked() {
    for (m, block) in [
        (
            Mark::NoWait,
            quote!(
                impl Dev {
                    fn a(&self) {}
                    #[no_context]
                    fn len(&self) -> usize {
                        self.n
                    }
                }
            ),
        ),
        (
            Mark::MaySleep,
            quote!(
                trait Ops {
                    fn a(&self);
                    #[alloc_ctx::no_context]
                    fn len(&self) -> usize;
                }
            ),
        ),
    ] {
        let out = expand(m, quote!(), block);
        assert!(out.contains("fn a (& self , cx : & mut impl :: alloc_ctx ::"), "{out}");
        assert!(contains(&out, quote!(fn len(&self) -> usize)), "{out}");
        assert!(
            squash(&out).contains("no_context(in_marked_block)]"),
            "the opt-out is handed back to its own macro, which emits the method as written: {out}"
        );
        assert_eq!(squash(&out).matches("context_doc!(").count(), 1, "only `a` is documented: {out}");
        assert!(!out.contains("compile_error"), "{out}");
    }
    // With its own mark as well, it is a contradiction.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            impl Dev {
                #[no_context]
                #[may_sleep]
                fn a(&self) {}
            }
        ),
    );
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(
        contains(
            &out,
            quote!(
                #[may_sleep]
                fn a(&self) {}
            )
        ),
        "{out}"
    );
}

#[test]
fn no_context_alone_is_reported_and_the_item_emitted() {
    let out = crate::no_context_alone(quote!(
        fn f() {}
    ))
    .to_string();
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(out.contains("only has meaning on a method inside a `#[may_sleep]` or `#[nowait]`"), "{out}");
    assert!(
        contains(
            &out,
            quote!(
                fn f() {}
            )
        ),
        "{out}"
    );
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
                fn a(&self, cx: &mut impl ::alloc_ctx::Token);
            )
        ),
        "{out}"
    );
    assert!(contains(&out, quote!(fn b(&self, cx: &mut impl ::alloc_ctx::Token) -> u8)), "{out}");
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
            fn main() {}
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
                run(cx)
            }
        ),
    );
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(contains(&out, quote!(fn main())), "{out}");
    assert!(squash(&out).contains("unsafe{::alloc_ctx::MaySleep::enter(__alloc_ctx_entry)}"), "{out}");
}

#[test]
fn may_sleep_entry_is_accepted_on_main_and_on_tests() {
    for item in [
        quote!(
            fn main() {
                run(cx)
            }
        ),
        quote!(
            #[test]
            fn ring_grows() {
                run(cx)
            }
        ),
        quote!(
            #[::core::prelude::v1::test]
            fn ring_grows() {
                run(cx)
            }
        ),
    ] {
        let out = expand(Mark::MaySleep, quote!(entry), item);
        assert!(!out.contains("compile_error"), "{out}");
        assert!(squash(&out).contains("unsafe{::alloc_ctx::MaySleep::enter(__alloc_ctx_entry)}"), "{out}");
    }
}

/// The `compile_error!` invocations of an expansion, with the span of each.
fn compile_errors(out: TokenStream) -> Vec<(String, proc_macro2::Span)> {
    let tokens: Vec<proc_macro2::TokenTree> = out.into_iter().collect();
    let mut found = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            proc_macro2::TokenTree::Ident(ident) if ident == "compile_error" => {
                let message = tokens.get(i + 2).map(ToString::to_string).unwrap_or_default();
                found.push((message, ident.span()));
            }
            proc_macro2::TokenTree::Group(group) => found.extend(compile_errors(group.stream())),
            _ => {}
        }
    }
    found
}

#[test]
fn may_sleep_entry_elsewhere_is_an_error_on_entry() {
    // Parsed from text, so that spans have positions: `entry` on line 1,
    // the function on lines 2 and 3.
    for source in [
        "entry\nfn load_firmware() -> usize {\n run(cx) }",
        "entry\nfn main(argc: usize) {\n run(cx) }",
        "entry\nfn main<T>() {\n run(cx) }",
        "entry\npub fn start(dev: &Dev) {\n run(cx) }",
    ] {
        let tokens: Vec<proc_macro2::TokenTree> = source.parse::<TokenStream>().unwrap().into_iter().collect();
        let args: TokenStream = tokens[..1].iter().cloned().collect();
        let item: TokenStream = tokens[1..].iter().cloned().collect();
        let out = mark(Mark::MaySleep, args, item);
        let errors = compile_errors(out.clone());
        assert_eq!(errors.len(), 1, "{source}: {out}");
        let (message, span) = &errors[0];
        assert!(message.contains("safe only where no token of the thread can be live"), "{message}");
        assert!(message.contains("alloc_ctx::thread::spawn"), "names a fix: {message}");
        assert_eq!((span.start().line, span.start().column), (1, 0), "spanned on `entry`: {source}");
        assert_eq!((span.end().line, span.end().column), (1, 5), "spanned on `entry`: {source}");
        // Still expanded as an entry: the one error is the one to fix.
        assert!(squash(&out.to_string()).contains("::alloc_ctx::MaySleep::enter(__alloc_ctx_entry)"), "{out}");
    }
}

// Elision (see `crate::lifetimes`).

/// The signature of the expansion: everything before the body, without
/// the `allow(unused_braces)` a probed `#[nowait]` function gets.
fn signature(m: Mark, item: TokenStream) -> String {
    let out = expand_fn(m, quote!(), item);
    let before_body = &out[..out.find('{').expect("a body")];
    before_body.strip_prefix("#[allow(unused_braces)]").unwrap_or(before_body).to_owned()
}

fn squashed(tokens: TokenStream) -> String {
    squash(&tokens.to_string())
}

#[test]
fn a_single_named_input_lifetime_is_written_in_the_output() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn first<'a>(v: &'a [u8], n: usize) -> Window<'_, &u8> {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        // `Window<'_, …>` may hold the token (a type with a lifetime
        // argument), so the token is lent for the output's lifetime.
        squashed(
            quote!(fn first<'a>(cx: &'a mut impl ::alloc_ctx::Token, v: &'a [u8], n: usize) -> Window<'a, &'a u8>)
        )
    );
    // `'static` counts, as for rustc.
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn table(v: &'static [u8]) -> &u8 {
                body
            }
        ),
    );
    assert_eq!(sig, squashed(quote!(fn table(cx: &mut impl ::alloc_ctx::Token, v: &'static [u8]) -> &'static u8)));
}

#[test]
fn a_single_elided_input_lifetime_is_named() {
    let sig = signature(
        Mark::MaySleep,
        quote!(
            fn first<T: Copy>(v: &[T]) -> &T {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(
            quote!(fn first<'__alloc_ctx_l0, T: Copy>(cx: &mut impl ::alloc_ctx::SleepToken, v: &'__alloc_ctx_l0 [T]) -> &'__alloc_ctx_l0 T)
        )
    );
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn lock(m: &mut Mutex<u8>) -> Window<'_, u8> {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(
            quote!(fn lock<'__alloc_ctx_l0>(cx: &'__alloc_ctx_l0 mut impl ::alloc_ctx::Token, m: &'__alloc_ctx_l0 mut Mutex<u8>) -> Window<'__alloc_ctx_l0, u8>)
        )
    );
    // A trait method declaration too (its implementations get the same).
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn pick(v: &[u8]) -> &u8;
        ),
    );
    assert!(
        contains(
            &out,
            quote!(
                fn pick<'__alloc_ctx_l0>(
                    cx: &mut impl ::alloc_ctx::Token,
                    v: &'__alloc_ctx_l0 [u8],
                ) -> &'__alloc_ctx_l0 u8;
            )
        ),
        "{out}"
    );
}

#[test]
fn the_fresh_lifetime_is_the_same_token_everywhere() {
    // Its span (mixed-site) cannot be told apart outside a compiler;
    // what matters is that every occurrence is made the same way.
    let out = crate::mark(
        Mark::NoWait,
        quote!(),
        quote!(
            fn first(v: &[u8]) -> &u8 {
                body
            }
        ),
    );
    let mut lifetimes = Vec::new();
    collect_lifetimes(out, &mut lifetimes);
    let fresh = lifetimes.iter().filter(|lifetime| lifetime.ident == "__alloc_ctx_l0").count();
    assert_eq!(fresh, 4, "declared, in the parameter, in the output and in the parameter's probe");
}

fn collect_lifetimes(tokens: TokenStream, found: &mut Vec<syn::Lifetime>) {
    let tokens: Vec<_> = tokens.into_iter().collect();
    for (index, token) in tokens.iter().enumerate() {
        match (token, tokens.get(index + 1)) {
            (proc_macro2::TokenTree::Punct(p), Some(proc_macro2::TokenTree::Ident(ident))) if p.as_char() == '\'' => {
                found.push(syn::Lifetime { apostrophe: p.span(), ident: ident.clone() });
            }
            (proc_macro2::TokenTree::Group(group), _) => collect_lifetimes(group.stream(), found),
            _ => {}
        }
    }
}

#[test]
fn elision_is_left_alone_where_the_token_changes_nothing() {
    for (item, expected) in [
        // A reference receiver gives its lifetime to the output anyway.
        (
            quote!(
                fn get(&self, v: &[u8]) -> &u8 {
                    body
                }
            ),
            quote!(fn get(&self, cx: &mut impl ::alloc_ctx::Token, v: &[u8]) -> &u8),
        ),
        // Two input lifetimes: rustc reports it, as without the mark.
        (
            quote!(
                fn two(a: &u8, b: &u8) -> &u8 {
                    body
                }
            ),
            quote!(fn two(cx: &mut impl ::alloc_ctx::Token, a: &u8, b: &u8) -> &u8),
        ),
        (
            quote!(
                fn twice<'a>(a: &'a u8, b: &'a u8) -> &u8 {
                    body
                }
            ),
            quote!(fn twice<'a>(cx: &mut impl ::alloc_ctx::Token, a: &'a u8, b: &'a u8) -> &u8),
        ),
        // Lifetimes of `Fn(…)` arguments are the bound's, not inputs.
        (
            quote!(
                fn call(f: impl Fn(&u8) -> &u8, g: fn(&u8)) -> u8 {
                    body
                }
            ),
            quote!(fn call(cx: &mut impl ::alloc_ctx::Token, f: impl Fn(&u8) -> &u8, g: fn(&u8)) -> u8),
        ),
        (
            quote!(
                fn make(v: &[u8]) -> Box<dyn Fn(&u8) -> &u8> {
                    body
                }
            ),
            quote!(fn make(cx: &mut impl ::alloc_ctx::Token, v: &[u8]) -> Box<dyn Fn(&u8) -> &u8>),
        ),
    ] {
        assert_eq!(signature(Mark::NoWait, item), squashed(expected));
    }
}

#[test]
fn higher_ranked_parameters_are_not_counted() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn apply(v: &[u8], f: &dyn for<'x> Fn(&'x u8) -> &'x u8, g: fn(&u8) -> &u8) -> &u8 {
                body
            }
        ),
    );
    // `v` and the `&` of `f`: two, so nothing is rewritten.
    assert!(sig.ends_with("g:fn(&u8)->&u8)->&u8"), "{sig}");
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn apply(v: &[u8], f: impl Fn(&u8) -> &u8) -> &u8 {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(
            quote!(fn apply<'__alloc_ctx_l0>(cx: &mut impl ::alloc_ctx::Token, v: &'__alloc_ctx_l0 [u8], f: impl Fn(&u8) -> &u8) -> &'__alloc_ctx_l0 u8)
        )
    );
}

// Captures of a returned `impl Trait` (see `crate::lifetimes`).

#[test]
fn returned_impl_trait_mentions_the_parameters_lifetimes() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn evens(v: &[u8]) -> impl Iterator<Item = &u8> {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(quote!(
            fn evens<'__alloc_ctx_l0>(cx: &mut impl ::alloc_ctx::Token, v: &'__alloc_ctx_l0 [u8])
                -> impl Iterator<Item = &'__alloc_ctx_l0 u8> + ::alloc_ctx::__private::Captures<(&'__alloc_ctx_l0 (),)>
        ))
    );
    // Generics, named and elided lifetimes, a receiver: each once.
    let sig = signature(
        Mark::MaySleep,
        quote!(
            fn walk<'a, T>(&self, x: &'a T, y: &T, z: &'a u8) -> impl Iterator<Item = &T> + Send
            where
                T: 'a,
            {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(quote!(
            fn walk<'a, '__alloc_ctx_l0, '__alloc_ctx_l1, T>(&'__alloc_ctx_l0 self, cx: &mut impl ::alloc_ctx::SleepToken, x: &'a T, y: &'__alloc_ctx_l1 T, z: &'a u8)
                -> impl Iterator<Item = &'__alloc_ctx_l0 T> + Send
                    + ::alloc_ctx::__private::Captures<(&'a (), &'__alloc_ctx_l0 (), &'__alloc_ctx_l1 (),)>
                where T: 'a,
        ))
    );
}

#[test]
fn returned_impl_trait_without_lifetimes_is_only_respanned() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn count<T>(n: T) -> impl Iterator<Item = T> {
                body
            }
        ),
    );
    assert_eq!(sig, squashed(quote!(fn count<T>(cx: &mut impl ::alloc_ctx::Token, n: T) -> impl Iterator<Item = T>)));
}

#[test]
fn nested_and_borrowed_impl_traits_get_their_bounds() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn f(v: &[u8]) -> (Option<impl Iterator<Item = impl Display>>, &impl Debug) {
                body
            }
        ),
    );
    let captures = quote!(::alloc_ctx::__private::Captures<(&'__alloc_ctx_l0 (),)>);
    assert_eq!(
        sig,
        squashed(quote!(
            fn f<'__alloc_ctx_l0>(cx: &mut impl ::alloc_ctx::Token, v: &'__alloc_ctx_l0 [u8])
                -> (Option<impl Iterator<Item = impl Display + #captures> + #captures>, &'__alloc_ctx_l0 (impl Debug + #captures))
        ))
    );
}

#[test]
fn the_block_lifetimes_are_captured() {
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            impl<'a, T> View<'a, T> {
                fn all(&self) -> impl Iterator<Item = &'a T> {
                    self.items.iter()
                }
            }
        ),
    );
    assert!(
        contains(
            &out,
            quote!(
                fn all<'__alloc_ctx_l0>(&'__alloc_ctx_l0 self, cx: &mut impl ::alloc_ctx::Token)
                    -> impl Iterator<Item = &'a T> + ::alloc_ctx::__private::Captures<(&'a (), &'__alloc_ctx_l0 (),)>
            )
        ),
        "{out}"
    );
}

#[test]
fn the_elided_lifetimes_of_a_marked_block_are_named_and_captured() {
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            impl Parser<'_> {
                fn tokens(self) -> impl Iterator<Item = u8> {
                    self.rest.iter().copied()
                }
            }
        ),
    );
    assert!(contains(&out, quote!(impl<'__alloc_ctx_b0> Parser<'__alloc_ctx_b0>)), "{out}");
    assert!(
        contains(&out, quote!(-> impl Iterator<Item = u8> + ::alloc_ctx::__private::Captures<(&'__alloc_ctx_b0 (),)>)),
        "{out}"
    );
    // Without a returned `impl Trait`, the header is left as written.
    let out = expand(Mark::NoWait, quote!(), quote!(impl Parser<'_> { fn next(&mut self) -> Option<&u8> { body } }));
    assert!(contains(&out, quote!(impl Parser<'_>)), "{out}");
}

#[test]
fn use_bounds_become_captures_of_their_lifetimes() {
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn f<'a, 'b, T>(x: &'a T, y: &'b T) -> impl Fn() -> T + use<'a, T> {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(quote!(
            fn f<'a, 'b, T>(cx: &mut impl ::alloc_ctx::Token, x: &'a T, y: &'b T)
                -> impl Fn() -> T + ::alloc_ctx::__private::Captures<(&'a (),)>
        ))
    );
    let sig = signature(
        Mark::NoWait,
        quote!(
            fn g<T>(x: &T) -> impl Sized + use<T> {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(
            quote!(fn g<'__alloc_ctx_l0, T>(cx: &mut impl ::alloc_ctx::Token, x: &'__alloc_ctx_l0 T) -> impl Sized)
        )
    );
}

#[test]
fn traits_trait_impls_and_async_fns_keep_their_impl_trait() {
    // Trait declarations (and whole trait blocks): RPITIT captures
    // everything, whatever the edition.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn items(&self) -> impl Iterator<Item = &u8>;
        ),
    );
    assert!(
        contains(
            &out,
            quote!(
                fn items(&self, cx: &mut impl ::alloc_ctx::Token) -> impl Iterator<Item = &u8>;
            )
        ),
        "{out}"
    );
    for block in [
        quote!(
            trait Ops {
                fn items(&self) -> impl Iterator<Item = &u8> {
                    body
                }
            }
        ),
        quote!(impl Ops for Dev { fn items(&self) -> impl Iterator<Item = &u8> { body } }),
    ] {
        let out = expand(Mark::NoWait, quote!(), block);
        assert!(
            contains(&out, quote!(fn items(&self, cx: &mut impl ::alloc_ctx::Token) -> impl Iterator<Item = &u8>)),
            "{out}"
        );
        assert!(!out.contains("Captures"), "{out}");
    }
    let sig = signature(
        Mark::MaySleep,
        quote!(
            async fn read(v: &[u8]) -> &u8 {
                body
            }
        ),
    );
    assert_eq!(
        sig,
        squashed(
            quote!(async fn read<'__alloc_ctx_l0>(cx: &mut impl ::alloc_ctx::SleepToken, v: &'__alloc_ctx_l0 [u8]) -> &'__alloc_ctx_l0 u8)
        ),
        "elision is still kept"
    );
}

#[test]
fn plain_functions_are_expanded_as_before() {
    for item in [
        quote!(
            fn f(v: &[u8], n: usize) -> Result<u8, Error>
            where
                u8: Copy,
            {
                body
            }
        ),
        quote!(
            fn f<'a>(v: &'a [u8]) -> &'a u8 {
                body
            }
        ),
        quote!(
            fn f(v: &[u8]) {
                body
            }
        ),
    ] {
        let out = expand_fn(Mark::NoWait, quote!(), item.clone());
        let syn::ItemFn { sig, .. } = syn::parse2(item).expect("a function");
        let mut params: Vec<String> = sig.inputs.iter().map(|param| squash(&quote!(#param).to_string())).collect();
        params.insert(0, "cx:&mutimpl::alloc_ctx::Token".to_owned());
        assert!(out.contains(&format!("({})", params.join(","))), "{out}");
        let output = &sig.output;
        let generics = &sig.generics;
        let where_clause = &generics.where_clause;
        assert!(out.contains(&squash(&quote!(#generics).to_string())), "{out}");
        assert!(out.contains(&squash(&quote!(#output #where_clause).to_string())), "{out}");
    }
}

#[test]
fn respanned_impl_still_parses_as_a_returned_impl_trait() {
    // Outside a compiler, spans carry no edition (and all print
    // alike), so that the `impl` gets the call-site edition can only be
    // seen by compiling a caller that reuses its token while the
    // returned iterator lives. Here: the output is still a function
    // returning `impl Bound + Captures<…>`.
    let out = crate::mark(
        Mark::NoWait,
        quote!(),
        quote!(
            fn evens(v: &[u8]) -> impl Iterator<Item = &u8> {
                body
            }
        ),
    );
    let function: syn::ItemFn = syn::parse2(out).expect("a function");
    let syn::ReturnType::Type(_, ty) = &function.sig.output else { panic!("a return type") };
    let syn::Type::ImplTrait(rpit) = &**ty else { panic!("an impl Trait: {}", quote!(#ty)) };
    assert_eq!(rpit.bounds.len(), 2, "the user's bound and Captures");
}

/// The lints the expansion allows (its tokens carry the user's spans) are
/// allowed in one attribute of the user's style: outer beside the user's
/// attributes, inner after the body's own inner attributes; never one the
/// user allows already. Two styles of `allow` on one item are clippy's
/// `mixed_attributes_style`, two of the same lint its
/// `duplicated_attributes`.
#[test]
fn the_lints_the_expansion_allows_follow_the_users_attribute_style() {
    let nowait = |item| expand_fn(Mark::NoWait, quote!(), item);
    // Outer, beside the user's own `allow`.
    let out = nowait(quote!(
        #[allow(dead_code)]
        fn rx(n: usize) -> usize {
            n
        }
    ));
    assert!(out.starts_with("#[allow(dead_code)]#[allow(unused_braces)]fnrx("), "{out}");
    assert!(!out.contains("#!["), "{out}");
    // Inner, after the body's own inner attributes.
    let out = nowait(quote!(
        fn rx(n: usize) -> usize {
            #![allow(clippy::identity_op)]
            n
        }
    ));
    assert!(out.starts_with("fnrx("), "{out}");
    assert!(
        out.contains("{#![allow(clippy::identity_op)]#![allow(unused_braces)]#[allow(unused_variables)]letcx"),
        "{out}"
    );
    // Every lint in one attribute; those the user allows left out.
    let out = nowait(quote!(
        extern "C" fn seven(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8) {}
    ));
    assert!(out.starts_with("#[allow(clippy::too_many_arguments,improper_ctypes_definitions,unused_braces)]"), "{out}");
    let out = nowait(quote!(
        #[allow(clippy::too_many_arguments, unused_braces)]
        extern "C" fn seven(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, g: u8) {}
    ));
    assert!(
        out.starts_with("#[allow(clippy::too_many_arguments,unused_braces)]#[allow(improper_ctypes_definitions)]"),
        "{out}"
    );
    // Nothing to allow: no attribute.
    let out = expand_fn(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn probe(n: usize) -> usize {
                n
            }
        ),
    );
    assert!(!out.contains("allow(unused_braces"), "{out}");
}

#[test]
fn impl_trait_parameters_are_probed_by_the_name_they_bind() {
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote! {
            fn rx(mut frames: impl Iterator<Item = u8>, ref label: impl AsRef<str>, _: impl Sized, (a, b): (impl Copy, u8)) {}
        },
    );
    for name in [quote!(frames), quote!(label)] {
        let probe = quote!(::alloc_ctx::__private::ParamProbe::of(&#name).alloc_ctx_verdict_of().verdict(););
        assert!(contains(&out, probe), "{name} is probed by value: {out}");
    }
    // `_` binds nothing the body could use; each name a destructured
    // tuple binds is asked about (its type is not looked into).
    assert_eq!(squash(&out).matches("ParamProbe::of(").count(), 4, "{out}");
    assert!(contains(&out, quote!(ParamProbe::of(&a))) && contains(&out, quote!(ParamProbe::of(&b))), "{out}");
    // Without `impl Trait`, the same tuple pattern is left to the type
    // probes of its elements.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx((a, (b, mut c)): (u8, (u16, u32))) {}
        ),
    );
    assert!(!out.contains("ParamProbe :: of"), "{out}");
    for ty in [quote!(u8), quote!(u16), quote!(u32)] {
        assert!(contains(&out, quote!(ParamProbe::<#ty>::ALLOC_CTX_VERDICT)), "{ty}: {out}");
    }
    // Written types are asked about by type; destructuring patterns by
    // type and by each binding (not a path, a field name, `ref`, `mut`).
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote! {
            fn rx(n: u8, Dev { ring: mut r, ref dropped, .. }: Dev, Frame::Rx(x): Frame, [_, t @ _]: [u8; 2], #[expect(unused_variables)] (e, f): (u16, (u32, u64)), W { tok: p }: W) {}
        },
    );
    let squashed = squash(&out);
    let probed: Vec<&str> =
        squashed.split("ParamProbe::of(&").skip(1).map(|rest| &rest[..rest.find(')').unwrap()]).collect();
    // Not `e` and `f`: a tuple pattern over a written tuple type gives each
    // name a type of its own, which the type probes ask about (its values
    // stay unused to rustc's lints).
    assert_eq!(probed, ["r", "dropped", "x", "t", "p"], "{out}");
    // A tuple type's elements are probed one by one, nested ones too.
    for ty in [quote!(u8), quote!(Dev), quote!(Frame), quote!([u8; 2]), quote!(u16), quote!(u32), quote!(u64)] {
        assert!(contains(&out, quote!(ParamProbe::<#ty>::ALLOC_CTX_VERDICT)), "{ty}: {out}");
    }
    assert!(!out.contains("ParamProbe :: < (u"), "{out}");
    // The `expect` is carried as `allow`: the probe does not meet it.
    assert!(
        contains(
            &out,
            quote!(
                #[allow(unused_variables)]
                ::alloc_ctx::__private::ParamProbe::<u16>
            )
        ),
        "{out}"
    );
    // A one-name parameter expected unused is left to the expectation.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(#[expect(unused_variables)] t: impl Copy, #[expect(unused)] u: impl Copy) {}
        ),
    );
    assert!(!contains(&out, quote!(ParamProbe::of(&t))) && contains(&out, quote!(ParamProbe::of(&u))), "{out}");
    // A `const fn` cannot call the trait's method: left to its bounds.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            const fn f(x: impl Copy, n: u8) {}
        ),
    );
    assert!(!out.contains("ParamProbe :: of"), "{out}");
    assert!(contains(&out, quote!(ParamProbe::<u8>::ALLOC_CTX_VERDICT)), "{out}");
}

#[test]
fn a_body_without_source_text_binds_the_token_for_the_name_too() {
    // `quote!`'s tokens have no source text, as a body written by a
    // `macro_rules!` may not: the token is rebound at the name's span.
    let out = mark(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn f() {
                work(cx)
            }
        ),
    );
    let rebind = quote!(#[allow(unused_variables)] let cx = &mut *cx;);
    assert!(contains(&out.to_string(), rebind.clone()), "{out}");
    // A body written in a file, without `$`: no rebinding.
    let out = expand(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn f() {
                work(cx)
            }
        ),
    );
    assert!(!contains(&out, rebind), "{out}");
}

#[test]
fn fragments_of_a_macro_rules_are_read_through() {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let invisible = |tokens: TokenStream| TokenTree::Group(Group::new(Delimiter::None, tokens));
    // `$vis:vis fn $name() -> $ret:ty $body:block`, as the compiler hands
    // such a function over: each fragment in an invisible group (an empty
    // one for no visibility).
    for vis in [quote!(pub(crate)), quote!()] {
        let (vis, ret, body) = (invisible(vis), invisible(quote!(u8)), invisible(quote!({ helper(cx) })));
        let out = expand(Mark::MaySleep, quote!(), quote!(#vis fn setup() -> #ret #body));
        assert!(!out.contains("compile_error"), "{out}");
        assert!(contains(&out, quote!(fn setup(cx: &mut impl ::alloc_ctx::SleepToken))), "{out}");
        assert!(contains(&out, quote!(helper(cx))), "{out}");
    }
}

#[test]
fn a_colon_before_punctuation_still_ends_a_pattern() {
    // `v:&[u32]`: the `:` is `Joint` (punctuation follows), and no `::`.
    let out = expand(Mark::NoWait, quote!(), "fn first(v:&[u32]) -> &u32 { &v[0] }".parse().unwrap());
    assert!(contains(&out, quote!(fn first<'__alloc_ctx_l0>)), "the output's lifetime is named: {out}");
    assert!(contains(&out, quote!(ParamProbe::<&'__alloc_ctx_l0 [u32]>)), "the type is probed: {out}");
}

#[test]
fn lints_the_expansion_would_raise_as_the_users_are_allowed() {
    // An unused `_`-named `impl Trait` parameter: its probe uses it.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(_meta: impl Copy) {}
        ),
    );
    assert!(
        contains(
            &out,
            quote!(
                #[allow(clippy::used_underscore_binding)]
                ::alloc_ctx::__private::ParamProbe::of(&_meta)
            )
        ),
        "{out}"
    );
    // A body that starts with an item, after the prologue's statements.
    let out = expand(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn probe() {
                const QUEUES: usize = 4;
                work(QUEUES)
            }
        ),
    );
    assert!(contains(&out, quote!(#[allow(clippy::items_after_statements)] fn probe)), "{out}");
    let out = expand(
        Mark::MaySleep,
        quote!(),
        quote!(
            fn probe() {
                let queues = 4;
                work(queues)
            }
        ),
    );
    assert!(!out.contains("items_after_statements"), "{out}");
    // A lint the user expects is left to them.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            #[expect(improper_ctypes_definitions)]
            extern "C" fn rx(frame: &[u8]) {}
        ),
    );
    assert!(!out.contains("allow (improper_ctypes_definitions"), "{out}");
}

#[test]
fn a_tuple_with_an_impl_trait_bound_to_one_name_is_probed_field_by_field() {
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(p: (&mut impl Proc, (u8, impl Copy))) {}
        ),
    );
    assert!(contains(&out, quote!(ParamProbe::of(&p.0))), "{out}");
    assert!(contains(&out, quote!(ParamProbe::of(&p.1.1))), "{out}");
    assert!(contains(&out, quote!(ParamProbe::<u8>::ALLOC_CTX_VERDICT)), "{out}");
    assert!(!contains(&out, quote!(ParamProbe::of(&p))), "{out}");
}

#[test]
fn probes_and_allowances_follow_cfg_gated_parameters_and_attributes() {
    // Seven parameters once the gated one is out: the token makes eight.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn seven(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8, #[cfg(any())] never: u8, g: u8) {}
        ),
    );
    assert!(out.contains("clippy :: too_many_arguments"), "{out}");
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn six(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) {}
        ),
    );
    assert!(!out.contains("too_many_arguments"), "{out}");
    // An `expect` under `cfg_attr` is carried as `allow` too.
    let out = expand(
        Mark::NoWait,
        quote!(),
        quote!(
            fn rx(#[cfg_attr(all(), expect(unused_variables))] x: u8) {}
        ),
    );
    assert!(
        contains(
            &out,
            quote!(
                #[cfg_attr(all(), allow(unused_variables))]
                ::alloc_ctx::__private::ParamProbe::<u8>
            )
        ),
        "{out}"
    );
}
