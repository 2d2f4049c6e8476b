//! The lifetimes of a marked function's signature: output elision, and
//! what a returned `impl Trait` captures.
//!
//! The token parameter is a reference (`cx: &mut impl Token`), so it adds
//! an input lifetime. Left at that, it would change two things about the
//! function the user wrote:
//!
//! * **Elision.** "Exactly one input lifetime: it is the output's" stops
//!   holding, so `fn first(v: &[u8]) -> &u8` fails with "missing lifetime
//!   specifier". When there is no reference receiver (whose lifetime wins
//!   anyway) and the parameters have exactly one lifetime, it is written
//!   out in the output: by its name, or, if it was elided, under a fresh
//!   name declared in the generics.
//! * **Captures.** In edition 2024 a returned `impl Trait` captures every
//!   lifetime in scope, the token's too: the caller's token would stay
//!   borrowed for as long as the returned iterator or closure lives, and
//!   `let it = f(cx, …); g(cx, …)` would fail. `use<…>` cannot say
//!   "everything but the token" (and cannot be written at all next to an
//!   `impl Trait` parameter). But rustc takes the capture rules from the
//!   edition of the `impl` token's span, and `Span::call_site()` carries
//!   this crate's edition, 2021 (see Cargo.toml), where an `impl Trait`
//!   captures every type parameter and only the lifetimes it mentions. So
//!   the `impl` is re-emitted with that span, and a `Captures<(&'a (), …)>`
//!   bound mentions what the unmarked function would capture: the lifetimes
//!   of the generics (the function's, and the marked block's), and every
//!   lifetime of the parameters, the elided ones under fresh names. The
//!   token's lifetime is never among them. A `+ use<…>` the user wrote
//!   becomes the `Captures` bound of its lifetimes (its type parameters
//!   are captured anyway).
//!
//! Neither rewrite runs when the return type has no `&`, `'_` or `impl`,
//! which is most functions: expansion time is paid on every `cargo check`
//! (BENCHMARKS.md, item 5).
//!
//! The fresh names (`'__alloc_ctx_l0`, …) carry the span of the function's
//! name, every occurrence alike, so they resolve to each other; like every
//! token the macros add, they take no hygiene context of their own, which
//! would make rustc check the function again after any edit that moves it
//! ([`crate::expand::added_span`]). Their prefix keeps them clear of the
//! user's names.
//!
//! Limits, since all this happens on tokens, before name resolution:
//!
//! * A lifetime hidden in a path (`Ref` for a `struct Ref<'a>`, written
//!   without `<'_>`) cannot be seen: it is neither counted for elision nor
//!   captured. Writing `Ref<'_>`, which the `elided_lifetimes_in_paths` lint
//!   of `rust_2018_idioms` asks for anyway, makes it visible.
//! * The lifetimes of an enclosing `impl` block are only known when the
//!   block itself is marked (its elided ones are then named, see
//!   [`name_block_lifetimes`]), or where the method's parameters mention
//!   them; others are not captured.
//! * Lifetimes in the parenthesised arguments and return type of
//!   `Fn(…)`-style bounds and `fn(…)` pointers, and after a `for<…>`
//!   binder, are higher-ranked: they belong to that bound, not to the
//!   function, and are neither counted nor renamed. An explicit lifetime
//!   bound of a `dyn Trait` (`Box<dyn Debug + '_>`) is counted, as rustc
//!   counts it.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt as _, quote_spanned};
use syn::{Lifetime, Path};

use crate::signature::{AngleDepth, Signature, outer_attributes_end, split_type};
use crate::tokens::{Tokens, lifetime_trees};

/// What the rewrite may do to one function.
pub(crate) struct Scope<'a> {
    /// Rewrite the captures of returned `impl Trait`s. Not for `async fn`
    /// (the future holds every parameter anyway), nor in traits and trait
    /// impls, whose returned `impl Trait`s capture everything whatever the
    /// edition, and must agree with each other.
    pub(crate) captures: bool,
    /// The lifetimes of the marked block around the function: in scope, so
    /// captured by the unmarked function.
    pub(crate) outer: &'a [Lifetime],
    /// The span of what the rewrite adds ([`crate::expand::added_span`]).
    pub(crate) span: Span,
}

