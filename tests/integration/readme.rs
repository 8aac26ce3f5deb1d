//! The README's commands work as written: every `target/release/…` line
//! of its `sh` blocks uses only flags its binary accepts, and the blocks
//! marked `<!-- readme-test -->` (fast, self-contained: no cargo, no bench
//! scripts, nothing from ../shared) run and succeed.

use std::path::Path;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The `sh` code blocks, each with whether the line before it marks it for running.
fn sh_blocks(text: &str) -> Vec<(bool, String)> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if line.trim_start() == "```sh" {
            let marked = previous.trim() == "<!-- readme-test -->";
            let mut body = String::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(l);
                body.push('\n');
            }
            blocks.push((marked, body));
        }
        previous = line;
    }
    blocks
}

/// The directory holding the binaries under test, with a trailing slash.
fn bin_dir() -> String {
    let predict = Path::new(env!("CARGO_BIN_EXE_predict"));
    format!("{}/", predict.parent().unwrap().display())
}

#[test]
fn readme_commands_use_flags_that_exist() {
    let text = readme();
    let mut checked = 0;
    for (_, block) in sh_blocks(&text) {
        // Continuation lines belong to their command.
        for command in block.replace("\\\n", " ").lines() {
            let command = command.split("  #").next().unwrap().trim();
            let command = command.split(" # ").next().unwrap();
            let Some(rest) = command
                .split_whitespace()
                .find_map(|w| w.strip_prefix("target/release/"))
            else {
                continue;
            };
            let words: Vec<&str> = command.split_whitespace().collect();
            let at = words.iter().position(|w| w.ends_with(rest)).unwrap();
            let mut help = Command::new(format!("{}{rest}", bin_dir()));
            // `evaluate` takes a mode first.
            if rest == "evaluate"
                && let Some(mode) = words.get(at + 1)
            {
                help.arg(mode);
            }
            let output = help.arg("--help").output().unwrap();
            let help_text = String::from_utf8_lossy(&output.stdout).into_owned();
            for flag in words[at + 1..].iter().filter(|w| w.starts_with("--")) {
                let flag = flag
                    .trim_matches(|c| c == '[' || c == ']')
                    .split('=')
                    .next()
                    .unwrap();
                assert!(
                    help_text.contains(&format!("{flag} "))
                        || help_text.contains(&format!("{flag}\n"))
                        || help_text.contains(&format!("{flag},"))
                        || help_text.contains(&format!("{flag} <")),
                    "README: `{command}` uses {flag}, which `{rest} --help` does not list"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "found only {checked} README commands");
}

#[test]
fn readme_marked_blocks_run() {
    let text = readme();
    let marked: Vec<String> = sh_blocks(&text)
        .into_iter()
        .filter(|(m, _)| *m)
        .map(|(_, b)| b)
        .collect();
    assert!(
        marked.len() >= 3,
        "want at least 3 marked blocks, found {}",
        marked.len()
    );
    for block in marked {
        assert!(
            !block.contains("cargo ")
                && !block.contains("../shared")
                && !block.contains("benches/"),
            "a marked block must be self-contained: {block}"
        );
        let script = block.replace("target/release/", &bin_dir());
        let output = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "README block failed:\n{block}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
