//! The README shows a compiler error as the product's face: it must be the
//! suite's real snapshot, not an edited copy.

#[test]
fn readme_error_is_the_snapshot_verbatim() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let case = "ui-tests/tests/ui/fail/nowait-fn-gfp-kernel";
    let stderr = std::fs::read_to_string(format!("{root}/{case}.stderr")).expect("snapshot");
    assert!(readme.contains(stderr.trim_end()), "README.md no longer shows {case}.stderr verbatim: copy it again");
    let source = std::fs::read_to_string(format!("{root}/{case}.rs")).expect("case");
    // From the imports to just before `main`: what the README shows.
    let start = source.find("\nuse ").expect("the imports") + 1;
    let function = &source[start..source.find("fn main").expect("main")];
    assert!(readme.contains(function.trim_end()), "README.md no longer shows the code of {case}.rs");
}

/// The README's "change one line" shows a real line of the example, at the
/// line number its error snippet names.
#[test]
fn readme_one_line_change_is_the_example_line() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let example = std::fs::read_to_string(format!("{root}/examples/src/nic_driver.rs")).expect("nic_driver.rs");
    let removed = readme.lines().find_map(|line| line.strip_prefix("-        if backlog.push(")).expect("the diff");
    let at = readme.find("--> examples/src/nic_driver.rs:").expect("the error's location") + 31;
    let line: usize = readme[at..].split(':').next().unwrap().parse().expect("a line number");
    let actual = example.lines().nth(line - 1).expect("the line exists");
    assert_eq!(
        actual.trim_start(),
        format!("if backlog.push({removed}"),
        "README.md shows a stale line of nic_driver.rs"
    );
}
