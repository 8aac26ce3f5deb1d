//! Builds the IPADIC dictionary from the source archive shipped in
//! `data/ipadic/`, so that `cargo build` needs no network.
//!
//! lindera's own `embed-ipadic` feature downloads the dictionary inside its
//! build script, which fails on machines that reach only package registries.
//! Here the Debian `mecab-ipadic` 2.7.0-20070801 source (EUC-JP CSV and
//! `.def` files) is unpacked into `OUT_DIR` and compiled with lindera's
//! `DictionaryBuilder`; `src/tokenize.rs` then embeds the result with
//! `lindera_dictionary::embedded_dictionary!`, which reads `LINDERA_WORKDIR`.
//!
//! It also records the git commit being built (`JSCAM_COMMIT`, "unknown"
//! outside a git checkout), which `--version` and evaluation reports name.

use std::error::Error;
use std::fs::File;
use std::path::{Path, PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;

const SOURCE_ARCHIVE: &str = "data/ipadic/mecab-ipadic-2.7.0-20070801.tar.gz";

/// The lindera dictionary format the archive is compiled into (the
/// `lindera-dictionary` build-dependency's major.minor version).
const LINDERA_FORMAT: &str = "6.2";

/// IPADIC's CSV layout as lindera expects it; the source files are EUC-JP.
const IPADIC_METADATA: &str = r#"{
  "name": "ipadic",
  "encoding": "EUC-JP",
  "default_word_cost": -10000,
  "default_left_context_id": 0,
  "default_right_context_id": 0,
  "default_field_value": "*",
  "flexible_csv": true,
  "skip_invalid_cost_or_id": false,
  "normalize_details": true,
  "dictionary_schema": { "fields": [
    "surface", "left_context_id", "right_context_id", "cost",
    "part_of_speech", "part_of_speech_subcategory_1",
    "part_of_speech_subcategory_2", "part_of_speech_subcategory_3",
    "conjugation_form", "conjugation_type", "base_form", "reading",
    "pronunciation" ] },
  "user_dictionary_schema": { "fields": ["surface", "part_of_speech", "reading"] }
}"#;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={SOURCE_ARCHIVE}");

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo::rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    println!(
        "cargo::rustc-env=JSCAM_DICTIONARY_ID={}",
        dictionary_id(Path::new(SOURCE_ARCHIVE))
    );
    record_commit();

    let dictionary_dir = out_dir.join("ipadic");
    // The script also reruns when the commit changes; the dictionary is only
    // rebuilt when the archive is not the one it was built from.
    let stamp = dictionary_dir.join(".built-from");
    let archive_id = archive_identity(Path::new(SOURCE_ARCHIVE))?;
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == archive_id) {
        return Ok(());
    }
    let source_dir = out_dir.join("ipadic-src");
    unpack(Path::new(SOURCE_ARCHIVE), &source_dir)?;

    let metadata: Metadata = serde_json::from_str(IPADIC_METADATA)?;
    std::fs::create_dir_all(&dictionary_dir)?;
    DictionaryBuilder::new(metadata)
        .build_dictionary(&source_dir.join("ipadic"), &dictionary_dir)
        .map_err(|err| format!("building IPADIC from {SOURCE_ARCHIVE}: {err}"))?;
    // The sources are only needed for the build; keep OUT_DIR small.
    std::fs::remove_dir_all(&source_dir)?;
    std::fs::write(&stamp, archive_id)?;
    Ok(())
}

/// The dictionary's identity, stored in every model (`src/tokenize.rs`
/// `DICTIONARY_ID`): the source archive's name and the lindera format.
fn dictionary_id(archive: &Path) -> String {
    let name = archive
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".tar.gz"))
        .expect("SOURCE_ARCHIVE names a .tar.gz file");
    format!("{name} (Debian source), lindera {LINDERA_FORMAT}")
}

/// Size and modification time of the archive: enough to notice a new one.
fn archive_identity(archive: &Path) -> Result<String, Box<dyn Error>> {
    let meta = std::fs::metadata(archive)
        .map_err(|err| format!("reading {}: {err}", archive.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Ok(format!("{} {modified}", meta.len()))
}

/// Reruns this script when `path` changes (a missing file would rerun it every build).
fn watch(path: Option<String>) {
    if let Some(path) = path.filter(|p| Path::new(p).exists()) {
        println!("cargo::rerun-if-changed={path}");
    }
}

/// Sets `JSCAM_COMMIT` to the checked-out commit (12 hex digits), or
/// "unknown" without git or outside a checkout (a crates.io package), and
/// asks cargo to rerun this script when the commit moves.
fn record_commit() {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git").args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    if commit.is_some() {
        for what in ["HEAD", "packed-refs"] {
            watch(git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                what,
            ]));
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watch(git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                &branch,
            ]));
        }
    }
    println!(
        "cargo::rustc-env=JSCAM_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
}

fn unpack(archive: &Path, into: &Path) -> Result<(), Box<dyn Error>> {
    let file =
        File::open(archive).map_err(|err| format!("opening {}: {err}", archive.display()))?;
    if into.exists() {
        std::fs::remove_dir_all(into)?;
    }
    tar::Archive::new(flate2::read::GzDecoder::new(file)).unpack(into)?;
    Ok(())
}