/// Rewrites `sig` (before the token parameter is added) so that elision and
/// captures mean what they meant without the token.
///
/// Returns the lifetime the token parameter must have, if any: a function
/// that returns a lock guard (any type with a lifetime argument, see
/// [`returns_guard`]) hands the caller's token on to it (a spinlock guard borrows the token that took the lock,
/// which is what freezes it), so the token is borrowed for the output's
/// lifetime: `fn queue(&self) -> SpinLockGuard<'_, Q>` becomes
/// `fn queue<'l0>(&'l0 self, cx: &'l0 mut impl Token) -> SpinLockGuard<'l0, Q>`.
pub(crate) fn rewrite(sig: &mut Signature, krate: &Path, scope: &Scope<'_>) -> Option<Lifetime> {
    let (maybe_elided, has_impl) = quick_scan(&sig.output);
    let captures = scope.captures && has_impl;
    let lends_token = returns_guard(&sig.output);
    if !maybe_elided && !captures && !lends_token {
        return None;
    }
    let mut ret = ReturnType::split(&sig.output)?;
    let output_elided = has_elided(&ret.ty);
    // A guard whose lifetime the output names (`-> SpinLockGuard<'q, T>`,
    // `'q` a parameter's or the block's) borrows the token for that
    // lifetime, whatever the receiver's.
    let named_guard_lifetime = if lends_token && !output_elided { guard_lifetime(&sig.output) } else { None };
    let reference_receiver = sig.params.has_reference_receiver();
    if !captures && !lends_token && (reference_receiver || !output_elided) {
        // The receiver's lifetime goes to the output, token or not.
        return None;
    }
    let (params, inputs) = name_inputs(sig.params.list(), sig.params.has_receiver(), scope.span);
    if !captures && !reference_receiver && inputs.count != 1 {
        // Zero or several input lifetimes: rustc reports an elided output
        // as it would have without the token. A guard whose lifetime the
        // output names (`-> SpinLockGuard<'a, T>`) still gets the token for
        // that lifetime.
        return if lends_token { named_guard_lifetime.or_else(|| single_named_lifetime(&ret.ty)) } else { None };
    }
    let target = if reference_receiver { inputs.receiver.clone() } else { inputs.single.clone() };
    if let (true, Some(target)) = (output_elided, &target) {
        ret.ty = map_lifetimes(std::mem::take(&mut ret.ty), &mut |slot| match slot {
            Slot::Elided => Some(target.clone()),
            Slot::Named(_) => None,
        });
    }
    if captures {
        let lifetimes = capture_list(&sig.generics, &inputs, scope.outer);
        ret.ty = rewrite_rpits(std::mem::take(&mut ret.ty), &lifetimes, krate, scope.span);
    }
    sig.params.list_mut().clone_from_slice(&params);
    sig.generics = declare(&sig.generics, &inputs.fresh);
    sig.output = ret.join();
    if lends_token { named_guard_lifetime.or(target) } else { None }
}

/// Whether the output may hold the token: it names a type with a lifetime
/// argument (`SpinLockGuard<'_, Q>`, a driver's `StatsGuard<'a>` alias of
/// one, `Option<Guard<'a>>`), which is how a value borrows the token that
/// took a lock (a spinlock guard borrows it, which is what freezes it). The
/// type behind an alias is out of a macro's sight, so every such type
/// counts, except the lifetime-carrying types known not to hold a token:
/// `alloc_ctx`'s `MutexGuard` (its holder may keep sleeping), `core`'s
/// borrows and iterators. A plain reference (`&'a T`) never holds a token.
/// Over-counting only keeps the caller's token borrowed while the value
/// lives; under-counting would refuse a returned guard.
fn returns_guard(tokens: &[TokenTree]) -> bool {
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Group(group) => returns_guard(&group.stream().into_iter().collect::<Vec<_>>()),
        _ => is_guard_type_at(tokens, index),
    })
}

