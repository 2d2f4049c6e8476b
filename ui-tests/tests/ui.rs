//! The compile-pass and compile-fail suite.
//!
//! One `TestCases` for both directories: trybuild only runs `cargo build`
//! (which evaluates the build-time `const` checks of `Size::of`) when the
//! run has pass cases, so the two must stay in the same run.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
