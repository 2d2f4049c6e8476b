//! The layering of `alloc-ctx/src`, checked.
//!
//! The runtime is five layers, one folder each (`docs/DESIGN.md`, "Layout
//! of the code"). A module may import from its own layer and the layers
//! below, never from a layer above, and the modules' imports form no
//! circle. This test reads every `crate::…` path in `src/` (outside
//! comments and `#[cfg(test)]` modules, which may use anything) and fails
//! with the offending file and path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom first. `lib.rs` sits above all of them.
const LAYERS: &[&str] = &["vocab", "context", "request", "containers", "extras"];

/// A module of the crate: its path from the crate root (`["vocab", "flags"]`)
/// and its source.
struct Module {
    path: Vec<String>,
    source: String,
}

fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let file = path.pop().expect("a file name");
    match file.as_str() {
        "lib.rs" | "mod.rs" => {}
        _ => path.push(file.trim_end_matches(".rs").to_owned()),
    }
    path
}

fn read_modules(dir: &Path, root: &Path, out: &mut Vec<Module>) {
    let mut entries: Vec<PathBuf> =
        fs::read_dir(dir).expect("read src").map(|entry| entry.expect("entry").path()).collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            read_modules(&entry, root, out);
        } else if entry.extension().is_some_and(|ext| ext == "rs") {
            let relative = entry.strip_prefix(root).expect("under src");
            out.push(Module { path: module_path(relative), source: fs::read_to_string(&entry).expect("read module") });
        }
    }
}

/// The layer rank of a module: its position in [`LAYERS`], `LAYERS.len()`
/// for the crate root.
fn rank(path: &[String]) -> Option<usize> {
    match path.first() {
        None => Some(LAYERS.len()),
        Some(layer) => LAYERS.iter().position(|name| name == layer),
    }
}

/// The code of a module without comments and without its `#[cfg(test)]`
/// module (by convention the last item of a file).
fn code_of(source: &str) -> String {
    let mut code = String::new();
    for line in source.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let line = match line.find("//") {
            Some(comment) => &line[..comment],
            None => line,
        };
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// Every module path named after `crate::` in `code`, with `use` groups
/// (`crate::{a::{B, c::D}, e}`) expanded. `$crate::` paths are the macros'
/// and name the public surface; they are not imports of this crate's
/// modules.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut paths = Vec::new();
    let mut search = 0;
    while let Some(found) = code[search..].find("crate::") {
        let start = search + found;
        search = start + "crate::".len();
        let preceded_by_ident =
            start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || matches!(bytes[start - 1], b'_' | b'$'));
        if preceded_by_ident {
            continue;
        }
        let mut cursor = search;
        parse_tree(bytes, &mut cursor, Vec::new(), &mut paths);
    }
    paths
}

fn skip_spaces(bytes: &[u8], cursor: &mut usize) {
    while *cursor < bytes.len() && bytes[*cursor].is_ascii_whitespace() {
        *cursor += 1;
    }
}

fn ident(bytes: &[u8], cursor: &mut usize) -> Option<String> {
    skip_spaces(bytes, cursor);
    let start = *cursor;
    while *cursor < bytes.len() && (bytes[*cursor].is_ascii_alphanumeric() || bytes[*cursor] == b'_') {
        *cursor += 1;
    }
    (*cursor > start).then(|| String::from_utf8_lossy(&bytes[start..*cursor]).into_owned())
}

/// Parses `a::b::{…}` at `cursor`, pushing every full path it names.
fn parse_tree(bytes: &[u8], cursor: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    loop {
        skip_spaces(bytes, cursor);
        if bytes.get(*cursor) == Some(&b'{') {
            *cursor += 1;
            loop {
                skip_spaces(bytes, cursor);
                match bytes.get(*cursor) {
                    Some(b'}') => {
                        *cursor += 1;
                        return;
                    }
                    Some(b',') => *cursor += 1,
                    Some(_) => {
                        let before = *cursor;
                        parse_tree(bytes, cursor, prefix.clone(), out);
                        if *cursor == before {
                            *cursor += 1; // `*` or `self as x`: skip
                        }
                    }
                    None => return,
                }
            }
        }
        match ident(bytes, cursor) {
            Some(name) => prefix.push(name),
            None => break,
        }
        if bytes[*cursor..].starts_with(b"::") {
            *cursor += 2;
        } else {
            break;
        }
    }
    if !prefix.is_empty() {
        out.push(prefix);
    }
}

/// The module a path names: its longest prefix that is a module.
fn target_module<'m>(path: &[String], modules: &'m BTreeSet<Vec<String>>) -> Option<&'m Vec<String>> {
    (0..=path.len()).rev().find_map(|len| modules.get(&path[..len]))
}