/// Whether `tokens[index]` names a type with a lifetime argument first
/// (`SpinLockGuard<'_`) that may hold a token ([`returns_guard`]).
fn is_guard_type_at(tokens: &[TokenTree], index: usize) -> bool {
    const HOLDS_NO_TOKEN: [&str; 13] = [
        // `+ use<'a, T>`: what a returned `impl Trait` captures, no type.
        "use",
        "MutexGuard",
        "Ref",
        "RefMut",
        "Iter",
        "IterMut",
        "Chars",
        "Cow",
        "Drain",
        "Formatter",
        "Arguments",
        "PhantomData",
        "Split",
    ];
    let Some(TokenTree::Ident(ident)) = tokens.get(index) else { return false };
    let generic_lifetime = matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '<')
        && matches!(tokens.get(index + 2), Some(TokenTree::Punct(p)) if p.as_char() == '\'');
    generic_lifetime && !HOLDS_NO_TOKEN.iter().any(|name| ident == name)
}

/// The lifetime argument of the first type in the output that
/// [`returns_guard`] counts (`'q` of `SpinLockGuard<'q, Frame<'r>>`), if it
/// is named, and not `'static`: the guard borrows the token for it.
fn guard_lifetime(tokens: &[TokenTree]) -> Option<Lifetime> {
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Ident(_) if is_guard_type_at(tokens, index) => {
                let (Some(TokenTree::Punct(apostrophe)), Some(TokenTree::Ident(name))) =
                    (tokens.get(index + 2), tokens.get(index + 3))
                else {
                    return None;
                };
                return (name != "_" && name != "static")
                    .then(|| Lifetime { apostrophe: apostrophe.span(), ident: name.clone() });
            }
            TokenTree::Group(group) => {
                if let Some(found) = guard_lifetime(&group.stream().into_iter().collect::<Vec<_>>()) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// The one named lifetime the output mentions, if it mentions exactly one.
fn single_named_lifetime(output: &TokenStream) -> Option<Lifetime> {
    let mut found: Option<Lifetime> = None;
    let mut several = false;
    let _ = map_lifetimes(output.clone(), &mut |slot| {
        if let Slot::Named(lifetime) = slot {
            match &found {
                Some(first) if first.ident != lifetime.ident => several = true,
                Some(_) => {}
                None => found = Some(lifetime.clone()),
            }
        }
        None
    });
    if several { None } else { found.filter(|lifetime| lifetime.ident != "static") }
}

/// Names the elided lifetimes in the header of a marked inherent `impl`
/// block (`impl Parser<'_>`, `impl Ops for &Dev`): they are generic
/// parameters of the block, so the unmarked methods' returned
/// `impl Trait`s capture them, and only a name can be listed in
/// `Captures`. Done only if a method returns an `impl Trait`.
/// `returns_impl`: whether a method of the block returns an `impl Trait`
/// ([`returns_impl`]).
pub(crate) fn name_block_lifetimes(block: &mut syn::ItemImpl, returns_impl: bool) {
    if block.trait_.is_some() || !returns_impl {
        return;
    }
    let mut fresh = Vec::new();
    let self_ty = map_lifetimes(block.self_ty.to_token_stream(), &mut |slot| match slot {
        Slot::Elided => {
            // At the block's `impl` (as `added_span` for a function).
            let lifetime = Lifetime::new(&format!("'__alloc_ctx_b{}", fresh.len()), block.impl_token.span);
            fresh.push(lifetime.clone());
            Some(lifetime)
        }
        Slot::Named(_) => None,
    });
    if fresh.is_empty() {
        return;
    }
    let Ok(self_ty) = syn::parse2(self_ty) else { return };
    *block.self_ty = self_ty;
    let position = block.generics.lifetimes().count();
    for (offset, lifetime) in fresh.into_iter().enumerate() {
        let param = syn::GenericParam::Lifetime(syn::LifetimeParam::new(lifetime));
        block.generics.params.insert(position + offset, param);
    }
}

/// Whether a method (its tokens after the attributes) returns an
/// `impl Trait`: an `impl` after its top-level `->`.
pub(crate) fn returns_impl(method: &[TokenTree]) -> bool {
    let mut depth = AngleDepth::default();
    let mut arrow = None;
    for (index, token) in method.iter().enumerate() {
        let top = depth.at_top();
        depth.step(token);
        if top && is_punct(token, '>') && index > 0 && is_punct(&method[index - 1], '-') {
            arrow = Some(index);
            break;
        }
        if matches!(token, TokenTree::Group(_)) && index + 1 == method.len() {
            break;
        }
    }
    let Some(arrow) = arrow else { return false };
    let output: Vec<TokenTree> = method[arrow + 1..].iter().filter(|token| !is_body(token)).cloned().collect();
    quick_scan(&output).1
}

fn is_body(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Group(group) if group.delimiter() == Delimiter::Brace)
}

/// A cheap look over the output (return type and `where` clause), so that
/// most functions are left at once: whether it has a `&` or `'_` (maybe an
/// elided lifetime), and whether it has an `impl`.
fn quick_scan(tokens: &[TokenTree]) -> (bool, bool) {
    let (mut maybe_elided, mut has_impl) = (false, false);
    let mut after_apostrophe = false;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) => maybe_elided |= punct.as_char() == '&',
            TokenTree::Ident(ident) => {
                // Read once: each read copies the text out of the compiler.
                let text = ident.to_string();
                maybe_elided |= after_apostrophe && text == "_";
                has_impl |= text == "impl";
            }
            TokenTree::Group(group) => {
                let (elided, impl_) = quick_scan(&group.stream().into_iter().collect::<Vec<_>>());
                maybe_elided |= elided;
                has_impl |= impl_;
            }
            TokenTree::Literal(_) => {}
        }
        after_apostrophe = matches!(token, TokenTree::Punct(punct) if punct.as_char() == '\'');
    }
    (maybe_elided, has_impl)
}

