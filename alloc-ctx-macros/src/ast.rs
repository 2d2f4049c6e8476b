//! What the attribute was put on, parsed lightly.
//!
//! A function is split at the token level, without syn: its outer
//! attributes (`#` and `[…]`), its visibility, its signature (read by
//! [`crate::signature`]) and its body, which is the item's last token tree
//! and is kept as that one `{…}` group. Only the item's top level is
//! looked at, and of the body only its first tokens (whether it starts with
//! an inner attribute `#![…]`, after which the prologue must go): the body
//! is never walked, never handed to syn, and goes back to the compiler as
//! the stream it came as. A driver function's body is much larger than its
//! signature, and expansion runs for every marked function on every
//! `cargo check` (BENCHMARKS.md, item 5). An `impl` or `trait` block is
//! split the same way: syn parses its header (attributes, generics, the
//! types, with an empty body in place of the real one) and the outer
//! attributes of each method; the items are split at the token level
//! ([`Block`]), and each method is then read like a function: no method
//! body goes through syn.

use proc_macro2::{Delimiter, Group, Ident, Punct, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt as _};
use syn::parse::{ParseStream, Parser as _};
use syn::{Attribute, Token, Visibility};

use crate::signature::{AngleDepth, Signature, outer_attributes_end};

/// The item under the attribute.
pub(crate) enum Item {
    /// A free function, an inherent or trait method, or a trait method
    /// declaration.
    Fn(Function),
    /// An `impl` block: every method is marked.
    Impl(Block<syn::ItemImpl>),
    /// A `trait` block: every method is marked.
    Trait(Block<syn::ItemTrait>),
    /// Anything else: rejected, emitted unchanged. The span points at the
    /// item's kind keyword (`struct`, `static`, …) or its first token.
    Other { tokens: TokenStream, span: Span },
}

/// A function, with its body kept as tokens.
pub(crate) struct Function {
    /// The outer attributes, as written.
    pub(crate) attrs: Vec<Attr>,
    /// `pub`, `pub(crate)`, … or nothing, as written. (`default`, of
    /// specialization, is not read: such an item is an `Other`.)
    pub(crate) vis: Vec<TokenTree>,
    pub(crate) sig: Signature,
    pub(crate) body: Body,
}

/// An outer attribute `#[…]`, as written.
pub(crate) struct Attr {
    pound: Punct,
    brackets: Group,
    /// The trees inside the brackets, read from the compiler once, when
    /// first asked for (most attributes are doc comments that only the
    /// mark check looks into).
    contents: std::cell::OnceCell<Vec<TokenTree>>,
    /// [`Attr::single_name`], read once (several checks ask; each read
    /// copies the text out of the compiler).
    name: std::cell::OnceCell<Option<String>>,
}

/// A function body, or the `;` of a declaration.
pub(crate) enum Body {
    Block {
        /// The braces, for their span.
        braces: Span,
        /// Whether the braces may come from a `macro_rules!` (their source
        /// text has a `$`, or there is none): then what the body's
        /// statements see may differ from what its braces see.
        by_a_macro: bool,
        /// Whether the first statement is an item ([`text_starts_with_item`]).
        starts_with_item: bool,
        /// `#![…]` at the start of the block (empty in the common case).
        inner_attrs: TokenStream,
        /// Everything after them: the block's own stream, untouched.
        stmts: TokenStream,
    },
    Semi(Punct),
}

impl Item {
    /// Parses the item; never fails (what is not understood becomes `Other`).
    pub(crate) fn parse(tokens: TokenStream) -> Item {
        // Functions are by far the common case: split them at the token
        // level, and look at what else the item is only when that fails.
        if let Some(function) = Function::parse(tokens.clone()) {
            return Item::Fn(function);
        }
        // A block is classified by its header alone: syn never sees the
        // body.
        let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
        let body = match trees.last() {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => Some(group.clone()),
            _ => None,
        };
        let header: TokenStream = match &body {
            Some(_) => trees[..trees.len() - 1].iter().cloned().collect(),
            None => tokens.clone(),
        };
        let kind = classify.parse2(header.clone());
        match (kind, body) {
            (Ok(Kind::Impl), Some(body)) => Block::parse(header, &body).map_or_else(|| other(tokens), Item::Impl),
            (Ok(Kind::Trait), Some(body)) => Block::parse(header, &body).map_or_else(|| other(tokens), Item::Trait),
            (Ok(Kind::Other(span)), _) => Item::Other { tokens, span },
            _ => other(tokens),
        }
    }
}

