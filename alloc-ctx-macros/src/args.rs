//! The attribute: which mark it is, and its arguments: `cx = name`,
//! `crate = path`, `entry`, `dyn`.
//!
//! Parsing is two-step, like async-trait's `args.rs`: a loose grammar
//! (`name` or `name = value`, comma separated) that almost never fails, then
//! an interpretation that reports every unknown or repeated argument at its
//! own tokens and keeps going, so all mistakes in one attribute are shown
//! together.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Ident, LitStr, Path, Token};

use crate::errors::Errors;

/// The two contexts a function can be marked with: which attribute this is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mark {
    MaySleep,
    NoWait,
}

impl Mark {
    /// The attribute's name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mark::MaySleep => "may_sleep",
            Mark::NoWait => "nowait",
        }
    }

    /// The mark an attribute named `name` (its path's last segment) gives.
    pub(crate) fn named(name: &Ident) -> Option<Mark> {
        match name.to_string().as_str() {
            "may_sleep" => Some(Mark::MaySleep),
            "nowait" => Some(Mark::NoWait),
            _ => None,
        }
    }
}

/// The interpreted arguments.
pub(crate) struct Args {
    /// Name of the token parameter / binding (`cx` by default).
    pub(crate) cx: Ident,
    /// Whether the name was written by the user (`cx = name`): then it
    /// carries the user's span, and rustc lints it as the user's code.
    pub(crate) cx_written: bool,
    /// Path of the runtime crate (`::alloc_ctx` by default).
    pub(crate) krate: Path,
    /// `entry`: create the token inside instead of taking it as a parameter.
    pub(crate) entry: Option<Span>,
    /// `dyn`: take the concrete token type, for dyn-compatible traits.
    pub(crate) concrete: Option<Span>,
    /// `in_block = "…"`: the mark of a marked `impl`/`trait` block, handed
    /// to a method whose other attributes may be macros (a mark under
    /// another name), which then expand first; what the method needs to
    /// know of its block rides along (see [`InBlock`]).
    pub(crate) in_block: Option<InBlock>,
}

/// What a marked block tells a method whose expansion it defers: whether
/// the block is a trait or a trait impl, and the block's lifetimes.
/// Written as a string, `"trait 'a 'b"` or `"impl 'a"`.
#[derive(Clone, Default)]
pub(crate) struct InBlock {
    pub(crate) trait_rules: bool,
    pub(crate) lifetimes: Vec<syn::Lifetime>,
}

impl InBlock {
    /// The string form, for the deferred attribute.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::from(if self.trait_rules { "trait" } else { "impl" });
        for lifetime in &self.lifetimes {
            text.push(' ');
            text.push_str(&lifetime.to_string());
        }
        text
    }

    fn decode(text: &str, span: Span) -> Option<InBlock> {
        let mut words = text.split_whitespace();
        let trait_rules = match words.next()? {
            "trait" => true,
            "impl" => false,
            _ => return None,
        };
        let lifetimes = words
            .map(|word| word.strip_prefix('\'').map(|name| syn::Lifetime::new(&format!("'{name}"), span)))
            .collect::<Option<Vec<_>>>()?;
        Some(InBlock { trait_rules, lifetimes })
    }
}

impl Default for Args {
    fn default() -> Self {
        Args {
            cx: Ident::new("cx", Span::call_site()),
            cx_written: false,
            krate: runtime_crate_path(),
            entry: None,
            concrete: None,
            in_block: None,
        }
    }
}

/// `::name` of the runtime crate as the user's `Cargo.toml` names it, so a
/// renamed dependency (`ac = { package = "alloc-ctx", … }`) works without
/// `crate = path` on every mark. `::alloc_ctx` when the manifest cannot be
/// read, and for alloc-ctx itself (its doctests and tests are other crates
/// that name it `alloc_ctx`; the library declares `extern crate self as
/// alloc_ctx`). A crate that re-exports alloc-ctx from another path still
/// writes `crate = path`.
fn runtime_crate_path() -> Path {
    let name = match proc_macro_crate::crate_name("alloc-ctx") {
        Ok(proc_macro_crate::FoundCrate::Name(name)) => name,
        Ok(proc_macro_crate::FoundCrate::Itself) | Err(_) => "alloc_ctx".to_owned(),
    };
    // Built directly rather than parsed: this runs for every marked function.
    Path {
        leading_colon: Some(Default::default()),
        segments: std::iter::once(syn::PathSegment::from(Ident::new(&name, Span::call_site()))).collect(),
    }
}

/// One argument as written.
struct RawArg {
    name: Ident,
    value: Option<RawValue>,
}

enum RawValue {
    Path(Path),
    Str(LitStr),
    /// Any other literal: always wrong, reported where it is.
    Other(syn::Lit),
}

const EXPECTED: &str = "expected `cx = name`, `crate = path`, `entry` or `dyn`";

