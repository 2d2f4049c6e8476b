//! What the attribute was put on, parsed lightly.
//!
//! A function's signature is read at the token level
//! ([`crate::signature`]); its body is kept as tokens (only leading inner
//! attributes are split off, so the prologue can go after them). This is what keeps expansion cheap, as in tokio-macros: the body
//! of a driver function is usually much larger than its signature.
//! `impl` and `trait` blocks are parsed by syn, since every method in them
//! is rewritten.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser as _};
use syn::{Attribute, Token, Visibility};

use crate::signature::Signature;

/// The item under the attribute.
pub(crate) enum Item {
    /// A free function, an inherent or trait method, or a trait method
    /// declaration.
    Fn(Function),
    /// An `impl` block: every method is marked.
    Impl(syn::ItemImpl),
    /// A `trait` block: every method is marked.
    Trait(syn::ItemTrait),
    /// Anything else: rejected, emitted unchanged. The span points at the
    /// item's kind keyword (`struct`, `static`, …) or its first token.
    Other { tokens: TokenStream, span: Span },
}

/// A function, with its body kept as tokens.
pub(crate) struct Function {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    /// `default` (specialization) is not parsed; it would be an `Other`.
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

/// A function body, or the `;` of a declaration.
pub(crate) enum Body {
    Block {
        /// The braces, for their span.
        braces: Span,
        /// `#![…]` at the start of the block.
        inner_attrs: Vec<Attribute>,
        /// Everything after them, untouched.
        stmts: TokenStream,
    },
    Semi(Token![;]),
}

impl Item {
    /// Parses the item; never fails (what is not understood becomes `Other`).
    pub(crate) fn parse(tokens: TokenStream) -> Item {
        // Functions are by far the common case: parse them in one pass, and
        // look at what else the item is only when that fails.
        if let Ok(function) = syn::parse2::<Function>(tokens.clone()) {
            return Item::Fn(function);
        }
        let kind = classify.parse2(tokens.clone());
        match kind {
            Ok(Kind::Impl) => syn::parse2(tokens.clone()).map_or_else(|_| other(tokens), Item::Impl),
            Ok(Kind::Trait) => syn::parse2(tokens.clone()).map_or_else(|_| other(tokens), Item::Trait),
            Ok(Kind::Other(span)) => Item::Other { tokens, span },
            Err(_) => other(tokens),
        }
    }
}

fn other(tokens: TokenStream) -> Item {
    let span = tokens.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
    Item::Other { tokens, span }
}

/// What a non-function item is (functions were tried first).
enum Kind {
    Impl,
    Trait,
    Other(Span),
}

/// Looks past attributes and visibility at the first keywords.
fn classify(input: ParseStream<'_>) -> syn::Result<Kind> {
    let kind = classify_start(input)?;
    input.parse::<TokenStream>()?;
    Ok(kind)
}

fn classify_start(input: ParseStream<'_>) -> syn::Result<Kind> {
    input.call(Attribute::parse_outer)?;
    input.parse::<Visibility>()?;
    let lookahead = input.fork();
    if lookahead.peek(Token![unsafe]) {
        lookahead.parse::<Token![unsafe]>()?;
    }
    if lookahead.peek(Token![impl]) {
        return Ok(Kind::Impl);
    }
    if lookahead.peek(Token![trait]) || lookahead.peek(Token![auto]) {
        return Ok(Kind::Trait);
    }
    // Skip a qualifier or two so the error lands on `struct`, `static`, ….
    let fork = input.fork();
    while fork.peek(Token![unsafe]) || fork.peek(Token![const]) || fork.peek(Token![async]) {
        fork.parse::<proc_macro2::TokenTree>()?;
    }
    let span = fork.parse::<proc_macro2::TokenTree>().map_or_else(|_| input.span(), |t| t.span());
    Ok(Kind::Other(span))
}

impl Function {
    /// Whether the function has a body (not a trait method declaration).
    pub(crate) fn body_is_block(&self) -> bool {
        matches!(self.body, Body::Block { .. })
    }
}

impl Parse for Function {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(Token![;]) {
            Body::Semi(input.parse()?)
        } else {
            let group: Group = input.parse()?;
            if group.delimiter() != Delimiter::Brace {
                return Err(syn::Error::new(group.span(), "expected a function body"));
            }
            let (inner_attrs, stmts) = if starts_with_inner_attribute(&group) {
                split_inner_attrs.parse2(group.stream())?
            } else {
                // The common case: the body is passed on without a walk.
                (Vec::new(), group.stream())
            };
            Body::Block { braces: group.span(), inner_attrs, stmts }
        };
        Ok(Function { attrs, vis, sig, body })
    }
}

