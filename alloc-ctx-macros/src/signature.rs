//! A function signature, read at the token level.
//!
//! The macros need little from a signature: the qualifiers (`const`,
//! `async`, `extern`), the name, whether the first parameter is a receiver,
//! which names the parameters bind, and a place to insert one parameter.
//! Everything else (generics, parameter types, the return type, the `where`
//! clause) is passed through as the tokens the user wrote. Parsing those
//! with `syn::Signature` made up most of the macros' expansion time, which
//! is paid for every marked function on every `cargo check` (BENCHMARKS.md,
//! item 5); nothing here uses syn.
//!
//! The scanner only has to find two things: the end of the generics and
//! the commas between parameters (the body was split off by
//! [`crate::ast`]: it is the item's last token tree). Groups (`(…)`,
//! `[…]`, `{…}`) are single tokens, so the only nesting to track is that of
//! angle brackets, where `->` is not a closing bracket.

use proc_macro2::{Delimiter, Group, Ident, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::TokenStreamExt as _;

/// `[const] [async] [unsafe] [extern "abi"] fn name<generics>(params) -> output where …`
pub(crate) struct Signature {
    pub(crate) constness: Option<Ident>,
    pub(crate) asyncness: Option<Ident>,
    pub(crate) unsafety: Option<Ident>,
    /// `extern` and its ABI string, if written.
    pub(crate) abi: Option<Vec<TokenTree>>,
    pub(crate) fn_token: Ident,
    pub(crate) ident: Ident,
    /// `<…>`, as written (empty without generics). Trees, not a stream,
    /// as the parameters (below): the checks read them.
    pub(crate) generics: Vec<TokenTree>,
    pub(crate) params: Params,
    /// `-> T where …`, as written, up to the body or `;`.
    pub(crate) output: Vec<TokenTree>,
}

/// The parameter list: the tokens of each parameter.
///
/// Kept as token trees, not streams: the checks read the parameters several
/// times, and reading a stream is a round trip to the compiler (a
/// proc-macro's token streams live there), paid for every marked function
/// on every `cargo check`.
pub(crate) struct Params {
    /// The parentheses, for their span.
    parens: Group,
    list: Vec<Vec<TokenTree>>,
    trailing_comma: bool,
}

/// A parameter the `#[nowait]` probe asks about: its outer attributes, the
/// span of its name and its type as written.
pub(crate) struct Probed {
    pub(crate) attrs: Vec<TokenTree>,
    pub(crate) span: Span,
    pub(crate) ty: Vec<TokenTree>,
    /// A name the parameter's pattern binds, asked about by value (its
    /// type cannot be written in the body, or is not written apart from
    /// the pattern's other names); `ty` is then empty.
    pub(crate) by_value: Option<Ident>,
    /// With `by_value`: the tuple fields to ask about (`p.0.1`), for a
    /// name bound to a tuple whose element cannot be written.
    pub(crate) fields: Vec<usize>,
}

/// Tracks `<…>` nesting in a token sequence (`->` does not close one).
#[derive(Default)]
pub(crate) struct AngleDepth {
    depth: usize,
    after_joint_minus: bool,
}

impl AngleDepth {
    /// Whether no `<` is open.
    pub(crate) fn at_top(&self) -> bool {
        self.depth == 0
    }

    /// Whether `token`, seen next, is a `>` that closes a bracket opened
    /// before this tracker started (and not the `>` of a `->`).
    pub(crate) fn closes_outer(&self, token: &TokenTree) -> bool {
        self.depth == 0 && !self.after_joint_minus && matches!(token, TokenTree::Punct(punct) if punct.as_char() == '>')
    }

    /// Updates the depth with `token`; true if it is at depth 0 afterwards
    /// and was not an angle bracket itself.
    pub(crate) fn step(&mut self, token: &TokenTree) -> bool {
        let mut top_level = self.depth == 0;
        let after_minus = std::mem::take(&mut self.after_joint_minus);
        if let TokenTree::Punct(punct) = token {
            match punct.as_char() {
                '<' => {
                    self.depth += 1;
                    top_level = false;
                }
                '>' if !after_minus => {
                    self.depth = self.depth.saturating_sub(1);
                    top_level = false;
                }
                '-' => self.after_joint_minus = punct.spacing() == Spacing::Joint,
                _ => {}
            }
        }
        top_level
    }
}

impl Signature {
    /// Reads a signature from the tokens between a function's visibility
    /// and its body (or `;`); `None` if they are not one.
    pub(crate) fn parse(tokens: &[TokenTree]) -> Option<Signature> {
        let mut keywords = Keywords::new(tokens);
        let constness = keywords.take("const");
        let asyncness = keywords.take("async");
        let unsafety = keywords.take("unsafe");
        let abi = keywords.take("extern").map(|extern_token| {
            let mut abi = vec![TokenTree::Ident(extern_token)];
            abi.extend(keywords.take_literal());
            abi
        });
        let fn_token = keywords.take("fn")?;
        let mut tokens = keywords.tokens;
        let TokenTree::Ident(ident) = tokens.next()? else { return None };

        let mut generics = Vec::new();
        if tokens.peek().is_some_and(|token| matches!(token, TokenTree::Punct(punct) if punct.as_char() == '<')) {
            let mut angles = AngleDepth::default();
            loop {
                let token = tokens.next()?;
                angles.step(token);
                generics.push(token.clone());
                if angles.depth == 0 {
                    break;
                }
            }
        }

        let TokenTree::Group(parens) = tokens.next()? else { return None };
        if parens.delimiter() != Delimiter::Parenthesis {
            return None;
        }
        let params = Params::split(parens.clone());
        // The rest, up to the body or `;` (which the caller split off).
        let output = tokens.cloned().collect();
        Some(Signature {
            constness,
            asyncness,
            unsafety,
            abi,
            fn_token: fn_token.clone(),
            ident: ident.clone(),
            generics,
            params,
            output,
        })
    }
}

/// The qualifiers and `fn` at the start of a signature, looked for in
/// order. Each identifier's text is read once: a read copies it out of the
/// compiler, and this runs for every marked function.
struct Keywords<'a> {
    tokens: std::iter::Peekable<std::slice::Iter<'a, TokenTree>>,
    next_text: Option<String>,
}