/// An `impl` or `trait` block: the header parsed by syn (`H`, with no
/// items), the items split at the token level.
pub(crate) struct Block<H> {
    /// The block's attributes, generics and types, its items left empty.
    pub(crate) header: H,
    /// The braces of the body, for their span.
    braces: Span,
    /// `#![…]` at the start of the body.
    inner_attrs: TokenStream,
    /// The items, in order.
    pub(crate) items: Vec<BlockItem>,
}

/// One item of a block, as written: a method (a `fn` before any `=`), or
/// anything else (consts, types, macro invocations), which stays as it is.
pub(crate) struct BlockItem {
    /// The tokens of the item, its outer attributes first.
    pub(crate) tokens: Vec<TokenTree>,
    /// Whether it is a method, with a body or not.
    pub(crate) is_method: bool,
}

impl<H: syn::parse::Parse + ToTokens> Block<H> {
    /// `None` if syn does not understand the header.
    fn parse(header: TokenStream, body: &Group) -> Option<Block<H>> {
        let mut empty = header;
        empty.append(Group::new(Delimiter::Brace, TokenStream::new()));
        let header = syn::parse2(empty).ok()?;
        let Body::Block { inner_attrs, stmts, .. } = Body::block(body) else { unreachable!() };
        Some(Block { header, braces: body.span(), inner_attrs, items: split_items(stmts) })
    }
}

/// Splits the body of a block into items. An item ends with a `;`, or with
/// a `{…}` that is the body of a method (after a `fn` and before any `=`)
/// or of a macro invocation (after a `!`), each at the top level (outside
/// `<…>`: `-> Foo<{ N }>`).
fn split_items(stmts: TokenStream) -> Vec<BlockItem> {
    let mut items = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let (mut is_method, mut after_eq) = (false, false);
    let mut depth = AngleDepth::default();
    let mut trees: std::collections::VecDeque<TokenTree> = stmts.into_iter().collect();
    while let Some(tree) = trees.pop_front() {
        // A `macro_rules!` fragment where an item starts (`$i:item`,
        // `$vis:vis`): its invisible group is read through, so that the
        // items in it are split as if written out.
        if let TokenTree::Group(fragment) = &tree {
            if fragment.delimiter() == Delimiter::None && outer_attributes_end(&current) == current.len() {
                for inner in fragment.stream().into_iter().collect::<Vec<_>>().into_iter().rev() {
                    trees.push_front(inner);
                }
                continue;
            }
        }
        // `<` and `>` nest in an item's header (generics, where a `{ N }`
        // const argument must not be taken for a body); after an `=` they
        // are operators (`const RX_BIT: u32 = 1 << 3;`, `a < b`).
        let top = after_eq || depth.at_top();
        if !after_eq {
            depth.step(&tree);
        }
        let ends = match &tree {
            TokenTree::Punct(punct) if top && punct.as_char() == ';' => true,
            TokenTree::Punct(punct) if top && punct.as_char() == '=' => {
                after_eq = true;
                false
            }
            TokenTree::Ident(ident) if top && !after_eq && ident == "fn" => {
                is_method = true;
                false
            }
            TokenTree::Group(group) if top && group.delimiter() == Delimiter::Brace => {
                (is_method && !after_eq) || is_punct(current.last(), '!')
            }
            // A method's body passed as a `$body:block` fragment.
            TokenTree::Group(group) if top && group.delimiter() == Delimiter::None => {
                is_method && !after_eq && block_fragment(group).is_some()
            }
            _ => false,
        };
        current.push(tree);
        if ends {
            items.push(BlockItem { tokens: std::mem::take(&mut current), is_method: is_method && !after_eq });
            (is_method, after_eq) = (false, false);
            depth = AngleDepth::default();
        }
    }
    if !current.is_empty() {
        // Unfinished: left for rustc to report.
        items.push(BlockItem { tokens: current, is_method: false });
    }
    items
}

