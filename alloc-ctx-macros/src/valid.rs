//! Semantic checks. Each records its error (spanned on the offending
//! tokens) and returns what expansion can still safely do, so the user's
//! item is always emitted and one mistake gives one error.

use syn::Attribute;

use crate::Mark;
use crate::args::Args;
use crate::ast::{Body, Function};
use crate::errors::Errors;

/// What expansion does to one function.
pub(crate) struct Plan {
    /// Add the token parameter / entry prologue. False when the user
    /// already has a binding of that name (injecting would only add a
    /// second, confusing error).
    pub(crate) inject: bool,
    /// Entry form: create the token inside.
    pub(crate) entry: bool,
    /// Take the concrete token type instead of `impl …Context`.
    pub(crate) concrete: bool,
}

/// Checks that concern the arguments alone.
pub(crate) fn check_args(args: &mut Args, errors: &mut Errors) {
    if let (Some(_), Some(concrete)) = (args.entry, args.concrete) {
        errors.push(syn::Error::new(
            concrete,
            "`dyn` and `entry` cannot be combined: an entry point takes no token parameter to make concrete",
        ));
        args.concrete = None;
    }
}

/// Whether `attr` is one of the two marks (by its last path segment, so
/// `#[nowait]`, `#[alloc_ctx::nowait]` and re-exports all count).
pub(crate) fn mark_of(attr: &Attribute) -> Option<Mark> {
    let last = attr.path().segments.last()?;
    if last.ident == "may_sleep" {
        Some(Mark::MaySleep)
    } else if last.ident == "nowait" {
        Some(Mark::NoWait)
    } else {
        None
    }
}

/// Removes further marks from the item's attributes, reporting each: the
/// item gets exactly one context.
pub(crate) fn strip_other_marks(mark: Mark, attrs: &mut Vec<Attribute>, errors: &mut Errors) {
    attrs.retain(|attr| match mark_of(attr) {
        None => true,
        Some(other) if other == mark => {
            errors.error(attr, format!("`#[{}]` is given twice on this item", mark.name()));
            false
        }
        Some(other) => {
            errors.error(
                attr,
                format!(
                    "`#[{}]` and `#[{}]` on one item: a function either may sleep or must not; keep one",
                    mark.name(),
                    other.name()
                ),
            );
            false
        }
    });
}

/// Checks one function and decides how to expand it.
pub(crate) fn check_function(mark: Mark, args: &Args, function: &mut Function, errors: &mut Errors) -> Plan {
    strip_other_marks(mark, &mut function.attrs, errors);
    let sig = &function.sig;
    let mut plan = Plan { inject: true, entry: args.entry.is_some(), concrete: args.concrete.is_some() };

    if let (Mark::NoWait, Some(asyncness)) = (mark, &sig.asyncness) {
        errors.error(
            asyncness,
            "`#[nowait]` cannot be used on an `async fn`: an async function may be suspended at any `.await`, \
             which is a sleep; mark it `#[may_sleep]`, or make it a plain `fn`",
        );
    }

    if plan.entry {
        if let Body::Semi(semi) = &function.body {
            errors.error(
                semi,
                format!("`#[{}(entry)]` needs a function body: an entry point creates its token inside", mark.name()),
            );
            plan.entry = false;
        }
        if let Some(constness) = &sig.constness {
            errors.error(
                constness,
                format!("`#[{}(entry)]` cannot be used on a `const fn`: the entry check runs at run time", mark.name()),
            );
            plan.entry = false;
        }
    }

    if !plan.entry && sig.ident == "main" && function.body_is_block() {
        // A token parameter would only add rustc's "`main` function has
        // wrong type"; say what to write instead and expand as an entry.
        errors.error(
            &sig.ident,
            format!(
                "`main` cannot take a context token: write `#[{}(entry)]`, which creates the token inside",
                mark.name()
            ),
        );
        plan.entry = true;
        plan.concrete = false;
    }

    if !plan.entry
        && let Some(clash) = sig.params.binding_named(&args.cx)
    {
        errors.error(
            &clash,
            format!(
                "parameter `{cx}` clashes with the context token that `#[{mark}]` adds as `{cx}`; \
                 rename the parameter, or name the token differently: `#[{mark}(cx = ctx)]`",
                cx = args.cx,
                mark = mark.name(),
            ),
        );
        plan.inject = false;
    }

    // A `const fn` cannot call the conversion traits, and an `extern` ABI
    // cannot be generic in a useful way: both take the concrete type.
    if sig.constness.is_some() || sig.abi.is_some() {
        plan.concrete = true;
    }
    plan
}