/// Whether the block begins with `#!`, i.e. an inner attribute.
fn starts_with_inner_attribute(block: &Group) -> bool {
    let mut tokens = block.stream().into_iter();
    let is_punct = |token: Option<proc_macro2::TokenTree>, ch: char| matches!(token, Some(proc_macro2::TokenTree::Punct(punct)) if punct.as_char() == ch);
    is_punct(tokens.next(), '#') && is_punct(tokens.next(), '!')
}

fn split_inner_attrs(input: ParseStream<'_>) -> syn::Result<(Vec<Attribute>, TokenStream)> {
    Ok((input.call(Attribute::parse_inner)?, input.parse()?))
}

impl ToTokens for Function {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for attr in &self.attrs {
            attr.to_tokens(tokens);
        }
        self.vis.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        match &self.body {
            Body::Semi(semi) => semi.to_tokens(tokens),
            Body::Block { braces, inner_attrs, stmts } => {
                let mut inner = TokenStream::new();
                for attr in inner_attrs {
                    attr.to_tokens(&mut inner);
                }
                inner.extend(stmts.clone());
                let mut group = Group::new(Delimiter::Brace, inner);
                group.set_span(*braces);
                group.to_tokens(tokens);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn classifies_items() {
        assert!(matches!(
            Item::parse(quote!(
                pub(crate) unsafe fn f<T>(x: T)
                where
                    T: Copy,
                {
                }
            )),
            Item::Fn(_)
        ));
        assert!(matches!(
            Item::parse(quote!(
                fn decl(&self) -> u8;
            )),
            Item::Fn(_)
        ));
        assert!(matches!(
            Item::parse(quote!(
                const extern "C" fn f() {}
            )),
            Item::Fn(_)
        ));
        assert!(matches!(
            Item::parse(quote!(
                impl<T> Dev<T> {
                    fn a(&self) {}
                }
            )),
            Item::Impl(_)
        ));
        assert!(matches!(
            Item::parse(quote!(
                unsafe impl Send for Dev {}
            )),
            Item::Impl(_)
        ));
        assert!(matches!(
            Item::parse(quote!(
                pub trait Ops {
                    fn a(&self);
                }
            )),
            Item::Trait(_)
        ));
        let Item::Other { tokens, .. } = Item::parse(quote!(
            #[derive(Debug)]
            pub struct S;
        )) else {
            panic!()
        };
        assert_eq!(
            tokens.to_string(),
            quote!(
                #[derive(Debug)]
                pub struct S;
            )
            .to_string()
        );
    }

    #[test]
    fn body_is_kept_and_inner_attributes_split_off() {
        let Item::Fn(function) = Item::parse(quote!(
            fn f() {
                #![allow(unused)]
                let x = 1;
                x + 1
            }
        )) else {
            panic!()
        };
        let Body::Block { inner_attrs, stmts, .. } = &function.body else { panic!() };
        assert_eq!(inner_attrs.len(), 1);
        assert_eq!(stmts.to_string(), quote!(let x = 1; x + 1).to_string());
        // Round trip.
        assert_eq!(
            function.to_token_stream().to_string(),
            quote!(
                fn f() {
                    #![allow(unused)]
                    let x = 1;
                    x + 1
                }
            )
            .to_string()
        );
    }
}