impl BlockItem {
    /// The outer attributes (parsed by syn, for the checks) and the rest.
    pub(crate) fn split_attrs(&self) -> Option<(Vec<Attribute>, TokenStream)> {
        let end = outer_attributes_end(&self.tokens);
        let attrs = Attribute::parse_outer.parse2(self.tokens[..end].iter().cloned().collect()).ok()?;
        Some((attrs, self.tokens[end..].iter().cloned().collect()))
    }

    /// The tokens after the outer attributes.
    pub(crate) fn after_attrs(&self) -> &[TokenTree] {
        let mut end = 0;
        while is_punct(self.tokens.get(end), '#') && self.tokens.get(end + 1).is_some() {
            end += 2;
        }
        &self.tokens[end..]
    }
}

impl<H: ToTokens> ToTokens for Block<H> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let mut header: Vec<TokenTree> = self.header.to_token_stream().into_iter().collect();
        header.pop(); // the empty body
        tokens.extend(header);
        let mut inner = self.inner_attrs.clone();
        for item in &self.items {
            inner.extend(item.tokens.iter().cloned());
        }
        let mut body = Group::new(Delimiter::Brace, inner);
        body.set_span(self.braces);
        tokens.append(body);
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
    /// Splits a function item; `None` if it is not one (or not one this
    /// light reader understands: then it is classified by syn).
    pub(crate) fn parse(tokens: TokenStream) -> Option<Function> {
        Function::from_trees(&tokens.into_iter().collect::<Vec<_>>())
    }

    /// [`Function::parse`] on trees already read (a method of a block).
    pub(crate) fn from_trees(tokens: &[TokenTree]) -> Option<Function> {
        let (last, head) = tokens.split_last()?;
        let body = match last {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => Body::block(group),
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => Body::block(&block_fragment(group)?),
            TokenTree::Punct(semi) if semi.as_char() == ';' => Body::Semi(semi.clone()),
            _ => return None,
        };
        let mut index = 0;
        let mut attrs = Vec::new();
        while let (Some(TokenTree::Punct(pound)), Some(TokenTree::Group(brackets))) =
            (head.get(index), head.get(index + 1))
        {
            if pound.as_char() != '#' || brackets.delimiter() != Delimiter::Bracket {
                break;
            }
            attrs.push(Attr {
                pound: pound.clone(),
                brackets: brackets.clone(),
                contents: Default::default(),
                name: Default::default(),
            });
            index += 2;
        }
        let vis_start = index;
        if head.get(index).is_some_and(is_visibility_fragment) {
            index += 1;
        } else if matches!(head.get(index), Some(TokenTree::Ident(ident)) if ident == "pub") {
            index += 1;
            if matches!(head.get(index), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis) {
                index += 1;
            }
        }
        let vis = head[vis_start..index].to_vec();
        let sig = Signature::parse(&head[index..])?;
        Some(Function { attrs, vis, sig, body })
    }

    /// Whether the function is private: no visibility, an empty
    /// `$vis:vis` fragment, or `pub(self)`.
    pub(crate) fn is_private(&self) -> bool {
        let mut tokens: Vec<TokenTree> = Vec::new();
        for tree in &self.vis {
            match tree {
                TokenTree::Group(fragment) if fragment.delimiter() == Delimiter::None => {
                    tokens.extend(fragment.stream());
                }
                other => tokens.push(other.clone()),
            }
        }
        match tokens.as_slice() {
            [] => true,
            [TokenTree::Ident(vis), TokenTree::Group(scope)] => {
                vis == "pub" && scope.delimiter() == Delimiter::Parenthesis && scope.stream().to_string() == "self"
            }
            _ => false,
        }
    }

    /// Whether the function has a body (not a trait method declaration).
    pub(crate) fn body_is_block(&self) -> bool {
        matches!(self.body, Body::Block { .. })
    }

    /// Whether the body starts with inner attributes (`#![…]`, `//!`).
    pub(crate) fn body_has_inner_attributes(&self) -> bool {
        matches!(&self.body, Body::Block { inner_attrs, .. } if !inner_attrs.is_empty())
    }
}