impl<'a> Keywords<'a> {
    fn new(tokens: &'a [TokenTree]) -> Keywords<'a> {
        let mut keywords = Keywords { tokens: tokens.iter().peekable(), next_text: None };
        keywords.read_next();
        keywords
    }

    fn read_next(&mut self) {
        self.next_text = match self.tokens.peek() {
            Some(TokenTree::Ident(ident)) => Some(ident.to_string()),
            _ => None,
        };
    }

    /// The next token, if it is the keyword `name`.
    fn take(&mut self, name: &str) -> Option<Ident> {
        if self.next_text.as_deref() != Some(name) {
            return None;
        }
        let Some(TokenTree::Ident(ident)) = self.tokens.next() else { unreachable!("read as an identifier") };
        self.read_next();
        Some(ident.clone())
    }

    /// The next token, if it is a literal (an `extern` ABI string).
    fn take_literal(&mut self) -> Option<TokenTree> {
        let literal = self.tokens.next_if(|token| matches!(token, TokenTree::Literal(_))).cloned();
        self.read_next();
        literal
    }
}

impl Signature {
    /// Appends the signature's trees, moved rather than copied.
    pub(crate) fn into_trees(self, trees: &mut Vec<TokenTree>) {
        trees.extend(self.constness.map(TokenTree::Ident));
        trees.extend(self.asyncness.map(TokenTree::Ident));
        trees.extend(self.unsafety.map(TokenTree::Ident));
        trees.extend(self.abi.into_iter().flatten());
        trees.push(TokenTree::Ident(self.fn_token));
        trees.push(TokenTree::Ident(self.ident));
        trees.extend(self.generics);
        trees.push(TokenTree::Group(self.params.into_group()));
        trees.extend(self.output);
    }
}

impl Params {
    /// The parentheses around the parameters, moved into them.
    fn into_group(self) -> Group {
        let mut inner = TokenStream::new();
        let count = self.list.len();
        for (index, param) in self.list.into_iter().enumerate() {
            inner.extend(param);
            if index + 1 < count || self.trailing_comma {
                inner.append(Punct::new(',', Spacing::Alone));
            }
        }
        let mut parens = Group::new(Delimiter::Parenthesis, inner);
        parens.set_span(self.parens.span());
        parens
    }