/// The output split into `->`, the return type, and the `where` clause.
struct ReturnType {
    arrow: Vec<TokenTree>,
    ty: TokenStream,
    rest: Vec<TokenTree>,
}

impl ReturnType {
    fn split(tokens: &[TokenTree]) -> Option<ReturnType> {
        let is_arrow = matches!(tokens, [TokenTree::Punct(minus), TokenTree::Punct(gt), ..]
            if minus.as_char() == '-' && gt.as_char() == '>');
        if !is_arrow {
            return None;
        }
        let mut depth = AngleDepth::default();
        let end = tokens[2..]
            .iter()
            .position(|token| {
                let is_where = depth.at_top() && matches!(token, TokenTree::Ident(ident) if ident == "where");
                depth.step(token);
                is_where
            })
            .map_or(tokens.len(), |offset| offset + 2);
        Some(ReturnType {
            arrow: tokens[..2].to_vec(),
            ty: tokens[2..end].iter().cloned().collect(),
            rest: tokens[end..].to_vec(),
        })
    }

    fn join(self) -> Vec<TokenTree> {
        let mut output = self.arrow;
        output.extend(self.ty);
        output.extend(self.rest);
        output
    }
}

/// A lifetime position in a type, outside higher-ranked parts.
#[derive(Clone, Copy)]
enum Slot<'a> {
    /// A `&` with no lifetime after it, or `'_`.
    Elided,
    /// A named lifetime, `'static` included.
    Named(&'a Lifetime),
}

/// Rebuilds `tokens`, showing every lifetime position to `visit`; where it
/// returns a lifetime for an elided one, that lifetime is written there
/// (after the `&`, or instead of the `'_`).
fn map_lifetimes(tokens: TokenStream, visit: &mut dyn FnMut(Slot<'_>) -> Option<Lifetime>) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        if is_punct(token, '&') {
            out.append(token.clone());
            if lifetime_at(&tokens, index + 1).is_none() {
                if let Some(named) = visit(Slot::Elided) {
                    named.to_tokens(&mut out);
                }
            }
            index += 1;
        } else if let Some(lifetime) = lifetime_at(&tokens, index) {
            let replacement = if lifetime.ident == "_" { visit(Slot::Elided) } else { visit(Slot::Named(&lifetime)) };
            match replacement {
                Some(named) => named.to_tokens(&mut out),
                None => out.extend(tokens[index..index + 2].iter().cloned()),
            }
            index += 2;
        } else if let Some(end) = higher_ranked_end(&tokens, index) {
            out.extend(tokens[index..end].iter().cloned());
            index = end;
        } else {
            match token {
                TokenTree::Group(group) => out.append(map_group(group, visit)),
                _ => out.append(token.clone()),
            }
            index += 1;
        }
    }
    out
}

