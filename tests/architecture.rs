//! The module graph as the source states it: the compute side never mentions egui, and no two
//! top-level modules depend on each other, directly or through others.
#![allow(clippy::unwrap_used)] // A panic in a test is a failure with a message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that compute and must stay free of the UI toolkit.
const COMPUTE: [&str; 10] = [
    "csv", "edit", "engine", "linalg", "noise", "optim", "params", "problem", "scene", "spec",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Each top-level module's source, comments removed.
fn sources() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for p in all {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text: String = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        out.entry(module).or_default().push_str(&text);
    }
    out
}

/// The modules `text` names as `crate::name` (macros' `$crate::` included).
fn uses(text: &str, modules: &BTreeSet<String>, own: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(&name) && name != own {
            out.insert(name);
        }
    }
    out
}

#[test]
fn the_compute_side_never_mentions_egui() {
    for (module, text) in sources() {
        if COMPUTE.contains(&module.as_str()) {
            for word in ["egui", "eframe", "rfd::"] {
                assert!(!text.contains(word), "`{module}` mentions {word}");
            }
        }
    }
}

#[test]
fn the_module_graph_has_no_cycle() {
    let sources = sources();
    let modules: BTreeSet<String> = sources.keys().cloned().collect();
    assert!(
        modules.contains("engine") && modules.contains("ui"),
        "{modules:?}"
    );
    let edges: BTreeMap<String, BTreeSet<String>> = sources
        .iter()
        .map(|(m, text)| (m.clone(), uses(text, &modules, m)))
        .collect();
    // The UI is a view of the engine's data, and the engine never reaches back.
    assert!(edges["ui"].contains("engine"));
    assert!(!edges["engine"].contains("ui") && !edges["ui"].contains("app"));
    // Depth-first search; a grey node met again closes a cycle.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) {
        match state.get(m).copied().unwrap_or(0) {
            2 => return,
            1 => panic!("module cycle: {} → {m}", path.join(" → ")),
            _ => {}
        }
        state.insert(m.to_owned(), 1);
        path.push(m.to_owned());
        for n in &edges[m] {
            visit(n, edges, state, path);
        }
        path.pop();
        state.insert(m.to_owned(), 2);
    }
    let mut state = BTreeMap::new();
    for m in &modules {
        visit(m, &edges, &mut state, &mut Vec::new());
    }
}