    fn split(parens: Group) -> Params {
        let (list, trailing_comma) = split_at_commas(parens.stream());
        Params { parens, list, trailing_comma }
    }

    /// Whether the first parameter is `self` in any form (`self`, `&self`,
    /// `&'a mut self`, `mut self`, `self: Box<Self>`).
    pub(crate) fn has_receiver(&self) -> bool {
        self.list.first().is_some_and(|first| {
            pattern_of(first).iter().any(|token| matches!(token, TokenTree::Ident(ident) if ident == "self"))
        })
    }

    /// The first identifier named `name` that a parameter's pattern binds.
    pub(crate) fn binding_named(&self, name: &Ident) -> Option<Ident> {
        // The name's text once, not at each comparison.
        let name = name.to_string();
        self.list.iter().find_map(|param| {
            let mut bindings = Vec::new();
            pattern_bindings(&pattern_of(param), false, &mut bindings);
            bindings.into_iter().find_map(|(binding, text)| (text == name).then_some(binding))
        })
    }

    /// What the `#[nowait]` probe asks about for each parameter: its type,
    /// with the span of its pattern (where an error about it points), and
    /// the names its pattern binds, by value, where the type alone does not
    /// tell. A receiver written without a type (`&'a mut self`, `mut
    /// self`) gives its type (`&'a mut Self`, `Self`). A type that mentions
    /// `impl Trait` or a macro (which may expand to one) cannot be written
    /// in a body: only its bindings are asked about (a tuple's elements
    /// field by field, `&p.0`). A written tuple type is opened, and each
    /// element probed. A destructuring pattern other than a tuple pattern
    /// over a written tuple (`W { tok: p }: W<'_>`, `[t]: [&mut Process;
    /// 1]`) has its bindings asked about as well as its type. Left out:
    /// `_`, and the `...` of a variadic function.
    pub(crate) fn probed_types(&self) -> Vec<Probed> {
        let mut probes = Vec::new();
        for param in &self.list {
            let (head, mut ty) = split_type(param);
            if ty.is_empty() {
                continue;
            }
            let attrs = probe_attributes(&param[..outer_attributes_end(param)]);
            // `self: Box<Self>` has a written type; `&'a mut self` does not,
            // and then the type is all of it.
            let typed = is_punct(head.last(), ':');
            let mut pattern = if typed { &head[outer_attributes_end(&head)..head.len() - 1] } else { &[][..] };
            // A `$p:pat` fragment is the pattern in it.
            let fragment;
            if let [TokenTree::Group(group)] = pattern {
                if group.delimiter() == Delimiter::None {
                    fragment = group.stream().into_iter().collect::<Vec<_>>();
                    pattern = &fragment;
                }
            }
            // Each identifier's text once (a read copies it out of the
            // compiler).
            let pattern_texts = ident_texts(pattern);
            let simple = match pattern_texts.as_slice() {
                [Some(name)] => name != "_",
                [Some(keyword), Some(name)] => keyword == "mut" && name != "_",
                _ => false,
            };
            let receiver_at = if typed {
                None
            } else {
                ty.iter().position(|token| matches!(token, TokenTree::Ident(ident) if ident == "self"))
            };
            let writable = can_be_written_in_a_body(&ty);
            // A tuple pattern over a written tuple type: each name's type is
            // an element, asked about by the type probes.
            let typed_bindings = simple || (writable && bindings_typed_by(pattern, &ty));
            let unwritable_tuple = !writable && simple && tuple_elements(&ty).is_some();
            if writable {
                let span = match receiver_at {
                    Some(at) => ty[at].span(),
                    None => (pattern_texts.iter().zip(pattern))
                        .find(|(text, _)| text.as_deref().is_some_and(|text| text != "mut" && text != "ref"))
                        .map_or_else(|| pattern.first().unwrap_or(&ty[0]).span(), |(_, token)| token.span()),
                };
                if receiver_at.is_some() {
                    // A receiver without a written type.
                    let by_reference = is_punct(ty.first(), '&');
                    ty.retain(|token| by_reference || !matches!(token, TokenTree::Ident(i) if i == "mut"));
                    for token in &mut ty {
                        if let TokenTree::Ident(ident) = token {
                            if ident == "self" {
                                *ident = Ident::new("Self", ident.span());
                            }
                        }
                    }
                }
                // A tuple type is not looked into by the probe's rule (a
                // bound cannot ask "any element holds one"): its written
                // elements are probed one by one.
                let mut leaves = Vec::new();
                tuple_leaf_paths(std::mem::take(&mut ty), Vec::new(), &mut leaves);
                for (_, ty) in leaves {
                    probes.push(Probed { attrs: attrs.clone(), span, ty, by_value: None, fields: Vec::new() });
                }
            }
            // A value asked about is used: a one-name parameter the user
            // expects unused (`#[expect(unused_variables)]`) is left to
            // that expectation, which rustc checks (a use of the name is
            // then reported).
            let left_to_expectation = simple && expects_unused(&param[..outer_attributes_end(param)]);
            if unwritable_tuple && !left_to_expectation {
                // One name bound to a written tuple with an `impl Trait` in
                // it: each element that can be written by type, the others
                // by value (`&p.0`).
                let name = pattern.iter().rev().find_map(|token| match token {
                    TokenTree::Ident(name) => Some(name.clone()),
                    _ => None,
                });
                let span = name.as_ref().map_or_else(Span::call_site, Ident::span);
                let mut leaves = Vec::new();
                tuple_leaf_paths(ty, Vec::new(), &mut leaves);
                for (fields, ty) in leaves {
                    let writable = can_be_written_in_a_body(&ty);
                    let by_value = (!writable).then(|| name.clone()).flatten();
                    let ty = if writable { ty } else { Vec::new() };
                    probes.push(Probed { attrs: attrs.clone(), span, ty, by_value, fields });
                }
            } else if (!writable || !typed_bindings) && !left_to_expectation {
                let mut bindings = Vec::new();
                pattern_bindings(pattern, false, &mut bindings);
                for (name, _) in bindings {
                    probes.push(Probed {
                        attrs: attrs.clone(),
                        span: name.span(),
                        ty: Vec::new(),
                        by_value: Some(name),
                        fields: Vec::new(),
                    });
                }
            }
        }
        probes
    }