/// A group of a type, its lifetimes mapped. `{…}` is a const expression,
/// and in `[T; N]` only `T` is a type.
fn map_group(group: &Group, visit: &mut dyn FnMut(Slot<'_>) -> Option<Lifetime>) -> TokenTree {
    let inner = match group.delimiter() {
        Delimiter::Brace => return TokenTree::Group(group.clone()),
        Delimiter::Bracket => {
            let tokens: Vec<TokenTree> = group.stream().into_iter().collect();
            let semi = tokens.iter().position(|token| is_punct(token, ';')).unwrap_or(tokens.len());
            let mut inner = map_lifetimes(tokens[..semi].iter().cloned().collect(), visit);
            inner.extend(tokens[semi..].iter().cloned());
            inner
        }
        Delimiter::Parenthesis | Delimiter::None => map_lifetimes(group.stream(), visit),
    };
    let mut mapped = Group::new(group.delimiter(), inner);
    mapped.set_span(group.span());
    TokenTree::Group(mapped)
}

/// If a higher-ranked part starts at `index`, where it ends: a `for<…>`
/// bound, the `(…) -> R` of an `Fn(…)`-style bound or `fn(…)` pointer, or
/// the arguments of a macro call (not a type to look into).
fn higher_ranked_end(tokens: &[TokenTree], index: usize) -> Option<usize> {
    let TokenTree::Ident(ident) = &tokens[index] else { return None };
    let next = tokens.get(index + 1);
    if ident == "for" && next.is_some_and(|token| is_punct(token, '<')) {
        return Some(type_end(tokens, index + 1, true));
    }
    if next.is_some_and(|token| is_punct(token, '!')) && matches!(tokens.get(index + 2), Some(TokenTree::Group(_))) {
        return Some(index + 3);
    }
    let parenthesised = matches!(next, Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis);
    // `&mut (A, B)`, `*const (A, B)`: a tuple, not parenthesised arguments.
    if !parenthesised || ["mut", "const", "dyn", "impl"].iter().any(|keyword| ident == keyword) {
        return None;
    }
    let after_args = index + 2;
    let arrow = matches!(&tokens[after_args.min(tokens.len())..], [TokenTree::Punct(minus), TokenTree::Punct(gt), ..]
        if minus.as_char() == '-' && gt.as_char() == '>');
    Some(if arrow { type_end(tokens, after_args + 2, true) } else { after_args })
}

/// Where the type or bound list starting at `start` ends: at a `,`, `;`,
/// `=` or `where`, at the `>` closing a bracket opened before it, or (if
/// `one_bound`) at a `+`.
fn type_end(tokens: &[TokenTree], start: usize, one_bound: bool) -> usize {
    let mut depth = AngleDepth::default();
    for (offset, token) in tokens.iter().enumerate().skip(start) {
        let ends = depth.closes_outer(token)
            || depth.at_top()
                && match token {
                    TokenTree::Punct(punct) => {
                        matches!(punct.as_char(), ',' | ';' | '=') || one_bound && punct.as_char() == '+'
                    }
                    TokenTree::Ident(ident) => ident == "where",
                    _ => false,
                };
        if ends {
            return offset;
        }
        depth.step(token);
    }
    tokens.len()
}

/// The lifetime `'name` starting at `index`, if there is one.
fn lifetime_at(tokens: &[TokenTree], index: usize) -> Option<Lifetime> {
    match (tokens.get(index), tokens.get(index + 1)) {
        (Some(TokenTree::Punct(apostrophe)), Some(TokenTree::Ident(ident))) if apostrophe.as_char() == '\'' => {
            Some(Lifetime { apostrophe: apostrophe.span(), ident: ident.clone() })
        }
        _ => None,
    }
}

fn is_punct(token: &TokenTree, ch: char) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == ch)
}

/// Whether the type has an elided lifetime that output elision fills.
fn has_elided(ty: &TokenStream) -> bool {
    let mut found = false;
    map_lifetimes(ty.clone(), &mut |slot| {
        found |= matches!(slot, Slot::Elided);
        None
    });
    found
}