/// What is wrong with the layering of `modules`: upward imports, and
/// circles of imports between modules.
fn violations(modules: &[Module]) -> Vec<String> {
    let names: BTreeSet<Vec<String>> = modules.iter().map(|module| module.path.clone()).collect();
    let mut problems = Vec::new();
    let mut graph: BTreeMap<&Vec<String>, BTreeSet<&Vec<String>>> = BTreeMap::new();
    for module in modules {
        let Some(from_rank) = rank(&module.path) else {
            problems.push(format!("src/{}: not in a layer folder ({})", module.path.join("/"), LAYERS.join(", ")));
            continue;
        };
        let edges = graph.entry(&module.path).or_default();
        for path in crate_paths(&code_of(&module.source)) {
            let Some(target) = target_module(&path, &names) else { continue };
            if target == &module.path {
                continue;
            }
            let to_rank = rank(target).unwrap_or(usize::MAX);
            if to_rank > from_rank && !module.path.is_empty() {
                problems.push(format!(
                    "{}: imports `crate::{}` from a higher layer ({} above {}); a layer imports only from itself and the layers below",
                    module.path.join("::"),
                    path.join("::"),
                    target.first().map_or("the crate root", String::as_str),
                    module.path[0],
                ));
            }
            // A module's own parent (`mod.rs` declaring it) is not an import.
            if target.len() < module.path.len() && module.path.starts_with(target) {
                continue;
            }
            edges.insert(target);
        }
    }
    problems.extend(circles(&graph));
    problems
}

/// Every import circle of `graph`, found by depth-first search.
fn circles(graph: &BTreeMap<&Vec<String>, BTreeSet<&Vec<String>>>) -> Vec<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit<'g>(
        node: &'g Vec<String>,
        graph: &BTreeMap<&'g Vec<String>, BTreeSet<&'g Vec<String>>>,
        marks: &mut BTreeMap<&'g Vec<String>, Mark>,
        stack: &mut Vec<&'g Vec<String>>,
        found: &mut Vec<String>,
    ) {
        marks.insert(node, Mark::Open);
        stack.push(node);
        for &next in graph.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let start = stack.iter().position(|&entry| entry == next).expect("open nodes are on the stack");
                    let circle: Vec<String> =
                        stack[start..].iter().chain([&next]).map(|module| module.join("::")).collect();
                    found.push(format!("import circle: {}", circle.join(" -> ")));
                }
                Some(Mark::Done) => {}
                None => visit(next, graph, marks, stack, found),
            }
        }
        stack.pop();
        marks.insert(node, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut found = Vec::new();
    for &node in graph.keys() {
        if !marks.contains_key(node) {
            visit(node, graph, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn runtime_layers_import_downwards_only_and_without_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = Vec::new();
    read_modules(&src, &src, &mut modules);
    assert!(modules.len() > 20, "read {} modules", modules.len());
    let problems = violations(&modules);
    assert!(problems.is_empty(), "layering of alloc-ctx/src:\n{}", problems.join("\n"));
}

fn module(path: &str, source: &str) -> Module {
    Module {
        path: if path.is_empty() { Vec::new() } else { path.split("::").map(str::to_owned).collect() },
        source: source.to_owned(),
    }
}

#[test]
fn an_upward_import_is_reported() {
    let modules = [
        module("vocab", "pub mod size;"),
        module("vocab::size", "use crate::containers::kvec::KVec; // up\n"),
        module("containers", "pub mod kvec;"),
        module("containers::kvec", "use crate::vocab::size::Size;"),
    ];
    let problems = violations(&modules);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("vocab::size: imports `crate::containers::kvec::KVec` from a higher layer"));
    assert_eq!(problems[1], "import circle: containers::kvec -> vocab::size -> containers::kvec");
}

#[test]
fn a_circle_inside_one_layer_is_reported_through_use_groups() {
    let modules = [
        module("vocab::flags", "use crate::vocab::{error::AllocError, size::{Bound, Size}};"),
        module("vocab::error", "use crate::vocab::flags::Gfp;"),
        module("vocab::size", "// use crate::vocab::flags::Gfp; (a comment, not an import)\n"),
    ];
    assert_eq!(violations(&modules), ["import circle: vocab::error -> vocab::flags -> vocab::error"]);
}

#[test]
fn test_modules_and_macro_paths_are_not_imports() {
    let modules = [
        module(
            "vocab::size",
            "macro_rules! m { () => { $crate::KVec::new() } }\n#[cfg(test)]\nmod tests { use crate::containers::kvec::KVec; }",
        ),
        module("containers::kvec", "use crate::vocab::size::Size;"),
    ];
    assert_eq!(violations(&modules), Vec::<String>::new());
}

#[test]
fn a_file_outside_the_layers_is_reported() {
    let problems = violations(&[module("helpers", "")]);
    assert_eq!(problems, ["src/helpers: not in a layer folder (vocab, context, request, containers, extras)"]);
}
