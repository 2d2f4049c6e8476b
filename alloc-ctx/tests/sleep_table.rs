//! The table of what may sleep (`docs/DESIGN.md`, "What may sleep: every
//! public operation"), checked against the source and the ui suite.
//!
//! The model: an operation that may sleep takes the caller's sleep token,
//! or takes flags and a token (and sleeps only with sleeping flags); a
//! `Drop` that the kernel's counterpart would let sleep has an explicit
//! method with a sleep token. This test reads the table and checks each
//! row against the function it names, and, the other way, that every public
//! function that takes a sleep token parameter or calls `might_sleep()` has
//! a row, so an operation added later without one fails here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug)]
struct Row {
    /// `Type::method`, `module::function`, or a type (`on drop` rows).
    operation: String,
    /// The source file, relative to `alloc-ctx/src`.
    file: String,
    /// `always`, `process context` (never waits, but needs a sleep token),
    /// `flags`, `on drop: method`, or `on drop, deferred`.
    sleeps: String,
    /// The ui case that shows it refused under a spinlock.
    ui_case: String,
    /// What happens in an atomic section.
    in_atomic: String,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

fn cell(text: &str) -> String {
    text.trim().trim_matches('`').to_owned()
}

fn rows(design: &str) -> Vec<Row> {
    let begin = design.find("<!-- what-may-sleep:begin -->").expect("the table's begin marker");
    let end = design.find("<!-- what-may-sleep:end -->").expect("the table's end marker");
    design[begin..end]
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 5, "a row of five cells: {line}");
            Row {
                operation: cell(cells[0]),
                file: cell(cells[1]),
                sleeps: cell(cells[2]),
                ui_case: cell(cells[3]),
                in_atomic: cells[4].trim().to_owned(),
            }
        })
        .collect()
}

/// The code of `source` without comments (doc examples included), up to
/// its `#[cfg(test)]` module.
fn code_of(source: &str) -> String {
    let mut code = String::new();
    for line in source.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        code.push_str(line.find("//").map_or(line, |comment| &line[..comment]));
        code.push('\n');
    }
    code
}

/// A public function of a source file: its name, the type of the `impl`
/// block it is in (if any), its signature up to the body and its body.
#[derive(Debug)]
struct PubFn {
    owner: Option<String>,
    name: String,
    signature: String,
    body: String,
}