/// The braces of a body passed through a `macro_rules!` fragment
/// (`$body:block`), in the fragment's invisible group.
fn block_fragment(invisible: &Group) -> Option<Group> {
    let mut inner = invisible.stream().into_iter();
    match (inner.next(), inner.next()) {
        (Some(TokenTree::Group(braces)), None) if braces.delimiter() == Delimiter::Brace => Some(braces),
        _ => None,
    }
}

/// A visibility passed through a `macro_rules!` fragment (`$vis:vis`): an
/// invisible group holding `pub …`, or nothing (a private item's).
fn is_visibility_fragment(tree: &TokenTree) -> bool {
    let TokenTree::Group(group) = tree else { return false };
    group.delimiter() == Delimiter::None
        && group
            .stream()
            .into_iter()
            .next()
            .is_none_or(|first| matches!(first, TokenTree::Ident(ident) if ident == "pub"))
}

impl Body {
    /// A body as written. Its first two tokens are looked at (the stream's
    /// top level is converted once for that; nested groups are not
    /// entered); the inner attributes are split off only if there are any.
    fn block(group: &Group) -> Body {
        let (braces, stmts) = (group.span(), group.stream());
        let text = braces.source_text();
        let by_a_macro = text.as_deref().is_none_or(|text| text.contains('$'));
        let starts_with_item = text.as_deref().is_some_and(text_starts_with_item);
        // The trees are read only where the text may start with one.
        let starts_with_inner_attribute = text.is_none_or(|text| text_may_start_with_inner_attribute(&text)) && {
            let mut trees = stmts.clone().into_iter();
            is_punct(trees.next().as_ref(), '#') && is_punct(trees.next().as_ref(), '!')
        };
        if !starts_with_inner_attribute {
            return Body::Block { braces, by_a_macro, starts_with_item, inner_attrs: TokenStream::new(), stmts };
        }
        // Rare: `#![…]`, each three trees, then the statements.
        let trees: Vec<TokenTree> = stmts.into_iter().collect();
        let mut end = 0;
        while is_punct(trees.get(end), '#')
            && is_punct(trees.get(end + 1), '!')
            && matches!(trees.get(end + 2), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket)
        {
            end += 3;
        }
        Body::Block {
            braces,
            by_a_macro,
            starts_with_item,
            inner_attrs: trees[..end].iter().cloned().collect(),
            stmts: trees[end..].iter().cloned().collect(),
        }
    }

    /// `{ inner attributes, prologue, statements }`, the statements passed
    /// on as one stream.
    pub(crate) fn block_with(
        braces: Span,
        inner_attrs: &TokenStream,
        prologue: TokenStream,
        stmts: TokenStream,
    ) -> Group {
        let mut inner = inner_attrs.clone();
        inner.extend([prologue, stmts]);
        let mut group = Group::new(Delimiter::Brace, inner);
        group.set_span(braces);
        group
    }
}

impl Attr {
    /// The trees inside the brackets.
    fn contents(&self) -> &[TokenTree] {
        self.contents.get_or_init(|| self.brackets.stream().into_iter().collect())
    }

    /// The last segment of the attribute's path: `nowait` for
    /// `#[alloc_ctx::nowait]`, `doc` for `#[doc = "…"]`.
    pub(crate) fn last_segment(&self) -> Option<Ident> {
        let mut last = None;
        let mut after_separator = true;
        let mut trees = self.contents().iter().peekable();
        while let Some(tree) = trees.next() {
            match tree {
                TokenTree::Ident(ident) if after_separator => {
                    last = Some(ident.clone());
                    after_separator = false;
                }
                TokenTree::Punct(colon) if colon.as_char() == ':' && is_punct(trees.peek().copied(), ':') => {
                    trees.next();
                    after_separator = true;
                }
                _ => break,
            }
        }
        last
    }

    /// The attribute's path as text when it is one identifier (`doc`,
    /// `inline`, `allow`).
    pub(crate) fn single_name(&self) -> Option<&str> {
        self.name
            .get_or_init(|| {
                let (TokenTree::Ident(first), next) = (self.contents().first()?, self.contents().get(1)) else {
                    return None;
                };
                (!is_punct(next, ':')).then(|| first.to_string())
            })
            .as_deref()
    }