/// The lifetimes of the parameters, as elision sees them.
#[derive(Default)]
struct Inputs {
    /// How many lifetime positions there are (rustc counts `'a` twice if
    /// it is written twice).
    count: usize,
    /// The lifetime of the first position, named if it was elided.
    single: Option<Lifetime>,
    /// The lifetime of a reference receiver's `&`.
    receiver: Option<Lifetime>,
    /// The named lifetimes used (not `'static`).
    named: Vec<Lifetime>,
    /// The names given to elided lifetimes, to declare.
    fresh: Vec<Lifetime>,
}

/// Gives every elided lifetime of the parameters a fresh name; returns the
/// rewritten parameters (for the caller to keep or drop) and what was seen.
fn name_inputs(params: &[Vec<TokenTree>], has_receiver: bool, span: Span) -> (Vec<Vec<TokenTree>>, Inputs) {
    let mut inputs = Inputs::default();
    let mut rewritten = Vec::with_capacity(params.len());
    for (position, param) in params.iter().enumerate() {
        let (head, ty) = split_type(param);
        let mut head: TokenStream = head.into_iter().collect();
        let ty: TokenStream = ty.into_iter().collect();
        let is_receiver = has_receiver && position == 0;
        head.extend(map_lifetimes(ty, &mut |slot| {
            let lifetime = match slot {
                Slot::Elided => {
                    let fresh = fresh_lifetime(inputs.fresh.len(), span);
                    inputs.fresh.push(fresh.clone());
                    fresh
                }
                Slot::Named(named) => {
                    if named.ident != "static" {
                        inputs.named.push(named.clone());
                    }
                    named.clone()
                }
            };
            inputs.count += 1;
            if inputs.count == 1 {
                inputs.single = Some(lifetime.clone());
            }
            if is_receiver && inputs.receiver.is_none() {
                inputs.receiver = Some(lifetime.clone());
            }
            match slot {
                Slot::Elided => Some(lifetime),
                Slot::Named(_) => None,
            }
        }));
        rewritten.push(head.into_iter().collect());
    }
    if inputs.count != 1 {
        inputs.single = None;
    }
    (rewritten, inputs)
}

/// `'__alloc_ctx_l{n}`, at `span` (the function's name: see
/// [`crate::expand::added_span`]).
fn fresh_lifetime(n: usize, span: Span) -> Lifetime {
    Lifetime::new(&format!("'__alloc_ctx_l{n}"), span)
}

/// What a returned `impl Trait` of the unmarked function captures: the
/// lifetimes of the generics and of the enclosing block, and those of the
/// parameters. Each once.
fn capture_list(generics: &[TokenTree], inputs: &Inputs, outer: &[Lifetime]) -> Vec<Lifetime> {
    let mut list: Vec<Lifetime> = Vec::new();
    let declared = lifetime_params(generics);
    for lifetime in outer.iter().chain(&declared).chain(&inputs.named).chain(&inputs.fresh) {
        if !list.iter().any(|listed| listed.ident == lifetime.ident) {
            list.push(lifetime.clone());
        }
    }
    list
}

/// The generic parameters in `<…>`, each as its tokens.
fn generic_params(generics: &[TokenTree]) -> Vec<Vec<TokenTree>> {
    let Some(inner) = generics.get(1..generics.len().saturating_sub(1)) else { return Vec::new() };
    let mut params = vec![Vec::new()];
    let mut depth = AngleDepth::default();
    for token in inner {
        if depth.at_top() && is_punct(token, ',') {
            params.push(Vec::new());
        } else if let Some(param) = params.last_mut() {
            param.push(token.clone());
        }
        depth.step(token);
    }
    params.retain(|param| !param.is_empty());
    params
}

/// The lifetime a generic parameter declares, past its attributes.
fn declared_lifetime(param: &[TokenTree]) -> Option<Lifetime> {
    lifetime_at(param, outer_attributes_end(param))
}

fn lifetime_params(generics: &[TokenTree]) -> Vec<Lifetime> {
    generic_params(generics).iter().filter_map(|param| declared_lifetime(param)).collect()
}