/// The index just past the bracket that closes the one at `open`.
fn close_of(code: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    for (index, byte) in code.iter().enumerate().skip(open) {
        match byte {
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

/// The type an `impl` header implements for: `impl<T> Workqueue<T>` and
/// `impl<T> Drop for Workqueue<T>` both give `Workqueue`.
fn impl_type(header: &str) -> Option<String> {
    let header = header.trim_start().strip_prefix("impl")?;
    let header = header.rsplit(" for ").next()?;
    // Skip the generics of `impl<…>`.
    let mut depth = 0i32;
    let mut start = 0;
    for (index, c) in header.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            c if depth == 0 && (c.is_alphabetic() || c == '_') => {
                start = index;
                break;
            }
            _ => {}
        }
    }
    let name: String = header[start..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

fn public_fns(source: &str) -> Vec<PubFn> {
    let code = code_of(source);
    let bytes = code.as_bytes();
    // The `impl` blocks: (start, end, type).
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(found) = code[at..].find("impl") {
        let start = at + found;
        at = start + 4;
        let line_start = code[..start].rfind('\n').map_or(0, |n| n + 1);
        if !code[line_start..start].trim().is_empty() || !code[at..].starts_with(['<', ' ']) {
            continue;
        }
        let Some(open) = code[start..].find('{').map(|n| start + n) else { break };
        if let Some(owner) = impl_type(&code[start..open]) {
            blocks.push((start, close_of(bytes, open), owner));
        }
    }
    let mut fns = Vec::new();
    let mut at = 0;
    while let Some(found) = code[at..].find("pub fn ").or_else(|| code[at..].find("pub unsafe fn ")) {
        let start = at + found;
        let name_start = code[start..].find("fn ").unwrap() + start + 3;
        let name: String = code[name_start..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        // The body opens at the first `{` outside the parameter list and
        // generics, or the declaration ends at `;`.
        let params = code[name_start..].find('(').unwrap() + name_start;
        let after_params = close_of(bytes, params);
        let open = code[after_params..].find(['{', ';']).map(|n| after_params + n).unwrap();
        let end = if bytes[open] == b'{' { close_of(bytes, open) } else { open + 1 };
        let owner = blocks
            .iter()
            .filter(|(block_start, block_end, _)| *block_start < start && start < *block_end)
            .max_by_key(|(block_start, ..)| *block_start)
            .map(|(.., owner)| owner.clone());
        fns.push(PubFn { owner, name, signature: code[start..open].to_owned(), body: code[open..end].to_owned() });
        at = end.max(start + 1);
    }
    fns
}

/// Whether a signature takes a sleep token parameter: `&mut impl
/// SleepToken`, `&mut impl MutexContext`, `&mut MaySleep`, or `&mut C`
/// with `C` bounded by one of them; or a lock guard that holds the sleep
/// token its lock was taken with (`&mut G`, `G: WaitGuard`: what
/// `CondVar::wait` releases to sleep).
fn takes_sleep_token(signature: &str) -> bool {
    const SLEEP_TRAITS: [&str; 3] = ["SleepToken", "MutexContext", "WaitGuard"];
    let squashed: String = signature.split_whitespace().collect::<Vec<_>>().join(" ");
    if SLEEP_TRAITS.iter().any(|t| squashed.contains(&format!("&mut impl {t}"))) || squashed.contains(": &mut MaySleep")
    {
        return true;
    }
    // `C: SleepToken + ?Sized` in the generics or `where` clause, and a
    // parameter `&mut C`.
    SLEEP_TRAITS.iter().any(|t| {
        squashed.match_indices(&format!(": {t}")).any(|(index, _)| {
            let before = &squashed[..index];
            let generic: String =
                before.chars().rev().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
            let generic: String = generic.chars().rev().collect();
            !generic.is_empty() && squashed.contains(&format!("&mut {generic}"))
        })
    })
}

fn source(file: &str) -> String {
    let path = repo().join("alloc-ctx/src").join(file);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The functions a row names: `Type::method` in an `impl` block of `Type`,
/// `module::function` at the file's top level.
fn named<'f>(fns: &'f [PubFn], operation: &str) -> Vec<&'f PubFn> {
    let (owner, name) = operation.rsplit_once("::").expect("`Owner::name`");
    let is_type = owner.starts_with(char::is_uppercase);
    fns.iter()
        .filter(|f| f.name == name && if is_type { f.owner.as_deref() == Some(owner) } else { f.owner.is_none() })
        .collect()
}

fn ui_stderr(case: &str) -> String {
    let path = repo().join("ui-tests/tests/ui/fail").join(format!("{case}.stderr"));
    assert!(repo().join("ui-tests/tests/ui/fail").join(format!("{case}.rs")).exists(), "ui case {case}.rs");
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The kind of a row whose drop may sleep in the kernel (`vfree`) and is
/// deferred in an atomic section; its ui case is a pass case.
const DEFERRED_DROP: &str = "on drop, deferred";

/// The messages of the rules that refuse a sleeping operation under a
/// spinlock: the sleep-token rule, the mutex rule, the sleeping-flags rule.
const REFUSALS: [&str; 3] =
    ["is not a sleep token", "may sleep, but `", "may sleep (it contains `__GFP_DIRECT_RECLAIM`)"];

#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn every_row_of_the_sleep_table_holds() {
    let design = fs::read_to_string(repo().join("docs/DESIGN.md")).unwrap();
    let rows = rows(&design);
    assert!(rows.len() >= 20, "read {} rows", rows.len());
    let mut problems = Vec::new();
    for row in &rows {
        let fns = public_fns(&source(&row.file));
        if row.sleeps == DEFERRED_DROP {
            // A drop the kernel's counterpart could sleep in, with nothing to
            // refuse: the type frees in `Drop` and tells the backend to defer
            // in an atomic section, which a pass case shows.
            let case = repo().join("ui-tests/tests/ui/pass").join(format!("{}.rs", row.ui_case));
            if !case.exists() {
                problems.push(format!("{}: no pass case {}", row.operation, case.display()));
            }
            let type_name = row.operation.split(['`', ' ']).next().unwrap();
            if !source(&row.file).contains(&format!("Drop for {type_name}<")) {
                problems.push(format!("{type_name}: an `on drop` row for a type without `Drop`"));
            }
            if !row.in_atomic.contains("must_defer") {
                problems.push(format!("{}: says nothing of how the free is deferred", row.operation));
            }
            continue;
        }
        let stderr = ui_stderr(&row.ui_case);
        if !REFUSALS.iter().any(|message| stderr.contains(message)) {
            problems
                .push(format!("{}: ui case {} is not refused with the project's message", row.operation, row.ui_case));
        }
        if row.in_atomic.is_empty() {
            problems.push(format!("{}: says nothing of an atomic section", row.operation));
        }
        if row.sleeps == "always" || row.sleeps == "process context" {
            let found = named(&fns, &row.operation);
            if found.is_empty() {
                problems.push(format!("{}: no such public function in {}", row.operation, row.file));
            }
            for f in found.iter().filter(|f| !takes_sleep_token(&f.signature)) {
                problems.push(format!("{}: may sleep but takes no sleep token: {}", row.operation, f.signature));
            }
        } else if row.sleeps == "flags" {
            let first = row.operation.split(['`', ',', ' ']).next().unwrap();
            let found = named(&fns, first);
            if found.is_empty() {
                problems.push(format!("{first}: no such public function in {}", row.file));
            }
            for f in found.iter().filter(|f| {
                !(f.signature.contains("flags: F")
                    || f.owner.as_deref().is_some_and(|o| o == "MaySleep" || o == "NoWait"))
            }) {
                problems.push(format!("{first}: sleeps by its flags but takes none: {}", f.signature));
            }
        } else if let Some(method) = row.sleeps.strip_prefix("on drop: ") {
            let method = method.trim_matches('`');
            let found = named(&fns, &format!("{}::{method}", row.operation));
            if !found.iter().any(|f| takes_sleep_token(&f.signature)) {
                problems.push(format!("{}: no `{method}` taking a sleep token", row.operation));
            }
        } else {
            problems.push(format!("{}: unknown kind {:?}", row.operation, row.sleeps));
        }
    }
    assert!(problems.is_empty(), "the sleep table disagrees with the code:\n{}", problems.join("\n"));
}

/// The other direction: every public function that takes a sleep token
/// parameter, or calls `might_sleep()`, is in the table. The token
/// constructors and scopes (`MaySleep::enter`, `assume`, `nofs`, `noio`)
/// lend a token rather than sleep, and `might_sleep` is the check itself.
#[test]
#[cfg_attr(miri, ignore = "reads the source tree")]
fn every_sleeping_public_function_is_in_the_table() {
    let design = fs::read_to_string(repo().join("docs/DESIGN.md")).unwrap();
    let listed: BTreeSet<(String, String)> = rows(&design)
        .iter()
        .filter(|row| ["always", "process context", "flags"].contains(&row.sleeps.as_str()))
        .map(|row| {
            let first = row.operation.split(['`', ',', ' ']).next().unwrap().to_owned();
            let (owner, name) = first.rsplit_once("::").unwrap();
            (owner.to_owned(), name.to_owned())
        })
        .collect();
    let not_operations = ["enter", "assume", "nofs", "noio", "might_sleep", "may_sleep"];
    let mut missing = Vec::new();
    let mut files = Vec::new();
    collect_files(&repo().join("alloc-ctx/src"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for f in public_fns(&text) {
            if not_operations.contains(&f.name.as_str()) {
                continue;
            }
            if !(takes_sleep_token(&f.signature) || f.body.contains("might_sleep()")) {
                continue;
            }
            let module = file.file_stem().unwrap().to_string_lossy().into_owned();
            let owner = f.owner.clone().unwrap_or(module);
            if !listed.contains(&(owner.clone(), f.name.clone())) {
                missing.push(format!("{owner}::{} ({})", f.name, file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "public functions that may sleep, missing from the table:\n{}", missing.join("\n"));
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_signature_reader_tells_sleep_token_parameters_apart() {
    assert!(takes_sleep_token("pub fn flush(&self, cx: &mut impl SleepToken)"));
    assert!(takes_sleep_token("pub fn lock<C: MutexContext + ?Sized>(&self, cx: &mut C) -> MutexGuard<'_, T>"));
    assert!(!takes_sleep_token(
        "pub fn lock<'g, C: Token + ?Sized>(&'g self, cx: &'g mut C) -> SpinLockGuard<'g, T, C>"
    ));
    assert!(takes_sleep_token("pub fn wait<G: WaitGuard + ?Sized>(&self, guard: &mut G)"));
    assert!(!takes_sleep_token("pub fn do_unlocked<U>(&mut self, cb: impl FnOnce(&mut C) -> U) -> U"));
    assert!(!takes_sleep_token("pub fn spawn<F>(f: F) where F: FnOnce(&mut MaySleep) + Send"));
    let fns = public_fns(
        "impl<T> Queue<T> {\n    pub fn flush(&self, cx: &mut impl SleepToken) {\n        might_sleep();\n    }\n}\npub fn free() {}\n",
    );
    assert_eq!(fns.len(), 2);
    assert_eq!((fns[0].owner.as_deref(), fns[0].name.as_str()), (Some("Queue"), "flush"));
    assert!(fns[0].body.contains("might_sleep()"));
    assert_eq!((fns[1].owner.as_deref(), fns[1].name.as_str()), (None, "free"));
}