    /// Whether the attribute gives the function a symbol name of its own:
    /// `#[no_mangle]`, `#[export_name = …]`, bare or in `unsafe(…)`.
    pub(crate) fn exports_symbol(&self) -> bool {
        let exports = |name: &str| name == "no_mangle" || name == "export_name";
        match self.single_name() {
            Some("unsafe") => match self.contents().get(1) {
                Some(TokenTree::Group(inner)) => {
                    matches!(inner.stream().into_iter().next(), Some(TokenTree::Ident(name)) if exports(&name.to_string()))
                }
                _ => false,
            },
            Some(name) => exports(name),
            None => false,
        }
    }

    /// The lints an `#[allow(…)]` or `#[expect(…)]` names, each as written
    /// without spaces (`unused_braces`, `clippy::too_many_arguments`); none
    /// for any other attribute. The expansion leaves these lints to the
    /// user: its own `allow` would duplicate theirs, or leave their
    /// expectation unfulfilled.
    pub(crate) fn allowed_lints(&self) -> Vec<String> {
        if !matches!(self.single_name(), Some("allow" | "expect")) {
            return Vec::new();
        }
        let Some(TokenTree::Group(list)) = self.contents().get(1) else { return Vec::new() };
        let mut lints = vec![String::new()];
        for tree in list.stream() {
            match tree {
                TokenTree::Punct(comma) if comma.as_char() == ',' => lints.push(String::new()),
                other => lints.last_mut().expect("never empty").push_str(&other.to_string()),
            }
        }
        lints.retain(|lint| !lint.is_empty());
        lints
    }

    /// `#[…]` around `inner`, the `#` and brackets at `span`.
    pub(crate) fn from_inner(inner: TokenStream, span: Span) -> Attr {
        let mut pound = Punct::new('#', proc_macro2::Spacing::Alone);
        pound.set_span(span);
        let mut brackets = Group::new(Delimiter::Bracket, inner);
        brackets.set_span(span);
        Attr { pound, brackets, contents: Default::default(), name: Default::default() }
    }
}

/// Whether a `{…}` block may start with an inner attribute (`#![…]`,
/// `//!`, `/*!`), read from its source text: the compiler hands a stream's
/// trees over all at once, so looking at the first two tokens would
/// convert the whole top level of the body, on every `cargo check`. (With
/// no source text, tokens made by another macro, the trees decide.)
fn text_may_start_with_inner_attribute(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('{') else { return true };
    skip_trivia(rest).is_none_or(|rest| rest.starts_with("//!") || rest.starts_with("/*!") || rest.starts_with('#'))
}

/// Whether a `{…}` block's first statement is an item (a `const`, a `use`,
/// a helper `fn`), read from its source text: after the statements the
/// macros put before it, clippy's `items_after_statements` would report
/// it as the user's.
fn text_starts_with_item(text: &str) -> bool {
    let Some(mut rest) = text.strip_prefix('{') else { return false };
    loop {
        let Some(after) = skip_trivia(rest) else { return false };
        rest = after;
        // The item's outer attributes.
        let Some(attribute) = rest.strip_prefix("#[") else { break };
        let mut depth = 1usize;
        let Some(end) = attribute.bytes().position(|byte| {
            match byte {
                b'[' => depth += 1,
                b']' => depth -= 1,
                _ => {}
            }
            depth == 0
        }) else {
            return false;
        };
        rest = &attribute[end + 1..];
    }
    let word = rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
    let after = rest[word.len()..].trim_start();
    match word {
        "static" | "fn" | "use" | "struct" | "enum" | "union" | "type" | "impl" | "mod" | "trait" | "extern"
        | "pub" | "macro_rules" => true,
        // Not an inline `const { … }` block.
        "const" => !after.starts_with('{'),
        // Not an `unsafe { … }` or `async { … }` block.
        "unsafe" | "async" => ["fn", "impl", "trait", "extern"].iter().any(|item| after.starts_with(item)),
        _ => false,
    }
}