    /// Whether the receiver is a reference to `Self` in some form (`&self`,
    /// `&'a mut self`, `self: &Self`, `self: Pin<&mut Self>`): then rustc
    /// gives its lifetime to every elided lifetime of the output.
    pub(crate) fn has_reference_receiver(&self) -> bool {
        self.has_receiver() && self.list.first().is_some_and(|first| contains_ampersand(first))
    }

    /// The parameters, as written.
    pub(crate) fn list(&self) -> &[Vec<TokenTree>] {
        &self.list
    }

    /// The parameters, as written, for rewriting their types in place.
    pub(crate) fn list_mut(&mut self) -> &mut [Vec<TokenTree>] {
        &mut self.list
    }

    /// Inserts a parameter (its tokens, without commas) at `position`.
    pub(crate) fn insert(&mut self, position: usize, param: Vec<TokenTree>) {
        self.list.insert(position, param);
    }
}

/// The text of each identifier among `tokens` (`None` for other trees).
fn ident_texts(tokens: &[TokenTree]) -> Vec<Option<String>> {
    tokens
        .iter()
        .map(|token| match token {
            TokenTree::Ident(ident) => Some(ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The names a parameter's pattern binds, in order: not `mut`, `ref`,
/// `box`, `_` or the literals `true`/`false`, nor a path's segments
/// (`Frame::` in `Frame::Rx(x)`, `Dev` in `Dev { ring, .. }`) or a
/// struct pattern's field names (`ring:` in `Dev { ring: r }`). Each with
/// its text (read from the compiler once).
fn pattern_bindings(pattern: &[TokenTree], in_braces: bool, bindings: &mut Vec<(Ident, String)>) {
    for (index, token) in pattern.iter().enumerate() {
        match token {
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                if matches!(text.as_str(), "mut" | "ref" | "box" | "_" | "true" | "false" | "self") {
                    continue;
                }
                let before_group =
                    matches!(pattern.get(index + 1), Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::None);
                if is_binding_position(pattern, index, in_braces) && !before_group {
                    bindings.push((ident.clone(), text));
                }
            }
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                pattern_bindings(&inner, group.delimiter() == Delimiter::Brace, bindings);
            }
            _ => {}
        }
    }
}

/// A parameter's attributes as its probes carry them: a `#[cfg]` gates
/// the probe as it gates the parameter, and lint levels hold for it, but
/// `#[expect(lint)]` becomes `#[allow(lint)]`: the probe is not where the
/// expectation is to be met, and would report it unfulfilled.
fn probe_attributes(attrs: &[TokenTree]) -> Vec<TokenTree> {
    attrs
        .iter()
        .map(|tree| match tree {
            TokenTree::Group(brackets) => expect_as_allow(brackets).map_or_else(|| tree.clone(), TokenTree::Group),
            _ => tree.clone(),
        })
        .collect()
}

/// The attribute in `brackets` with `expect` made `allow`, also under a
/// `cfg_attr(…)`; `None` if it has no `expect`.
fn expect_as_allow(brackets: &Group) -> Option<Group> {
    let mut inner: Vec<TokenTree> = brackets.stream().into_iter().collect();
    let changed = match inner.as_mut_slice() {
        [TokenTree::Ident(ident), ..] if ident == "expect" => {
            *ident = Ident::new("allow", ident.span());
            true
        }
        [TokenTree::Ident(ident), TokenTree::Group(list)] if ident == "cfg_attr" => {
            // `cfg_attr(predicate, attribute, …)`: an `expect` there names
            // an attribute (the predicate's names are cfg options).
            let mut changed = false;
            let trees: Vec<TokenTree> = list
                .stream()
                .into_iter()
                .map(|tree| match tree {
                    TokenTree::Ident(ident) if ident == "expect" => {
                        changed = true;
                        TokenTree::Ident(Ident::new("allow", ident.span()))
                    }
                    other => other,
                })
                .collect();
            let mut rewritten = Group::new(list.delimiter(), trees.into_iter().collect());
            rewritten.set_span(list.span());
            *list = rewritten;
            changed
        }
        _ => false,
    };
    changed.then(|| {
        let mut group = Group::new(brackets.delimiter(), inner.into_iter().collect());
        group.set_span(brackets.span());
        group
    })
}

/// Whether a parameter has a `#[cfg(…)]`: it may not exist.
pub(crate) fn is_cfg_gated(param: &[TokenTree]) -> bool {
    param[..outer_attributes_end(param)].iter().any(|tree| {
        matches!(tree, TokenTree::Group(brackets) if matches!(brackets.stream().into_iter().next(), Some(TokenTree::Ident(name)) if name == "cfg"))
    })
}

/// The types a written type is made of, for the probe: the elements of a
/// tuple type (`(&mut Process, u8)`), nested tuples opened in turn; any
/// other type is itself. The unit type is made of nothing. Each comes with its field path (`[0, 1]` for the `u16` of
/// `(u8, (u32, u16))`), for a value probe of it.
fn tuple_leaf_paths(ty: Vec<TokenTree>, path: Vec<usize>, leaves: &mut Vec<(Vec<usize>, Vec<TokenTree>)>) {
    match tuple_elements(&ty) {
        Some(elements) => {
            for (index, element) in elements.into_iter().enumerate() {
                let mut path = path.clone();
                path.push(index);
                tuple_leaf_paths(element, path, leaves);
            }
        }
        None => leaves.push((path, ty)),
    }
}

/// The elements of a parenthesised tuple (a type or a pattern), split at
/// its top-level commas; `None` for anything else.
fn tuple_elements(tokens: &[TokenTree]) -> Option<Vec<Vec<TokenTree>>> {
    let [TokenTree::Group(parens)] = tokens else { return None };
    if parens.delimiter() == Delimiter::None {
        // A `$t:ty` or `$p:pat` fragment: the tuple may be in it.
        return tuple_elements(&parens.stream().into_iter().collect::<Vec<_>>());
    }
    if parens.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    Some(split_at_commas(parens.stream()).0)
}

/// The items of a comma-separated list (parameters, tuple elements), split
/// at its top-level commas (not those in `<…>`), and whether it ends with
/// a comma.
fn split_at_commas(list: TokenStream) -> (Vec<Vec<TokenTree>>, bool) {
    let mut items = Vec::new();
    let mut current = Vec::new();
    let mut angles = AngleDepth::default();
    let mut trailing_comma = false;
    for token in list {
        let top_level = angles.step(&token);
        trailing_comma = top_level && matches!(&token, TokenTree::Punct(p) if p.as_char() == ',');
        if trailing_comma {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(token);
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    (items, trailing_comma)
}

/// Whether every name `pattern` binds has a type of its own in `ty`, as
/// written, that the type probes ask about: the pattern is one name (or
/// `_`), or a tuple pattern over a tuple type of as many elements, each
/// element so in turn. Then no value needs asking about.
fn bindings_typed_by(pattern: &[TokenTree], ty: &[TokenTree]) -> bool {
    match (tuple_elements(pattern), tuple_elements(ty)) {
        (Some(patterns), Some(types)) => {
            patterns.len() == types.len()
                && patterns.iter().zip(&types).all(|(pattern, ty)| bindings_typed_by(pattern, ty))
        }
        _ => {
            let texts = ident_texts(pattern);
            texts.iter().all(Option::is_some)
                && matches!(texts.split_last(), Some((_, modifiers)) if modifiers.iter().flatten().all(|m| m == "mut" || m == "ref"))
        }
    }
}

/// Whether the attributes hold `#[expect(unused_variables)]`: that lint
/// alone (not the `unused` group, which `unused_mut` may meet, nor a
/// tool's lint of that name), so that only the binding's own use can leave
/// it unfulfilled.
fn expects_unused(attrs: &[TokenTree]) -> bool {
    attrs.iter().any(|tree| {
        let TokenTree::Group(brackets) = tree else { return false };
        let inner: Vec<TokenTree> = brackets.stream().into_iter().collect();
        let (Some(TokenTree::Ident(expect)), Some(TokenTree::Group(lints))) = (inner.first(), inner.get(1)) else {
            return false;
        };
        let lints: Vec<TokenTree> = lints.stream().into_iter().collect();
        expect == "expect" && matches!(lints.as_slice(), [TokenTree::Ident(lint)] if lint == "unused_variables")
    })
}

/// Whether a type holds a macro call (`callback!()`), which may expand to
/// `impl Trait` and so cannot be named in a body either.
fn mentions_macro_call(ty: &[TokenTree]) -> bool {
    ty.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Punct(bang) => bang.as_char() == '!' && matches!(ty.get(index + 1), Some(TokenTree::Group(_))),
        TokenTree::Group(group) => mentions_macro_call(&group.stream().into_iter().collect::<Vec<_>>()),
        _ => false,
    })
}

/// Whether a type can be named in a body, as the type probe names it: not
/// if it mentions `impl Trait` or a macro (which may expand to one).
fn can_be_written_in_a_body(ty: &[TokenTree]) -> bool {
    !mentions_impl(ty) && !mentions_macro_call(ty)
}

/// Whether `impl` appears in a type, at any depth.
fn mentions_impl(ty: &[TokenTree]) -> bool {
    ty.iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(&group.stream().into_iter().collect::<Vec<_>>()),
        _ => false,
    })
}

fn contains_ampersand(tokens: &[TokenTree]) -> bool {
    tokens.iter().any(|token| match token {
        TokenTree::Punct(punct) => punct.as_char() == '&',
        TokenTree::Group(group) => {
            group.delimiter() != Delimiter::Bracket
                && contains_ampersand(&group.stream().into_iter().collect::<Vec<_>>())
        }
        _ => false,
    })
}

/// Where the outer attributes (`#` and its `[…]`) at the start of `tokens`
/// end.
pub(crate) fn outer_attributes_end(tokens: &[TokenTree]) -> usize {
    let mut end = 0;
    while is_punct(tokens.get(end), '#')
        && matches!(tokens.get(end + 1), Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Bracket)
    {
        end += 2;
    }
    end
}

/// Splits a parameter into what comes before its type (outer attributes,
/// the pattern and the `:`) and the type. A receiver written without a
/// type (`&self`, `&'a mut self`, `mut self`) is all type: its `&` and
/// lifetime are what elision looks at. A parameter without a type (the
/// `...` of a variadic `extern` function) is all head.
pub(crate) fn split_type(tokens: &[TokenTree]) -> (Vec<TokenTree>, Vec<TokenTree>) {
    let start = outer_attributes_end(tokens);
    let colon = (start..tokens.len()).find(|&index| is_single_colon(tokens, index));
    let split = match colon {
        Some(index) => index + 1,
        None if tokens[start..].iter().any(|token| matches!(token, TokenTree::Ident(ident) if ident == "self")) => {
            start
        }
        None => tokens.len(),
    };
    (tokens[..split].to_vec(), tokens[split..].to_vec())
}

fn is_punct(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(punct)) if punct.as_char() == ch)
}