/// The generics with `fresh` declared after the existing lifetimes (so
/// explicit lifetime arguments keep their positions).
fn declare(generics: &[TokenTree], fresh: &[Lifetime]) -> Vec<TokenTree> {
    if fresh.is_empty() {
        return generics.to_vec();
    }
    let mut params = generic_params(generics);
    let lifetimes = params.iter().take_while(|param| declared_lifetime(param).is_some()).count();
    params.splice(lifetimes..lifetimes, fresh.iter().map(lifetime_trees));
    let mut tokens = Tokens::new(fresh[0].span());
    tokens.op("<");
    for (index, param) in params.into_iter().enumerate() {
        if index > 0 {
            tokens.op(",");
        }
        tokens.trees(param);
    }
    tokens.op(">");
    tokens.into_trees()
}

/// Re-emits every `impl` of the return type with the call-site (edition
/// 2021) span, and mentions `captures` in its bounds, or the lifetimes of
/// the user's `use<…>`.
fn rewrite_rpits(tokens: TokenStream, captures: &[Lifetime], krate: &Path, span: Span) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = TokenStream::new();
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            TokenTree::Ident(ident) if ident == "impl" => {
                // After `&` the bounds cannot have a `+`: `&(impl A + B)`.
                let one_bound = after_pointer(&tokens[..index]);
                let end = type_end(&tokens, index + 1, one_bound);
                let bounds = rewrite_rpits(tokens[index + 1..end].iter().cloned().collect(), captures, krate, span);
                let (rpit, extended) = rpit(ident, bounds, captures, krate, span);
                if one_bound && extended {
                    out.append(Group::new(Delimiter::Parenthesis, rpit));
                } else {
                    out.extend(rpit);
                }
                index = end;
            }
            TokenTree::Group(group) if group.delimiter() != Delimiter::Brace => {
                let mut rewritten = Group::new(group.delimiter(), rewrite_rpits(group.stream(), captures, krate, span));
                rewritten.set_span(group.span());
                out.append(rewritten);
                index += 1;
            }
            token => {
                out.append(token.clone());
                index += 1;
            }
        }
    }
    out
}