/// `rest` past whitespace and comments, stopped at an inner doc comment
/// (`//!`, `/*!`); `None` where a block comment does not end.
fn skip_trivia(mut rest: &str) -> Option<&str> {
    loop {
        rest = rest.trim_start();
        if rest.starts_with("//!") || rest.starts_with("/*!") {
            return Some(rest);
        }
        if let Some(comment) = rest.strip_prefix("//") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if rest.starts_with("/*") {
            // Block comments nest.
            let (mut depth, mut index) = (0usize, 0);
            let bytes = rest.as_bytes();
            while index + 1 < bytes.len() {
                match (bytes[index], bytes[index + 1]) {
                    (b'/', b'*') => (depth, index) = (depth + 1, index + 2),
                    (b'*', b'/') => {
                        (depth, index) = (depth - 1, index + 2);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => index += 1,
                }
            }
            if depth != 0 {
                return None;
            }
            rest = &rest[index..];
        } else {
            return Some(rest);
        }
    }
}

fn is_punct(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(punct)) if punct.as_char() == ch)
}

impl ToTokens for Attr {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append(self.pound.clone());
        tokens.append(self.brackets.clone());
    }
}

impl Function {
    /// The function's tokens, moved rather than copied (the expansion's
    /// last step, run for every marked function: each copied stream would
    /// be one more round trip to the compiler).
    pub(crate) fn into_tokens(self) -> TokenStream {
        self.into_trees().into_iter().collect()
    }