fn parse_raw(input: ParseStream<'_>) -> syn::Result<Vec<RawArg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        // `crate` and `dyn` are keywords: accept any identifier here.
        let name = input.call(Ident::parse_any).map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            if input.peek(LitStr) {
                Some(RawValue::Str(input.parse()?))
            } else if input.peek(syn::Lit) {
                Some(RawValue::Other(input.parse()?))
            } else if input.is_empty() || input.peek(Token![,]) {
                return Err(syn::Error::new(eq.span, format!("`{name} =` needs a value")));
            } else {
                Some(RawValue::Path(input.call(Path::parse_mod_style)?))
            }
        } else {
            None
        };
        args.push(RawArg { name, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// Parses and interprets the attribute's arguments, recording every error
/// in `errors` and returning the arguments that were understood.
pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    if tokens.is_empty() {
        // The common case: `#[may_sleep]`.
        return args;
    }
    let raw = match parse_raw.parse2(tokens) {
        Ok(raw) => raw,
        Err(error) => {
            errors.push(error);
            return args;
        }
    };
    let mut seen: Vec<String> = Vec::new();
    for arg in raw {
        let key = arg.name.to_string();
        if seen.contains(&key) {
            errors.error(&arg.name, format!("`{key}` is given more than once"));
            continue;
        }
        seen.push(key.clone());
        match (key.as_str(), arg.value) {
            ("cx", Some(RawValue::Path(path))) => match path.get_ident() {
                Some(ident) => {
                    args.cx = ident.clone();
                    args.cx_written = true;
                }
                None => errors.error(&path, "`cx` must be a plain identifier, e.g. `cx = ctx`"),
            },
            ("cx", Some(RawValue::Str(lit))) => match lit.parse::<Ident>() {
                Ok(ident) => {
                    args.cx = ident;
                    args.cx_written = true;
                }
                Err(_) => errors.error(&lit, "`cx` must be a plain identifier, e.g. `cx = ctx`"),
            },
            ("crate", Some(RawValue::Path(path))) => args.krate = path,
            ("crate", Some(RawValue::Str(lit))) => match lit.parse::<Path>() {
                Ok(path) => args.krate = path,
                Err(_) => errors.error(&lit, "`crate` must be a path, e.g. `crate = my_driver::alloc_ctx`"),
            },
            ("cx" | "crate", Some(RawValue::Other(lit))) => {
                errors.error(&lit, format!("`{key}` takes a name or a path, not a literal"));
            }
            ("cx" | "crate", None) => errors.error(&arg.name, format!("`{key}` needs a value: `{key} = …`")),
            ("in_block", Some(RawValue::Str(lit))) => match InBlock::decode(&lit.value(), lit.span()) {
                Some(in_block) => args.in_block = Some(in_block),
                None => errors.error(&lit, "`in_block` is the marked block's own argument; not for use by hand"),
            },
            ("entry", None) => args.entry = Some(arg.name.span()),
            ("dyn", None) => args.concrete = Some(arg.name.span()),
            ("entry" | "dyn", Some(value)) => {
                let span = match &value {
                    RawValue::Path(path) => path.span(),
                    RawValue::Str(lit) => lit.span(),
                    RawValue::Other(lit) => lit.span(),
                };
                errors.push(syn::Error::new(span, format!("`{key}` takes no value")));
            }
            _ => errors.error(&arg.name, format!("unknown argument `{key}`; {EXPECTED}")),
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn messages(tokens: TokenStream) -> (Args, Vec<String>) {
        let mut errors = Errors::default();
        let args = parse(tokens, &mut errors);
        (args, errors.messages())
    }

    #[test]
    fn defaults_when_empty() {
        let (args, errors) = messages(quote!());
        assert!(errors.is_empty());
        assert_eq!(args.cx, "cx");
        let krate = &args.krate;
        assert_eq!(quote!(#krate).to_string(), quote!(::alloc_ctx).to_string());
        assert!(args.entry.is_none() && args.concrete.is_none());
    }

    #[test]
    fn every_argument_is_understood() {
        let (args, errors) = messages(quote!(cx = ctx, crate = "my::rt", entry));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.cx, "ctx");
        let krate = &args.krate;
        assert_eq!(quote!(#krate).to_string(), "my :: rt");
        assert!(args.entry.is_some());
        let (args, errors) = messages(quote!(dyn, crate = ::reexport::alloc_ctx));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(args.concrete.is_some());
    }

    #[test]
    fn all_mistakes_are_reported_together() {
        let (args, errors) = messages(quote!(entry, sleepy, entry, cx = a::b, dyn = 1));
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].starts_with("unknown argument `sleepy`"));
        assert_eq!(errors[1], "`entry` is given more than once");
        assert!(errors[2].starts_with("`cx` must be a plain identifier"));
        assert_eq!(errors[3], "`dyn` takes no value");
        // What was understood is kept.
        assert!(args.entry.is_some());
    }

    #[test]
    fn syntax_errors_are_reported() {
        let (_, errors) = messages(quote!(cx =));
        assert_eq!(errors, ["`cx =` needs a value"]);
        let (_, errors) = messages(quote!(entry dyn));
        assert_eq!(errors.len(), 1);
    }
}
