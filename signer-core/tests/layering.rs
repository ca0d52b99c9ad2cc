//! The core's modules are layered: each module uses only modules below it in the orders declared
//! here, so there is no import circle and a module can be read knowing only what is under it.
//!
//! The check reads the sources as text: every `crate::…`, `super::…` and `self::…` path outside
//! comments and outside the `#[cfg(test)] mod tests` that closes a file. A new module must be
//! placed in an order below before this test passes; a use that points up or sideways fails it
//! with the two modules named.

use std::collections::BTreeMap;
use std::path::Path;

/// The crate's top-level modules, lowest first.
const CRATE_ORDER: &[&str] = &[
    "scan",
    "echo",
    "buffer",
    "base64",
    "constant_time",
    "algorithm",
    "header_list",
    "authorization",
    "date",
    "key",
    "digest",
    "content_headers",
    "signing_string",
    "policy",
    "replay",
    "signer",
    "verifier",
    "payload",
];

/// The modules inside `payload`, lowest first.
const PAYLOAD_ORDER: &[&str] = &[
    "json",
    "codes",
    "report",
    "options",
    "amount",
    "table",
    "walk",
    "rules",
    "session_create",
    "push_to_card",
    "response",
];

/// A module's path below the crate root: `["signing_string"]`, `["payload", "walk"]`; the root
/// itself and `payload`'s own file are `[]` and `["payload"]`.
type ModPath = Vec<String>;

/// The code of a source file that the layering covers: comments removed, and the test module
/// that ends the file cut off.
fn code_of(source: &str) -> String {
    let mut code = String::new();
    let mut in_block_comment = false;
    for line in source.lines() {
        let mut line = line;
        if in_block_comment {
            match line.find("*/") {
                Some(end) => {
                    line = &line[end + 2..];
                    in_block_comment = false;
                }
                None => continue,
            }
        }
        if let Some(start) = line.find("/*") {
            in_block_comment = !line[start..].contains("*/");
            line = &line[..start];
        }
        // A `//` inside a string literal ("https://…") cuts the line short: that can only hide
        // text, never invent a path.
        let line = line.split("//").next().unwrap_or_default();
        code.push_str(line);
        code.push('\n');
    }
    match code.find("#[cfg(test)]\nmod ") {
        Some(tests) => code[..tests].to_owned(),
        None => code,
    }
}

/// The first segments of the paths in `code` that start with `crate::`, `super::` or `self::`,
/// resolved against `module`: each as the module path it names (a `use super::{a, b::C}` group
/// names each of its members).
fn references(module: &[String], code: &str) -> Vec<ModPath> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for keyword in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(keyword) {
            let start = from + at;
            from = start + keyword.len();
            // A keyword only when it begins a path (not `$crate::` or `my_super::`).
            if start > 0
                && (bytes[start - 1].is_ascii_alphanumeric() || b"_$:".contains(&bytes[start - 1]))
            {
                continue;
            }
            let base: ModPath = match keyword {
                "crate::" => Vec::new(),
                "super::" => module[..module.len().saturating_sub(1)].to_vec(),
                _ => module.to_vec(),
            };
            let rest = &code[from..];
            let heads: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').map(str::trim).collect()
            } else {
                vec![rest]
            };
            for head in heads {
                let segments: Vec<&str> = head
                    .split("::")
                    .map(|s| {
                        let end = s
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                            .unwrap_or(s.len());
                        &s[..end]
                    })
                    .take_while(|s| !s.is_empty())
                    .collect();
                let mut path = base.clone();
                // Follow lower-case segments (modules) as far as the module tree goes: at most
                // two levels here. `self` inside a group names the base itself.
                for segment in segments.iter().take(2) {
                    if *segment == "self" || !segment.starts_with(|c: char| c.is_ascii_lowercase())
                    {
                        break;
                    }
                    path.push((*segment).to_owned());
                    if path.len() >= 2 || path[0] != "payload" {
                        break;
                    }
                }
                found.push(path);
            }
        }
    }
    found
}