    /// The function's top-level trees (a stream of them is made only
    /// where the output is: a block's method stays trees).
    pub(crate) fn into_trees(self) -> Vec<TokenTree> {
        let mut trees = Vec::new();
        for attr in self.attrs {
            trees.push(TokenTree::Punct(attr.pound));
            trees.push(TokenTree::Group(attr.brackets));
        }
        trees.extend(self.vis);
        self.sig.into_trees(&mut trees);
        trees.push(match self.body {
            Body::Semi(semi) => TokenTree::Punct(semi),
            Body::Block { braces, inner_attrs, stmts, .. } => {
                TokenTree::Group(Body::block_with(braces, &inner_attrs, TokenStream::new(), stmts))
            }
        });
        trees
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
        assert_eq!(inner_attrs.to_string(), quote!(#![allow(unused)]).to_string());
        assert_eq!(stmts.to_string(), quote!(let x = 1; x + 1).to_string());
        // Round trip.
        assert_eq!(
            function.into_tokens().to_string(),
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

    #[rustfmt::skip] // the token streams are compared as written
    #[test]
    fn the_body_is_the_last_tree_past_braces_inside_angle_brackets() {
        let Item::Fn(function) = Item::parse(quote!(
            #[doc = "x"]
            pub(crate) fn f() -> Foo<{ N }>
            where
                T: Into<[u8; { 2 }]>,
            {
                body
            }
        )) else {
            panic!()
        };
        let Body::Block { inner_attrs, stmts, .. } = &function.body else { panic!() };
        assert!(inner_attrs.is_empty());
        assert_eq!(stmts.to_string(), "body");
        assert_eq!(function.sig.output.iter().cloned().collect::<TokenStream>().to_string(), quote!(-> Foo<{ N }> where T: Into<[u8; { 2 }]>,).to_string());
        assert_eq!(function.attrs[0].last_segment().expect("a path"), "doc");
        assert_eq!(function.vis.iter().cloned().collect::<TokenStream>().to_string(), "pub (crate)");
    }

    #[rustfmt::skip] // the token streams are compared as written
    #[test]
    fn block_items_are_split_without_parsing_the_bodies() {
        let Item::Impl(block) = Item::parse(quote!(
            #[doc = "d"]
            impl<'a, const N: usize> Dev<'a, N> where Self: Sized {
                #![allow(unused)]
                const F: fn() -> u8 = { helper };
                type T = [u8; { N }];
                fn first(&self) -> Foo<{ N }> { body }
                m! { x }
                m!(y);
                #[nowait]
                pub(crate) unsafe fn second<T: Into<u8>>(x: T) -> u8 where T: Copy { x.into() }
                fn decl(&self);
            }
        )) else {
            panic!()
        };
        let items: Vec<(String, bool)> = block
            .items
            .iter()
            .map(|item| (item.tokens.iter().cloned().collect::<TokenStream>().to_string(), item.is_method))
            .collect();
        let expected = [
            (quote!(const F: fn() -> u8 = { helper };), false),
            (quote!(type T = [u8; { N }];), false),
            (quote!(fn first(&self) -> Foo<{ N }> { body }), true),
            (quote!(m! { x }), false),
            (quote!(m!(y);), false),
            (quote!(#[nowait] pub(crate) unsafe fn second<T: Into<u8>>(x: T) -> u8 where T: Copy { x.into() }), true),
            (quote!(fn decl(&self);), true),
        ];
        let expected: Vec<(String, bool)> = expected.into_iter().map(|(t, m)| (t.to_string(), m)).collect();
        assert_eq!(items, expected);
        // The header went through syn; the block comes back whole.
        assert_eq!(block.header.generics.params.len(), 2);
        assert!(block.to_token_stream().to_string().contains("# ! [allow (unused)] const F"));
    }

    #[test]
    fn inner_attributes_are_looked_for_in_the_source_text() {
        for text in
            ["{ #![allow(x)] }", "{\n  //! doc\n}", "{ /*! doc */ }", "{ // c\n /* a /* b */ */ #![x] }", "{ /* open"]
        {
            assert!(text_may_start_with_inner_attribute(text), "{text}");
        }
        for text in
            ["{}", "{ let x = 1; }", "{ /// outer\n x }", "{ // c\n x }", "{ /* a /* b */ */ x }", "{ /** d */ x }"]
        {
            assert!(!text_may_start_with_inner_attribute(text), "{text}");
        }
    }

    #[test]
    fn a_first_item_is_looked_for_in_the_source_text() {
        for text in [
            "{ const QUEUES: usize = 4; }",
            "{ use core::fmt::Write; }",
            "{ // a helper\n /// doc\n #[inline] #[cfg(all(x, any()))] fn helper() {} }",
            "{ unsafe fn raw() {} }",
            "{ pub(crate) struct S; }",
            "{ macro_rules! m { () => {} } }",
        ] {
            assert!(text_starts_with_item(text), "{text}");
        }
        for text in
            ["{}", "{ let x = 1; }", "{ const { 1 } }", "{ unsafe { x() } }", "{ async { 1 } }", "{ constant() }"]
        {
            assert!(!text_starts_with_item(text), "{text}");
        }
    }

    #[test]
    fn operators_after_an_equals_sign_do_not_nest() {
        let items = split_items(quote!(
            const RX_BIT: u32 = 1 << 3;
            const SMALL: bool = A < B;
            const C: Foo<{ N }> = Foo::<{ N }>::new();
            fn rx(&self) -> bool {
                true
            }
        ));
        let methods: Vec<bool> = items.iter().map(|item| item.is_method).collect();
        assert_eq!(methods, [false, false, false, true]);
    }

    #[test]
    fn attribute_paths_are_read_to_their_last_segment() {
        let Item::Fn(function) = Item::parse(quote!(
            #[alloc_ctx::nowait]
            #[::a::b::no_context(x)]
            #[inline]
            fn f();
        )) else {
            panic!()
        };
        let names: Vec<String> =
            function.attrs.iter().map(|attr| attr.last_segment().expect("a path").to_string()).collect();
        assert_eq!(names, ["nowait", "no_context", "inline"]);
    }
}

#[cfg(test)]
mod inert_tests {
    use quote::quote;

    use super::*;
    use crate::valid::is_plainly_inert;

    /// The attributes a block's method may carry and still take the
    /// block's mark without syn reading them: exactly the one-segment
    /// inert ones (a doc comment is `#[doc = "…"]`).
    #[test]
    fn only_one_segment_inert_attributes_skip_the_syn_checks() {
        let Item::Fn(function) = Item::parse(quote!(
            /// A doc comment.
            #[inline]
            #[allow(unused)]
            #[cfg_attr(test, inline)]
            #[must_use]
            #[no_context]
            #[nowait]
            #[alloc_ctx::may_sleep]
            #[clippy::inline_always]
            #[my_macro]
            #[doc::fake]
            fn f();
        )) else {
            panic!()
        };
        let inert: Vec<bool> = function.attrs.iter().map(is_plainly_inert).collect();
        assert_eq!(inert, [true, true, true, false, true, false, false, false, false, false, false]);
    }
}
