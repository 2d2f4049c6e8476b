//! Building the tokens the macros add, as token trees.
//!
//! A proc-macro's token streams live in the compiler: every stream made
//! from trees, joined to another stream or read back is a round trip
//! through the proc-macro bridge, which converts the tokens each way. The
//! expansion runs for every marked function on every `cargo check`, so
//! what it adds is built here as plain trees, and a stream is made once
//! per group (the compiler needs a group's contents as one) and once for
//! the output. `quote!` makes a stream per invocation and per
//! interpolated stream; it stays for the rare paths (entry points, blocks,
//! errors).

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};

/// Trees under construction, every new token at one span.
pub(crate) struct Tokens {
    trees: Vec<TokenTree>,
    span: Span,
}

impl Tokens {
    pub(crate) fn new(span: Span) -> Tokens {
        Tokens { trees: Vec::new(), span }
    }

    /// An identifier (a keyword too: `let`, `mut`, `impl`).
    pub(crate) fn ident(&mut self, name: &str) -> &mut Tokens {
        self.trees.push(TokenTree::Ident(Ident::new(name, self.span)));
        self
    }

    /// An operator of one or more characters (`=`, `::`, `->`), joined.
    pub(crate) fn op(&mut self, op: &str) -> &mut Tokens {
        let mut chars = op.chars().peekable();
        while let Some(ch) = chars.next() {
            let spacing = if chars.peek().is_some() { Spacing::Joint } else { Spacing::Alone };
            let mut punct = Punct::new(ch, spacing);
            punct.set_span(self.span);
            self.trees.push(TokenTree::Punct(punct));
        }
        self
    }

    /// `path::a::b`: trees of a path already built (the runtime crate's),
    /// then each segment after `::`.
    pub(crate) fn path(&mut self, base: &[TokenTree], segments: &[&str]) -> &mut Tokens {
        self.trees.extend(base.iter().cloned());
        for segment in segments {
            self.op("::").ident(segment);
        }
        self
    }

    /// A group whose contents `contents` builds, at the same span.
    pub(crate) fn group(&mut self, delimiter: Delimiter, contents: impl FnOnce(&mut Tokens)) -> &mut Tokens {
        let mut inner = Tokens::new(self.span);
        contents(&mut inner);
        let mut group = Group::new(delimiter, inner.into_stream());
        group.set_span(self.span);
        self.trees.push(TokenTree::Group(group));
        self
    }

    /// `#[…]` (or, with `inner`, `#![…]`) around what `contents` builds.
    pub(crate) fn attribute(&mut self, inner: bool, contents: impl FnOnce(&mut Tokens)) -> &mut Tokens {
        self.op("#");
        if inner {
            self.op("!");
        }
        self.group(Delimiter::Bracket, contents)
    }

    /// Trees as they are (the user's, or built elsewhere).
    pub(crate) fn trees(&mut self, trees: impl IntoIterator<Item = TokenTree>) -> &mut Tokens {
        self.trees.extend(trees);
        self
    }

    pub(crate) fn into_trees(self) -> Vec<TokenTree> {
        self.trees
    }

    pub(crate) fn into_stream(self) -> TokenStream {
        self.trees.into_iter().collect()
    }
}

/// A lifetime's trees: `'` joined to its name.
pub(crate) fn lifetime_trees(lifetime: &syn::Lifetime) -> Vec<TokenTree> {
    let mut apostrophe = Punct::new('\'', Spacing::Joint);
    apostrophe.set_span(lifetime.apostrophe);
    vec![TokenTree::Punct(apostrophe), TokenTree::Ident(lifetime.ident.clone())]
}

/// A path's trees (`::alloc_ctx`, `my::rt`), built without a stream: its
/// separators at `span`, its segments as they are.
pub(crate) fn path_trees(path: &syn::Path, span: Span) -> Vec<TokenTree> {
    let mut tokens = Tokens::new(span);
    if path.leading_colon.is_some() {
        tokens.op("::");
    }
    for (index, segment) in path.segments.iter().enumerate() {
        if index > 0 {
            tokens.op("::");
        }
        tokens.trees.push(TokenTree::Ident(segment.ident.clone()));
        if !segment.arguments.is_none() {
            // Not a path `crate = …` can name (a crate has no generics);
            // written out as syn would, through a stream.
            tokens.trees.extend(quote::ToTokens::to_token_stream(&segment.arguments));
        }
    }
    tokens.into_trees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_what_quote_would() {
        let krate = path_trees(&syn::parse_quote!(::alloc_ctx), Span::call_site());
        let mut tokens = Tokens::new(Span::call_site());
        tokens.attribute(false, |t| {
            t.ident("allow").group(Delimiter::Parenthesis, |t| {
                t.ident("unused_variables");
            });
        });
        tokens.ident("let").ident("cx").op("=").path(&krate, &["Token", "nowait"]).group(Delimiter::Parenthesis, |t| {
            t.ident("cx");
        });
        tokens.op(";").attribute(true, |t| {
            t.ident("x");
        });
        let expected = quote::quote!(#[allow(unused_variables)] let cx = ::alloc_ctx::Token::nowait(cx); #![x]);
        assert_eq!(tokens.into_stream().to_string(), expected.to_string());
    }

    #[test]
    fn paths_keep_their_shape() {
        for path in [quote::quote!(::alloc_ctx), quote::quote!(my::rt), quote::quote!(crate::rt::inner)] {
            let parsed: syn::Path = syn::parse2(path.clone()).expect("a path");
            let built: TokenStream = path_trees(&parsed, Span::call_site()).into_iter().collect();
            assert_eq!(built.to_string(), path.to_string());
        }
    }
}