/// Checks that every reference of every module points below it. `sources` maps each module
/// path to its source text; `orders` gives, for each parent path, the order of its children.
fn check(sources: &BTreeMap<ModPath, String>, orders: &[(ModPath, &[&str])]) -> Vec<String> {
    let mut problems = Vec::new();
    let order_of = |parent: &[String]| orders.iter().find(|(p, _)| p == parent).map(|(_, o)| *o);
    // Every module is placed, and every placed module exists.
    for module in sources.keys().filter(|m| !m.is_empty()) {
        let (name, parent) = module.split_last().expect("not the root");
        match order_of(parent) {
            Some(order) if order.contains(&name.as_str()) => {}
            _ => problems.push(format!(
                "module {} is not in the declared order",
                module.join("::")
            )),
        }
    }
    for (parent, order) in orders {
        for name in *order {
            let mut module = parent.clone();
            module.push((*name).to_owned());
            if !sources.contains_key(&module) {
                problems.push(format!(
                    "{} is in the declared order but has no source",
                    module.join("::")
                ));
            }
        }
    }
    for (module, source) in sources {
        for target in references(module, &code_of(source)) {
            // Compare the two at the level where they part: the first segment they do not share.
            let shared = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if shared == target.len() {
                // The module itself or one of its ancestors (`crate::` alone, `super::Item`):
                // using a parent's items from below is a circle through the parent.
                if target.len() < module.len() {
                    problems.push(format!(
                        "{} uses its parent {} (move what it needs into a module below)",
                        module.join("::"),
                        if target.is_empty() {
                            "crate root".to_owned()
                        } else {
                            target.join("::")
                        }
                    ));
                }
                continue;
            }
            if shared == module.len() {
                continue; // a module using its own children
            }
            let parent = &module[..shared];
            let Some(order) = order_of(parent) else {
                continue;
            };
            let position = |name: &str| order.iter().position(|n| *n == name);
            let (from, to) = (&module[shared], &target[shared]);
            match (position(from), position(to)) {
                (Some(f), Some(t)) if t < f => {}
                (Some(_), Some(_)) => problems.push(format!(
                    "{} uses {}, which is not below it",
                    module.join("::"),
                    target.join("::")
                )),
                _ => problems.push(format!(
                    "{} uses {}, which is not a module in the declared order",
                    module.join("::"),
                    target.join("::")
                )),
            }
        }
    }
    problems
}

fn orders() -> Vec<(ModPath, &'static [&'static str])> {
    vec![
        (Vec::new(), CRATE_ORDER),
        (vec!["payload".to_owned()], PAYLOAD_ORDER),
    ]
}

/// The core's sources by module path.
fn core_sources() -> BTreeMap<ModPath, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = BTreeMap::new();
    let mut dirs = vec![(src, Vec::<String>::new())];
    while let Some((dir, parent)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                let mut module = parent.clone();
                module.push(name);
                dirs.push((path, module));
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let mut module = parent.clone();
            if name != "lib" && name != "mod" {
                module.push(name);
            }
            sources.insert(module, std::fs::read_to_string(&path).unwrap());
        }
    }
    sources
}

#[test]
fn every_core_module_uses_only_modules_below_it() {
    let sources = core_sources();
    assert!(sources.len() > 20, "read the sources: {:?}", sources.keys());
    let problems = check(&sources, &orders());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check can fail: a circle, a use of the parent, an unplaced module and a grouped import
/// pointing up are each caught.
#[test]
fn a_use_that_points_up_is_caught() {
    let sources = |entries: &[(&[&str], &str)]| -> BTreeMap<ModPath, String> {
        entries
            .iter()
            .map(|(m, s)| (m.iter().map(|s| (*s).to_owned()).collect(), (*s).to_owned()))
            .collect()
    };
    let orders: Vec<(ModPath, &[&str])> = vec![
        (Vec::new(), &["low", "high", "payload"][..]),
        (vec!["payload".to_owned()], &["walk", "rules"][..]),
    ];
    let fine = sources(&[
        (&[], "pub mod low; pub mod high; pub mod payload;"),
        (
            &["low"],
            "pub fn f() {}\n// crate::high::g in a comment is not a use\n",
        ),
        (&["high"], "use crate::low::f;\n"),
        (&["payload"], "mod walk; mod rules; use crate::high;"),
        (&["payload", "walk"], "use crate::low;\n"),
        (
            &["payload", "rules"],
            "use super::{walk::Slot};\n#[cfg(test)]\nmod tests { use super::*; use crate::payload::rules; }\n",
        ),
    ]);
    assert_eq!(check(&fine, &orders), Vec::<String>::new());

    // Each case replaces (or adds) one module's source; the check must name what is wrong.
    let cases: [(&[&str], &str, &[&str]); 4] = [
        (
            &["low"],
            "use crate::high::g;\n",
            &["low uses high, which is not below it"],
        ),
        (
            &["payload", "walk"],
            "use super::{json, rules::Field};\n",
            &[
                "payload::walk uses payload::json, which is not a module in the declared order",
                "payload::walk uses payload::rules, which is not below it",
            ],
        ),
        (
            &["payload", "rules"],
            "use super::Options;\n",
            &["payload::rules uses its parent payload (move what it needs into a module below)"],
        ),
        (
            &["extra"],
            "",
            &["module extra is not in the declared order"],
        ),
    ];
    for (module, source, problems) in cases {
        let mut changed = fine.clone();
        changed.extend(sources(&[(module, source)]));
        assert_eq!(check(&changed, &orders), problems, "{module:?}");
    }
}
