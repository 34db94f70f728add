//! The layering of `src/app/mod.rs`, checked on the sources: `domain` <- `store` <- `app`
//! (with `reports` and `reminders`) <- `api`. This file sits outside the directories it reads
//! so that its own words are not taken for imports.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, in a stable order.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// A line without its `//` comment (doc comments included); string literals are not
/// parsed, which is enough for the words looked for here.
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

/// `word` as a whole identifier path segment in `code` (so `rocket` but not `rockets`).
fn mentions(code: &str, word: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[test]
fn lower_layers_never_import_the_layers_above_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // (directory, words its code must not mention)
    let rules: [(&str, &[&str]); 8] = [
        (
            "domain",
            &["crate::api", "rocket", "crate::error", "ApiError", "diesel"],
        ),
        (
            "store",
            &["crate::api", "rocket", "crate::error", "ApiError"],
        ),
        ("app", &["crate::api"]),
        ("reports", &["crate::api"]),
        ("reminders", &["crate::api"]),
        // Below the HTTP edge, failures are the application's (`AppError`) or their own.
        ("db", &["crate::api", "crate::error", "ApiError"]),
        ("reports", &["crate::error", "ApiError"]),
        ("auth", &["crate::error", "ApiError"]),
    ];
    // The request guards answer Rocket with the problem a refused request gets: HTTP by
    // nature.
    let http_guards = ["auth/mod.rs", "auth/csrf.rs"];
    let mut found = Vec::new();
    for (dir, words) in rules {
        let mut files = Vec::new();
        sources(&root.join(dir), &mut files);
        assert!(!files.is_empty(), "no source file under src/{dir}");
        for file in files {
            if http_guards.iter().any(|g| file.ends_with(g)) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            let shown = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            // Unit-test modules may render a refusal through the HTTP edge to check the
            // sentence a person reads: only the code that ships is checked.
            let mut test_module_depth: Option<i64> = None;
            let mut after_cfg_test = false;
            for (n, line) in text.lines().enumerate() {
                let code = code_of(line);
                if let Some(depth) = test_module_depth.as_mut() {
                    *depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
                    if *depth <= 0 {
                        test_module_depth = None;
                    }
                    continue;
                }
                if code.trim() == "#[cfg(test)]" {
                    after_cfg_test = true;
                    continue;
                }
                if after_cfg_test && code.contains("mod ") && code.contains('{') {
                    after_cfg_test = false;
                    test_module_depth =
                        Some(code.matches('{').count() as i64 - code.matches('}').count() as i64);
                    continue;
                }
                after_cfg_test = false;
                for word in words {
                    if mentions(code, word) {
                        found.push(format!("src/{shown}:{}: mentions `{word}`", n + 1));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "imports running uphill:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_layer_check_sees_code_and_skips_comments() {
    assert!(mentions(code_of("use crate::api::x;"), "crate::api"));
    assert!(mentions(code_of("#[derive(rocket::FromForm)]"), "rocket"));
    assert!(!mentions(
        code_of("//! see `crate::api::messages`"),
        "crate::api"
    ));
    assert!(!mentions(code_of("let x = 1; // rocket"), "rocket"));
    assert!(!mentions(code_of("let rockets = 1;"), "rocket"));
    assert!(!mentions(code_of("use crate::errors;"), "crate::error"));
}