/// One `impl Bounds`: the respanned `impl`, the bounds without a `use<…>`,
/// and the `Captures` bound; true if a bound was added.
fn rpit(
    impl_token: &Ident,
    bounds: TokenStream,
    captures: &[Lifetime],
    krate: &Path,
    added: Span,
) -> (TokenStream, bool) {
    let mut bounds: Vec<TokenTree> = bounds.into_iter().collect();
    let listed = take_use_bound(&mut bounds);
    let lifetimes = listed.as_deref().unwrap_or(captures);
    // The call site's edition, at the user's `impl` for diagnostics: the
    // one token the macros emit with a span of their own (the edition is
    // what the rewrite needs), so a function returning `impl Trait` is the
    // one kind that an edit elsewhere still makes rustc check again.
    let span = Span::call_site().located_at(impl_token.span());
    let mut out = TokenStream::new();
    out.append(Ident::new("impl", span));
    let plus = !bounds.last().is_some_and(|last| is_punct(last, '+'));
    out.extend(bounds);
    if lifetimes.is_empty() {
        return (out, false);
    }
    if plus {
        out.extend(quote_spanned!(added=> +));
    }
    out.extend(quote_spanned!(added=> #krate::__private::Captures<(#(&#lifetimes (),)*)>));
    (out, true)
}

/// Whether the tokens end with `&`, `&'a`, `&mut`, `*const` or the like,
/// after which a type takes no `+`.
fn after_pointer(before: &[TokenTree]) -> bool {
    let mut end = before.len();
    if end > 0 && matches!(&before[end - 1], TokenTree::Ident(ident) if ident == "mut" || ident == "const") {
        end -= 1;
    }
    if end >= 2 && lifetime_at(before, end - 2).is_some() {
        end -= 2;
    }
    end > 0 && (is_punct(&before[end - 1], '&') || is_punct(&before[end - 1], '*'))
}

/// Removes a `use<…>` bound (and a `+` next to it) from the top level of
/// `bounds`; returns the lifetimes it listed.
fn take_use_bound(bounds: &mut Vec<TokenTree>) -> Option<Vec<Lifetime>> {
    let mut depth = AngleDepth::default();
    let mut start = None;
    for (index, token) in bounds.iter().enumerate() {
        let is_use = matches!(token, TokenTree::Ident(ident) if ident == "use");
        if depth.at_top() && is_use && bounds.get(index + 1).is_some_and(|next| is_punct(next, '<')) {
            start = Some(index);
            break;
        }
        depth.step(token);
    }
    let start = start?;
    // The `>` matching the `<` after `use`.
    let mut depth = AngleDepth::default();
    let close = (start + 1..bounds.len())
        .find(|&index| {
            depth.step(&bounds[index]);
            depth.at_top()
        })
        .unwrap_or(bounds.len() - 1);
    let listed =
        (start + 2..close).filter_map(|index| lifetime_at(bounds, index)).filter(|lt| lt.ident != "_").collect();
    let mut remove = start..(close + 1).min(bounds.len());
    if start > 0 && is_punct(&bounds[start - 1], '+') {
        remove.start -= 1;
    } else if bounds.get(remove.end).is_some_and(|next| is_punct(next, '+')) {
        remove.end += 1;
    }
    bounds.drain(remove);
    Some(listed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn lifetimes(list: &[&str]) -> Vec<Lifetime> {
        list.iter().map(|name| Lifetime::new(name, Span::call_site())).collect()
    }

    #[test]
    fn generics_get_fresh_lifetimes_after_their_own() {
        let fresh = lifetimes(&["'x"]);
        let trees = |tokens: TokenStream| tokens.into_iter().collect::<Vec<_>>();
        let declared_with =
            |generics: TokenStream| declare(&trees(generics), &fresh).into_iter().collect::<TokenStream>().to_string();
        assert_eq!(declared_with(TokenStream::new()), quote!(<'x>).to_string());
        assert_eq!(
            declared_with(quote!(<'a, T: Into<U>, const N: usize>)),
            quote!(<'a, 'x, T: Into<U>, const N: usize>).to_string()
        );
        assert_eq!(declared_with(quote!(<T,>)), quote!(<'x, T>).to_string());
        assert_eq!(declared_with(quote!(<#[cfg(x)] 'a: 'b, 'b>)), quote!(<#[cfg(x)] 'a: 'b, 'b, 'x>).to_string());
        let declared = lifetime_params(&trees(quote!(<'a: 'b, 'b, T: 'a, F: for<'c> Fn(&'c T)>)));
        assert_eq!(declared.iter().map(|lt| lt.ident.to_string()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn higher_ranked_parts_are_skipped() {
        let count = |ty: TokenStream| {
            let mut n = 0;
            map_lifetimes(ty, &mut |_| {
                n += 1;
                None
            });
            n
        };
        assert_eq!(count(quote!(&'a [&u8])), 2);
        assert_eq!(count(quote!(impl Fn(&u8) -> &u8 + '_)), 1);
        assert_eq!(count(quote!(fn(&u8) -> &u8)), 0);
        assert_eq!(count(quote!(Box<dyn for<'a> Fn(&'a u8) + Send + '_>)), 1);
        assert_eq!(count(quote!(&mut (&u8, [&u8; { &X as usize }]))), 3);
        assert_eq!(count(quote!(Option<ty!(&u8)>)), 0);
    }

    #[test]
    fn use_bounds_are_taken_out() {
        let mut bounds: Vec<TokenTree> = quote!(Iterator<Item = T> + use<'a, T, 'b> + Send).into_iter().collect();
        let listed = take_use_bound(&mut bounds).expect("a use bound");
        assert_eq!(listed.iter().map(|lt| lt.ident.to_string()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            bounds.into_iter().collect::<TokenStream>().to_string(),
            quote!(Iterator<Item = T> + Send).to_string()
        );
        let mut bounds: Vec<TokenTree> = quote!(use<> + Sized).into_iter().collect();
        assert_eq!(take_use_bound(&mut bounds).map(|listed| listed.len()), Some(0));
        assert_eq!(bounds.into_iter().collect::<TokenStream>().to_string(), quote!(Sized).to_string());
    }

    #[test]
    fn pointers_take_one_bound() {
        let tokens: Vec<TokenTree> = quote!(&'a mut).into_iter().collect();
        assert!(after_pointer(&tokens));
        let tokens: Vec<TokenTree> = quote!(Option<).into_iter().collect();
        assert!(!after_pointer(&tokens));
    }
}