/// Whether `tokens[index]` is the first `:` of a `::`. A `:` is `Joint`
/// before any punctuation (`v:&[u8]` too), so its spacing alone does not
/// tell.
fn starts_path_separator(tokens: &[TokenTree], index: usize) -> bool {
    matches!(tokens.get(index), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(tokens.get(index + 1), ':')
}

/// Whether `tokens[index]` is a `:` of its own (before a type, after a
/// field name), not half of a `::`.
fn is_single_colon(tokens: &[TokenTree], index: usize) -> bool {
    is_punct(tokens.get(index), ':')
        && !starts_path_separator(tokens, index)
        && !(index > 0 && starts_path_separator(tokens, index - 1))
}

/// Whether the identifier at `pattern[index]` stands where a pattern binds
/// a name: not a path's segment (`Frame::`, `::Rx`), nor, in `{ … }` (a
/// struct pattern), a field name followed by `:`.
fn is_binding_position(pattern: &[TokenTree], index: usize, in_braces: bool) -> bool {
    let field_name = in_braces && is_single_colon(pattern, index + 1);
    // After a `::`, not after a field's `:` (`Dev { ring: r }` binds `r`).
    let after_path_separator = index >= 2 && starts_path_separator(pattern, index - 2);
    let path_segment = starts_path_separator(pattern, index + 1) || after_path_separator;
    !field_name && !path_segment
}

/// A parameter's pattern: its tokens before the first top-level `:`,
/// without its outer attributes (`#[…]`).
fn pattern_of(param: &[TokenTree]) -> Vec<TokenTree> {
    let mut pattern = Vec::new();
    let mut tokens = param.iter().cloned().peekable();
    while let Some(token) = tokens.next() {
        match &token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // An attribute: `#` and its `[…]`.
                tokens.next_if(|next| matches!(next, TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket));
            }
            TokenTree::Punct(p) if p.as_char() == ':' => {
                if p.spacing() == Spacing::Joint && is_punct(tokens.peek(), ':') {
                    // A path separator `::` (in a struct pattern's path).
                    pattern.push(token.clone());
                    pattern.extend(tokens.next());
                } else {
                    break;
                }
            }
            _ => pattern.push(token),
        }
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn tokens_of(sig: Signature) -> TokenStream {
        let mut trees = Vec::new();
        sig.into_trees(&mut trees);
        trees.into_iter().collect()
    }

    fn sig(tokens: TokenStream) -> Signature {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        Signature::parse(&tokens).expect("a signature")
    }

    #[test]
    fn round_trips_every_part() {
        for tokens in [
            quote!(fn f()),
            quote!(const unsafe extern "C" fn f(x: u8, ...) -> u8),
            quote!(async fn f<'a, T: Fn(u8) -> u8, const N: usize>(x: &'a [T; N],) -> impl Fn() -> Vec<T> where T: Copy),
            quote!(fn f(self: Box<Self>, #[allow(unused)] (a, b): (u8, u8), m: HashMap<K, V>) -> Option<Box<dyn Fn(u8) -> u8>>),
        ] {
            assert_eq!(tokens_of(sig(tokens.clone())).to_string(), tokens.to_string());
        }
    }

    #[test]
    fn not_a_signature() {
        for tokens in [quote!(struct S), quote!(default fn f()), quote!(fn), quote!(fn f), quote!(fn f[])] {
            let tokens: Vec<TokenTree> = tokens.into_iter().collect();
            assert!(Signature::parse(&tokens).is_none());
        }
    }

    #[test]
    fn splits_parameters_at_top_level_commas_only() {
        let parsed = sig(quote!(fn f(a: HashMap<K, V>, f: impl Fn(u8, u8) -> u8, (x, y): (u8, u8))));
        assert_eq!(parsed.params.list.len(), 3);
    }

    #[test]
    fn finds_receivers() {
        for receiver in [quote!(self), quote!(&self), quote!(&'a mut self), quote!(mut self), quote!(self: Box<Self>)] {
            assert!(sig(quote!(fn m(#receiver, x: u8))).params.has_receiver(), "{receiver}");
        }
        assert!(!sig(quote!(fn f(x: u8))).params.has_receiver());
        assert!(!sig(quote!(fn f())).params.has_receiver());
    }

    #[test]
    fn finds_bindings_but_not_field_names_or_types() {
        let cx = Ident::new("cx", proc_macro2::Span::call_site());
        for bound in
            [quote!(cx: u8), quote!(mut cx: u8), quote!((a, cx): (u8, u8)), quote!(S { cx }: S), quote!(ref cx @ _: u8)]
        {
            assert!(sig(quote!(fn f(x: u8, #bound))).params.binding_named(&cx).is_some(), "{bound}");
        }
        for unbound in [quote!(x: cx), quote!(S { cx: other }: S), quote!(#[cfg(cx)] x: u8), quote!(a::cx::B(x): B)] {
            assert!(sig(quote!(fn f(#unbound))).params.binding_named(&cx).is_none(), "{unbound}");
        }
    }

    #[test]
    fn splits_the_type_off_a_parameter() {
        let split = |param: TokenStream| {
            let param: Vec<TokenTree> = param.into_iter().collect();
            let (head, ty) = split_type(&param);
            let text = |tokens: Vec<TokenTree>| tokens.into_iter().collect::<TokenStream>().to_string();
            (text(head), text(ty))
        };
        assert_eq!(
            split(quote!(#[cfg(x)] &x: &'a u8)),
            (quote!(#[cfg(x)] &x:).to_string(), quote!(&'a u8).to_string())
        );
        assert_eq!(split(quote!(a::B(x): a::B)), (quote!(a::B(x):).to_string(), quote!(a::B).to_string()));
        assert_eq!(split(quote!(&'a mut self)), (String::new(), quote!(&'a mut self).to_string()));
        assert_eq!(
            split(quote!(self: Pin<&mut Self>)),
            (quote!(self:).to_string(), quote!(Pin<&mut Self>).to_string())
        );
        assert_eq!(split(quote!(...)), (quote!(...).to_string(), String::new()));
    }

    #[test]
    fn finds_reference_receivers() {
        for receiver in [quote!(&self), quote!(&'a mut self), quote!(self: &Self), quote!(self: Pin<&mut Self>)] {
            assert!(sig(quote!(fn m(#receiver, x: &u8))).params.has_reference_receiver(), "{receiver}");
        }
        for receiver in [quote!(self), quote!(mut self), quote!(self: Box<Self>), quote!(x: &u8)] {
            assert!(!sig(quote!(fn m(#receiver, y: &u8))).params.has_reference_receiver(), "{receiver}");
        }
    }

    #[test]
    fn inserts_a_parameter_keeping_commas_right() {
        let mut parsed = sig(quote!(fn m(&self, x: u8,)));
        parsed.params.insert(1, quote!(cx: T).into_iter().collect());
        assert_eq!(tokens_of(parsed).to_string(), quote!(fn m(&self, cx: T, x: u8,)).to_string());
        let mut parsed = sig(quote!(fn f()));
        parsed.params.insert(0, quote!(cx: T).into_iter().collect());
        assert_eq!(tokens_of(parsed).to_string(), quote!(fn f(cx: T)).to_string());
    }
}
