//! Builds the IPADIC dictionary from the source archive shipped in
//! `data/ipadic/`, so that `cargo build` needs no network.
//!
//! lindera's own `embed-ipadic` feature downloads the dictionary inside its
//! build script, which fails on machines that reach only package registries.
//! Here the Debian `mecab-ipadic` 2.7.0-20070801 source (EUC-JP CSV and
//! `.def` files) is unpacked into `OUT_DIR` and compiled with lindera's
//! `DictionaryBuilder`; `src/tokenize.rs` then embeds the result with
//! `lindera_dictionary::embedded_dictionary!`, which reads `LINDERA_WORKDIR`.

use std::error::Error;
use std::fs::File;
use std::path::{Path, PathBuf};

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;

const SOURCE_ARCHIVE: &str = "data/ipadic/mecab-ipadic-2.7.0-20070801.tar.gz";

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
    let dictionary_dir = out_dir.join("ipadic");
    let source_dir = out_dir.join("ipadic-src");
    unpack(Path::new(SOURCE_ARCHIVE), &source_dir)?;

    let metadata: Metadata = serde_json::from_str(IPADIC_METADATA)?;
    std::fs::create_dir_all(&dictionary_dir)?;
    DictionaryBuilder::new(metadata)
        .build_dictionary(&source_dir.join("ipadic"), &dictionary_dir)
        .map_err(|err| format!("building IPADIC from {SOURCE_ARCHIVE}: {err}"))?;
    // The sources are only needed for the build; keep OUT_DIR small.
    std::fs::remove_dir_all(&source_dir)?;

    println!("cargo::rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    Ok(())
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
