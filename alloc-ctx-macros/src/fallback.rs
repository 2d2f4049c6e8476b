//! What is emitted when a check failed: the item (rewritten as far as it
//! safely could be, or as written) followed by one `compile_error!` per
//! problem. Never the errors alone: the rest of the user's crate would then
//! fail with unrelated "cannot find function" errors.

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// The item plus the errors.
pub(crate) fn emit(item: TokenStream, errors: &Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    quote!(#item #errors)
}
