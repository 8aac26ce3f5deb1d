//! The real binaries on small committed fixtures (`tests/fixtures/`) and
//! on generated files.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use jscam::TrainingFile;

use crate::util::{TestCommand, bin, csv_rows, fixture};

const SCAM_EXAMPLE: &str = "会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。Amazonカスタマーセンター0359620597";
const OTP_EXAMPLE: &str =
    "【Amazon】認証コードは123456です。このコードは誰にも教えないでください。";

/// `train DATA -o MODEL`.
fn train_command(data: impl AsRef<OsStr>, model: impl AsRef<OsStr>) -> TestCommand {
    let mut command = bin("train");
    command.arg(data).arg("-o").arg(model);
    command
}

fn train_tiny(dir: &Path) -> PathBuf {
    let model = dir.join("tiny.jscam");
    train_command(fixture("tiny.csv"), &model)
        .args(["--holdout", "0.25", "--quiet"])
        .ok();
    model
}

/// `inspect --json` of a model file, parsed.
fn inspect_json(model: &Path) -> serde_json::Value {
    bin("inspect").arg(model).arg("--json").ok().json()
}

#[test]
fn train_reports_counts_and_metrics_then_writes_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let output = train_command(fixture("tiny.csv"), &model)
        .args(["--holdout", "0.25"])
        .run();
    let err = output.stderr();
    assert!(output.status.success(), "{err}");
    assert!(err.contains("24 rows (legit: 12, scam: 12)"), "{err}");
    assert!(
        err.contains("precision") && err.contains("recall") && err.contains("F1"),
        "{err}"
    );
    assert!(err.contains("confusion"), "{err}");
    assert!(model.exists());
}

#[test]
fn same_data_and_seed_give_a_byte_identical_model() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = std::fs::read(train_tiny(a.path())).unwrap();
    let second = std::fs::read(train_tiny(b.path())).unwrap();
    assert!(first == second, "two trainings differ");
}

#[test]
fn predict_csv_keeps_every_row_in_order_and_passes_ids_through() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let output = bin("predict")
        .arg(fixture("tiny.csv"))
        .arg("--model")
        .arg(&model)
        .ok();
    let rows = output.rows();
    // The input already has a `label` column, so the prediction is `predicted_label`.
    assert_eq!(
        rows[0],
        [
            "id",
            "text",
            "label",
            "predicted_label",
            "probability",
            "note",
            "error"
        ]
    );
    assert_eq!(rows.len(), 25);
    for (i, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], format!("t{:02}", i + 1), "row order");
        let p: f64 = row[4].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        assert!(row[3] == "scam" || row[3] == "legit");
    }
}

#[test]
fn predict_reads_stdin_lines_and_flags_empty_text() {
    let input = format!("{SCAM_EXAMPLE}\n\n{OTP_EXAMPLE}\n荷物届いた?");
    let output = bin("predict").stdin(input.as_bytes()).ok();
    let rows = output.rows();
    assert_eq!(
        rows[0],
        ["line", "text", "label", "probability", "note", "error"]
    );
    assert_eq!(rows.len(), 5, "one output row per input line");
    assert_eq!(rows[1][2], "scam", "the fake billing message");
    assert_eq!(rows[2][4], "empty_text");
    assert_eq!(rows[3][2], "legit", "the one-time passcode");
    output.stderr_has("read 4 rows, scored 4, errors 0");
}

#[test]
fn predict_jsonl_output() {
    let output = bin("predict")
        .args(["--format", "jsonl", "--explain", "2"])
        .stdin(SCAM_EXAMPLE.as_bytes())
        .ok();
    let value: serde_json::Value = serde_json::from_str(output.stdout().trim()).unwrap();
    assert_eq!(value["label"], "scam");
    assert_eq!(value["line"], 1, "a number in JSON Lines");
    assert!(value["probability"].as_f64().unwrap() > 0.5);
    assert!(value["error"].is_null());
    let toward = value["explanation"]["toward_positive"].as_array().unwrap();
    assert!(!toward.is_empty() && toward.len() <= 2);
}

#[test]
fn threshold_and_unsure_band() {
    let output = bin("predict")
        .args(["--threshold", "1.0"])
        .stdin(SCAM_EXAMPLE.as_bytes())
        .run();
    assert_eq!(
        output.rows()[1][2],
        "legit",
        "nothing reaches a threshold of 1"
    );
    let output = bin("predict")
        .args(["--unsure", "0.0,1.0"])
        .stdin(SCAM_EXAMPLE.as_bytes())
        .run();
    assert_eq!(output.rows()[1][2], "unsure");
    bin("predict")
        .args(["--threshold", "1.5"])
        .stdin(b"x")
        .fails(2, &["threshold"]);
}

#[test]
fn malformed_row_gets_an_error_column_or_stops_with_strict() {
    let output = bin("predict").arg(fixture("broken_row.csv")).ok();
    let rows = output.rows();
    assert_eq!(rows.len(), 4, "every row is kept");
    assert_eq!(rows[2][0], "2");
    assert_eq!(rows[2][2], "", "no label for a malformed row");
    assert!(
        rows[2][5].contains("line 3") && rows[2][5].contains("expected 2 fields"),
        "{:?}",
        rows[2]
    );
    assert!(!rows[3][2].is_empty(), "the row after it is scored");
    output.stderr_has("read 3 rows, scored 2, errors 1");
    bin("predict")
        .arg(fixture("broken_row.csv"))
        .arg("--strict")
        .fails(3, &["broken_row.csv:3", "expected 2 fields"]);
}

#[test]
fn cp932_input_for_train_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    train_command(fixture("tiny_cp932.csv"), &model)
        .args(["--encoding", "cp932", "--quiet"])
        .ok();
    let output = bin("predict")
        .arg(fixture("tiny_cp932.csv"))
        .args(["--encoding", "cp932"])
        .ok();
    assert!(output.stdout().contains("未払いの料金があります"));
    // Without the flag: an error naming the line and suggesting cp932.
    bin("predict")
        .arg(fixture("tiny_cp932.csv"))
        .fails(3, &["tiny_cp932.csv:2", "--encoding cp932"]);
}

#[test]
fn bad_training_inputs_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let model = dir.path().join("m.jscam");
    let cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (
            dir.path().join("missing.csv"),
            vec!["missing.csv", "No such file"],
        ),
        (
            write("nocol.csv", "message,label\nhi,scam\n".as_bytes()),
            vec![
                "nocol.csv",
                "no column named \"text\"",
                "\"message\", \"label\"",
            ],
        ),
        (
            write(
                "three.csv",
                "text,label\na,scam\nb,legit\nc,spam\n".as_bytes(),
            ),
            vec!["three.csv", "exactly two labels", "\"spam\" (1)"],
        ),
        (
            write("one.csv", "text,label\na,scam\nb,scam\n".as_bytes()),
            vec!["one.csv", "found 1"],
        ),
        (write("empty.csv", b""), vec!["empty.csv", "no data rows"]),
        (
            write("header_only.csv", b"text,label\n"),
            vec!["header_only.csv", "no data rows"],
        ),
        (
            write("utf.csv", b"text,label\nok,scam\n\xff\xfe,legit\n"),
            vec!["utf.csv:3", "invalid UTF-8", "--encoding cp932"],
        ),
        (
            write("nolabel.csv", "text,label\na,scam\nb,\n".as_bytes()),
            vec!["nolabel.csv:3", "empty label"],
        ),
        (
            write("width.csv", "text,label\na,scam,x\n".as_bytes()),
            vec!["width.csv:2", "expected 2 fields"],
        ),
        (
            write(
                "quote.csv",
                "text,label\na,scam\n\"never closed,legit\n".as_bytes(),
            ),
            vec!["quote.csv:3", "never closed"],
        ),
        (
            write("nopos.csv", "text,label\na,spam\nb,ham\n".as_bytes()),
            vec!["nopos.csv", "positive label \"scam\" not found"],
        ),
    ];
    for (input, needles) in cases {
        train_command(&input, &model)
            .arg("--quiet")
            .fails(3, &needles);
        assert!(!model.exists(), "no model written for {}", input.display());
    }
}

#[test]
fn custom_columns_and_labels() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("custom.csv");
    let tiny = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    let renamed = tiny
        .replacen("id,text,label", "id,body,kind", 1)
        .replace(",scam\n", ",spam\n")
        .replace(",legit\n", ",ham\n");
    std::fs::write(&data, renamed).unwrap();
    let model = dir.path().join("m.jscam");
    train_command(&data, &model)
        .args([
            "--text-column",
            "body",
            "--label-column",
            "kind",
            "--positive-label",
            "spam",
            "--quiet",
        ])
        .ok();
    let output = bin("predict")
        .arg(&data)
        .arg("-m")
        .arg(&model)
        .args(["--text-column", "body"])
        .run();
    let rows = output.rows();
    assert!(
        rows[1..].iter().all(|r| r[3] == "spam" || r[3] == "ham"),
        "{rows:?}"
    );
}

#[test]
fn damaged_models_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let truncated = dir.path().join("truncated.jscam");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    bin("predict")
        .arg("-m")
        .arg(&truncated)
        .stdin(b"x")
        .fails(4, &["truncated.jscam", "not a usable model file"]);
    let foreign = dir.path().join("foreign.jscam");
    std::fs::write(&foreign, b"PK\x03\x04 not a model").unwrap();
    bin("predict")
        .arg("-m")
        .arg(&foreign)
        .stdin(b"x")
        .fails(4, &["foreign.jscam", "wrong magic"]);
    bin("predict")
        .arg("-m")
        .arg(dir.path().join("absent.jscam"))
        .stdin(b"x")
        .fails(4, &["absent.jscam", "cannot read it"]);
}

#[test]
fn missing_text_column_for_predict() {
    bin("predict")
        .arg(fixture("tiny.csv"))
        .args(["--text-column", "body"])
        .fails(
            3,
            &[
                "tiny.csv:1",
                "no column named \"body\"",
                "\"id\", \"text\", \"label\"",
            ],
        );
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    let line = format!("{OTP_EXAMPLE}\n");
    std::fs::write(&big, line.repeat(50_000)).unwrap();
    let shell = format!(
        "{} {} | head -n 1",
        env!("CARGO_BIN_EXE_predict"),
        big.display()
    );
    let output = TestCommand::new("sh").args(["-c", &shell]).run();
    assert!(output.status.success());
    assert_eq!(output.stdout().lines().count(), 1);
    assert_eq!(output.stderr(), "", "no error message on a closed pipe");
}

#[test]
fn many_rows_in_parallel_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.csv");
    let mut text = String::from("id,text\n");
    for i in 0..10_000 {
        let message = if i % 3 == 0 {
            SCAM_EXAMPLE
        } else {
            OTP_EXAMPLE
        };
        text.push_str(&format!("{i},{message}\n"));
    }
    std::fs::write(&input, text).unwrap();
    for threads in ["1", "2"] {
        let output = bin("predict")
            .arg(&input)
            .args(["--threads", threads, "--quiet"])
            .run();
        let rows = output.rows();
        assert_eq!(rows.len(), 10_001);
        for (i, row) in rows[1..].iter().enumerate() {
            assert_eq!(row[0], i.to_string());
            assert_eq!(row[2], if i % 3 == 0 { "scam" } else { "legit" }, "row {i}");
        }
    }
}

/// The committed default model is what `train` makes from `real_ja` plus
/// `data/messages.csv` with the command in the README.
#[test]
fn retraining_reproduces_the_committed_default_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let real = "../shared/data/real_ja/messages.csv";
    if !root.join(real).exists() {
        eprintln!(
            "skipped: {real} is not here; the default model is trained on it (see README, Reproducible)"
        );
        return;
    }
    let committed = jscam::Model::load(&root.join("models/default.jscam")).unwrap();
    let date = &committed.header().training.date;
    let epoch = jscam::source_date_epoch(date).expect("a calendar date");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default.jscam");
    bin("train")
        .current_dir(root)
        .arg(real)
        .args([
            "--group-column",
            "source",
            "--also-train",
            "data/messages.csv",
        ])
        .arg("-o")
        .arg(&out)
        .arg("--quiet")
        .env("SOURCE_DATE_EPOCH", epoch.to_string())
        .ok();
    let fresh = std::fs::read(&out).unwrap();
    let committed_bytes = std::fs::read(root.join("models/default.jscam")).unwrap();
    assert!(
        fresh == committed_bytes,
        "models/default.jscam is stale: retrain it with the command in the README (Reproducible)"
    );
}

/// `inspect` names the files the default model was trained on, with hashes.
#[test]
fn default_model_names_its_training_files() {
    let output = bin("inspect").arg("--json").ok();
    let value: serde_json::Value = output.json();
    let files = value["header"]["training"]["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["../shared/data/real_ja/messages.csv", "data/messages.csv"]
    );
    assert_eq!(files[1]["role"], "also-train");
    for f in files {
        assert_eq!(f["sha256"].as_str().unwrap().len(), 64, "{f}");
    }
    let text = bin("inspect").run().stdout();
    assert!(
        text.contains("real_ja/messages.csv (data, weight 1;")
            && text.contains("data/messages.csv (also-train, weight 0.25;"),
        "{text}"
    );
}

#[test]
fn threshold_chosen_for_a_false_positive_rate_is_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("fpr.jscam");
    train_command(fixture("tiny.csv"), &model)
        .args(["--max-fpr", "0.1", "--holdout", "0", "--quiet"])
        .ok();
    let output = bin("inspect").arg(&model).arg("--json").ok();
    let value: serde_json::Value = output.json();
    let rule = value["header"]["training"]["threshold_rule"]
        .as_str()
        .unwrap();
    assert!(rule.contains("MaxFpr(0.1)"), "{rule}");
    let threshold = value["header"]["threshold"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&threshold) && threshold != 0.5,
        "{threshold}"
    );
    assert_eq!(value["header"]["training"]["rows"], 24);
    let text = bin("inspect").arg(&model).run().stdout();
    assert!(
        text.contains("labels:") && text.contains("top features toward \"scam\""),
        "{text}"
    );
}

#[test]
fn evaluate_cv_writes_a_report_with_plots() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let folds = dir.path().join("folds.csv");
    let output = bin("evaluate")
        .args(["cv", "--k", "3"])
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(&report)
        .arg("--folds-out")
        .arg(&folds)
        .ok();
    let text = output.stdout();
    for metric in [
        "F1:",
        "MCC:",
        "ROC-AUC:",
        "PR-AUC",
        "recall at FPR ≤ 1%",
        "Brier score:",
        "worst false positives",
    ] {
        assert!(text.contains(metric), "missing {metric}: {text}");
    }
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("![ROC curve](roc.svg)"));
    for svg in ["roc.svg", "pr.svg", "scores.svg"] {
        let body = std::fs::read_to_string(report.join(svg)).unwrap();
        assert!(
            body.starts_with("<svg") && (body.contains("<polyline") || body.contains("<rect")),
            "{svg}"
        );
    }
    let fold_rows = std::fs::read_to_string(&folds).unwrap();
    assert_eq!(fold_rows.lines().count(), 25, "header + one fold per row");
}

#[test]
fn train_on_several_files_records_each_file_and_its_role() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("two.jscam");
    let output = bin("train")
        .arg(fixture("tiny.csv"))
        .arg("--also-train")
        .arg(fixture("tiny_extra.csv"))
        .args(["--also-train-weight", "0.5", "--threshold", "0.5"])
        .arg("-o")
        .arg(&model)
        .args(["--holdout", "0.25"])
        .ok();
    let err = output.stderr();
    assert!(
        err.contains("tiny.csv: 24 rows") && err.contains("tiny_extra.csv: 4 rows"),
        "{err}"
    );
    let value = inspect_json(&model);
    let training = &value["header"]["training"];
    assert_eq!(training["rows"], 28);
    let files = training["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0]["path"].as_str().unwrap().ends_with("tiny.csv"));
    assert_eq!(files[0]["role"], "data");
    assert_eq!(files[1]["role"], "also-train");
    assert_eq!(files[1]["weight"], 0.5);
    assert_eq!(files[1]["rows_per_label"]["scam"], 2);
    assert_eq!(files[1]["sha256"].as_str().unwrap().len(), 64);
    let text = bin("inspect").arg(&model).run().stdout();
    assert!(
        text.contains("tiny_extra.csv (also-train, weight 0.5"),
        "{text}"
    );
}

#[test]
fn evaluate_cv_scores_only_the_main_rows_and_fits_thresholds_inside_folds() {
    let dir = tempfile::tempdir().unwrap();
    let folds = dir.path().join("folds.csv");
    let output = bin("evaluate")
        .args([
            "cv",
            "--k",
            "3",
            "--max-fpr",
            "0.25",
            "--threshold-folds",
            "3",
        ])
        .arg(fixture("tiny.csv"))
        .arg("--also-train")
        .arg(fixture("tiny_extra.csv"))
        .arg("--folds-out")
        .arg(&folds)
        .arg("--report")
        .arg(dir.path().join("report"))
        .arg("--json")
        .ok();
    let value: serde_json::Value = output.json();
    assert_eq!(value["summary"]["rows"], 24, "only tiny.csv is evaluated");
    let md = std::fs::read_to_string(dir.path().join("report/report.md")).unwrap();
    assert!(
        md.contains("threshold fitted inside each fold") && md.contains("| false-positive rate |"),
        "{md}"
    );
    let thresholds = value["fold_thresholds"].as_array().unwrap();
    assert_eq!(thresholds.len(), 3);
    assert!(
        thresholds
            .iter()
            .all(|t| (0.0..=1.0).contains(&t.as_f64().unwrap())),
        "{thresholds:?}"
    );
    let protocol = value["protocol"].as_str().unwrap();
    assert!(
        protocol.contains("tiny_extra.csv") && protocol.contains("inner cross-validation"),
        "{protocol}"
    );
    assert_eq!(std::fs::read_to_string(&folds).unwrap().lines().count(), 25);
    // Two main files are reported per file.
    let output = bin("evaluate")
        .args(["cv", "--k", "2", "--threshold", "0.5"])
        .arg(fixture("tiny.csv"))
        .arg(fixture("tiny_extra.csv"))
        .ok();
    let text = output.stdout();
    assert!(
        text.contains("per file:") && text.contains("tiny_extra.csv  4"),
        "{text}"
    );
}

#[test]
fn whole_input_is_one_message() {
    let mail = "保護者の皆様\n明日は臨時休校です。\n詳細は学校のお知らせをご覧ください。\n";
    let output = bin("predict")
        .args(["--input-format", "whole", "--quiet"])
        .stdin(mail.as_bytes())
        .ok();
    let rows = output.rows();
    assert_eq!(rows.len(), 2, "header and one row: {rows:?}");
    assert_eq!(rows[0][0], "text");
    assert_eq!(rows[1][0], mail.trim_end());
    let lines = bin("predict").arg("--quiet").stdin(mail.as_bytes()).run();
    assert_eq!(lines.rows().len(), 4, "lines mode: one row per line");
}

#[test]
fn extra_link_facts_are_stored_in_the_model_and_bad_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("links.jscam");
    bin("train")
        .arg(fixture("tiny.csv"))
        .arg("--links")
        .arg(fixture("links_extra.txt"))
        .arg("-o")
        .arg(&model)
        .args(["--holdout", "0", "--threshold", "0.5", "--quiet"])
        .ok();
    let value = inspect_json(&model);
    assert_eq!(
        value["header"]["features"]["extra_links"],
        serde_json::json!(["official example-shinkin.co.jp", "brand shinkin"])
    );
    // The model's normalizer knows the extra fact; the shipped facts do not.
    let normalizer_with = jscam::Normalizer::with_links(
        jscam::LinkFacts::with_extra(&["official example-shinkin.co.jp".to_owned()]).unwrap(),
    );
    let with = normalizer_with.normalize("https://www.example-shinkin.co.jp/info");
    assert!(with.entities().any(|e| e == "url:official"));
    let without = jscam::Normalizer::new().normalize("https://www.example-shinkin.co.jp/info");
    assert!(!without.entities().any(|e| e == "url:official"));
    let loaded = jscam::Model::load(&model).unwrap();
    let mut extractor = jscam::Extractor::for_config(loaded.vocabulary().config()).unwrap();
    let mut names = Vec::new();
    extractor
        .for_each_feature(
            "https://www.example-shinkin.co.jp/info",
            loaded.vocabulary().config(),
            |_, name| names.push(name.to_owned()),
        )
        .unwrap();
    assert!(names.iter().any(|n| n == "url:official"), "{names:?}");
    bin("train")
        .arg(fixture("tiny.csv"))
        .arg("--links")
        .arg(fixture("links_bad.txt"))
        .arg("-o")
        .arg(dir.path().join("bad.jscam"))
        .fails(2, &["links_bad.txt:2", "no dot"]);
    assert!(!dir.path().join("bad.jscam").exists());
}

// ---------------------------------------------------------------------------
// Issue 10: failures found by hostile use. Each test reproduces one of them.

fn write_file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The rows of `tiny.csv` as (text, label), without the header.
fn tiny_rows() -> Vec<(String, String)> {
    csv_rows(&std::fs::read_to_string(fixture("tiny.csv")).unwrap())[1..]
        .iter()
        .map(|r| (r[1].clone(), r[2].clone()))
        .collect()
}

fn labeled_csv(rows: &[(String, String)], line_end: &str) -> String {
    let mut text = format!("text,label{line_end}");
    for (t, l) in rows {
        text.push_str(&format!("{t},{l}{line_end}"));
    }
    text
}

/// 10.1: two scam rows: the held-out 20% has no scam row, so ROC-AUC is
/// undefined. The model must still load everywhere.
#[test]
fn one_class_held_out_split_writes_a_model_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<_> = tiny_rows()
        .into_iter()
        .enumerate()
        .filter(|(i, (_, l))| l == "legit" || *i < 2)
        .map(|(_, r)| r)
        .collect();
    let data = write_file(dir.path(), "few.csv", labeled_csv(&rows, "\n"));
    let model = dir.path().join("m.jscam");
    let output = train_command(&data, &model).ok();
    output.stderr_has("ROC-AUC n/a");
    bin("predict").arg("-m").arg(&model).stdin(b"x").ok();
    let output = bin("inspect").arg(&model).arg("--json").ok();
    let value: serde_json::Value = output.json();
    assert!(value["header"]["training"]["held_out"]["roc_auc"].is_null());
    let output = bin("inspect").arg(&model).run();
    output.stdout_has("ROC-AUC n/a");
    bin("evaluate")
        .arg("model")
        .arg(&data)
        .arg("-m")
        .arg(&model)
        .ok();
}

/// 10.2: `-o` naming a FIFO or a directory is refused, and it stays what it was.
#[test]
fn train_refuses_an_output_that_is_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let subdir = dir.path().join("subdir");
    std::fs::create_dir(&subdir).unwrap();
    let mut targets = vec![subdir.clone()];
    if made.is_ok_and(|s| s.success()) {
        targets.push(fifo.clone());
    }
    for target in targets {
        let output = train_command(fixture("tiny.csv"), &target)
            .arg("--quiet")
            .run();
        let name = target.file_name().unwrap().to_str().unwrap();
        output.assert_error(5, &[name, "not a regular file"]);
        let kind = std::fs::symlink_metadata(&target).unwrap().file_type();
        assert!(!kind.is_file(), "{name} was replaced by a file");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.len() <= 2, "temporary files left behind: {left:?}");
}

/// 10.3: a closed stderr never panics a run, and the model, report and
/// output are still written.
#[test]
fn a_closed_stderr_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let closed_stderr = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let model = dir.path().join("m.jscam");
    let output = train_command(fixture("tiny.csv"), &model)
        .stderr_to(closed_stderr())
        .run();
    assert_eq!(output.status.code(), Some(0));
    assert!(jscam::Model::load(&model).is_ok(), "no model written");

    let report = dir.path().join("report");
    let output = bin("evaluate")
        .args(["cv", "--k", "3"])
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(&report)
        .stderr_to(closed_stderr())
        .run();
    assert_eq!(output.status.code(), Some(0));
    assert!(report.join("report.md").exists(), "no report written");

    let output = bin("predict")
        .arg(fixture("tiny.csv"))
        .stderr_to(closed_stderr())
        .run();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.rows().len(), 25);

    // An error still gives its exit code.
    let output = bin("predict")
        .arg(dir.path().join("absent.csv"))
        .stderr_to(closed_stderr())
        .run();
    assert_eq!(output.status.code(), Some(3));
}

/// 10.4 is tested in `tests/integration/robustness.rs` (the temporary file name depends
/// on the process that saves).
///
/// 10.6: a line over 16 MiB becomes an error row; the lines around it are
/// scored; a message over 64 KiB is scored on its first 64 KiB and noted.
#[test]
fn over_long_records_are_reported_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "未納".repeat((16 << 20) / 6 + 10); // just over 16 MiB
    let long = "a".repeat(70 * 1024);
    let lines = write_file(
        dir.path(),
        "huge.txt",
        format!("{OTP_EXAMPLE}\n{huge}\n{long}\n{SCAM_EXAMPLE}\n"),
    );
    let output = bin("predict").arg(&lines).ok();
    let rows = output.rows();
    assert_eq!(rows.len(), 5, "one row per line");
    assert_eq!(rows[1][2], "legit");
    assert_eq!(rows[2][0], "2");
    assert_eq!(rows[2][1], "", "the over-long text is not echoed");
    assert!(rows[2][5].contains("line 2") && rows[2][5].contains("16 MiB"));
    assert_eq!(rows[3][4], "truncated");
    assert_eq!(
        rows[3][1].len(),
        long.len(),
        "the text is passed through whole"
    );
    assert_eq!(rows[4][0], "4");
    assert_eq!(rows[4][2], "scam");
    bin("predict")
        .arg(&lines)
        .arg("--strict")
        .fails(3, &["huge.txt:2", "16 MiB"]);

    // CSV: a quoted field spanning lines, over 16 MiB; line numbers after it stay right.
    let csv = write_file(
        dir.path(),
        "huge.csv",
        format!(
            "id,text\n1,{OTP_EXAMPLE}\n2,\"{huge}\n{huge}\"\n3,{SCAM_EXAMPLE}\n4,\"a,\nb\"\n5,x,y\n"
        ),
    );
    let output = bin("predict").arg(&csv).ok();
    let rows = output.rows();
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(
        rows[2][5].contains("line 3") && rows[2][5].contains("16 MiB"),
        "{:?}",
        &rows[2][2..]
    );
    assert_eq!(rows[3][0], "3");
    assert_eq!(rows[3][2], "scam");
    assert_eq!(rows[4][1], "a,\nb");
    assert!(rows[5][5].contains("line 8"), "{:?}", rows[5]);
    bin("predict")
        .arg(&csv)
        .arg("--strict")
        .fails(3, &["huge.csv:3", "16 MiB"]);
    let labeled = write_file(
        dir.path(),
        "huge_train.csv",
        format!("text,label\nok,legit\n\"{huge}\",scam\n"),
    );
    let model = dir.path().join("m.jscam");
    train_command(&labeled, &model).fails(3, &["huge_train.csv:3", "16 MiB"]);
    assert!(!model.exists());
}

/// 10.7: LF and CRLF blank lines are treated alike: an output row each for
/// `predict`, skipped by `train` (an Excel file ending in \r\n\r\n trains).
#[test]
fn blank_lines_get_a_row_and_do_not_stop_training() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write_file(
        dir.path(),
        "blank.csv",
        format!("id,text\r\n1,{SCAM_EXAMPLE}\r\n\r\n2,{OTP_EXAMPLE}\n\n3,x\r\n\r\n"),
    );
    let output = bin("predict").arg(&csv).ok();
    let rows = output.rows();
    assert_eq!(rows.len(), 7, "{rows:?}");
    let notes: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        notes,
        ["", "blank_line", "", "blank_line", "", "blank_line"]
    );
    assert_eq!(rows[2], ["", "", "", "", "blank_line", ""]);
    assert!(rows[1..].iter().all(|r| r[5].is_empty()), "no error rows");
    assert!(
        output.stderr().contains("read 6 rows, scored 3, errors 0")
            && output.stderr().contains("blank lines 3"),
        "{}",
        output.stderr()
    );
    let excel = write_file(
        dir.path(),
        "excel.csv",
        labeled_csv(&tiny_rows(), "\r\n") + "\r\n",
    );
    let model = dir.path().join("m.jscam");
    let output = train_command(&excel, &model).ok();
    output.stderr_has("24 rows");
}

/// 10.8: an absurd thread count is refused at once, naming the flag.
#[test]
fn threads_have_an_upper_bound() {
    bin("predict")
        .args(["--threads", "100000"])
        .stdin(b"x")
        .fails(2, &["--threads", "100000"]);
}

/// Rebuilds a model file with edited parts through the library's own
/// codec, so that the checksum is valid and only the loader's checks are left.
fn forge(bytes: &[u8], edit: impl FnOnce(&mut jscam::ModelParts)) -> Vec<u8> {
    let mut parts = jscam::decode_model_file(bytes).unwrap();
    edit(&mut parts);
    let (names, idf): (Vec<String>, Vec<f64>) = parts.entries.iter().cloned().unzip();
    jscam::encode_model_file(jscam::ModelPartsRef {
        header: &parts.header,
        names: &names,
        idf: &idf,
        weights: &parts.weights,
        intercept: parts.intercept,
    })
}

/// 10.9 and 10.10: forged models with a valid checksum but huge IDF
/// values, or empty or equal labels, are refused (exit 4).
#[test]
fn forged_models_with_a_valid_checksum_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    // The untouched round trip loads: the forging itself is sound.
    let same = write_file(dir.path(), "same.jscam", forge(&bytes, |_| {}));
    bin("predict").arg("-m").arg(&same).stdin(b"x").ok();

    let huge_idf = forge(&bytes, |p| p.entries[0].1 = 1.7e308);
    let empty_label = forge(&bytes, |p| p.header.labels.positive = String::new());
    let equal_labels = forge(&bytes, |p| p.header.labels.negative = "scam".into());
    for (name, forged, reason) in [
        ("idf.jscam", huge_idf, "IDF"),
        ("empty.jscam", empty_label, "labels must not be empty"),
        ("equal.jscam", equal_labels, "must differ"),
    ] {
        let path = write_file(dir.path(), name, forged);
        let output = bin("predict")
            .arg("-m")
            .arg(&path)
            .args(["--format", "jsonl"])
            .stdin(SCAM_EXAMPLE.as_bytes())
            .fails(4, &[name, reason]);
        assert_eq!(output.stdout(), "", "nothing scored with {name}");
    }
}

/// 10.11: with both `label` and `predicted_label` in the input, the added
/// column is `predicted_label_2`; no duplicate JSON keys.
#[test]
fn added_columns_take_the_first_free_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(
        dir.path(),
        "both.csv",
        format!("text,label,predicted_label\n{SCAM_EXAMPLE},scam,scam\n"),
    );
    let output = bin("predict").arg(&input).ok();
    let rows = output.rows();
    assert_eq!(
        rows[0],
        [
            "text",
            "label",
            "predicted_label",
            "predicted_label_2",
            "probability",
            "note",
            "error"
        ]
    );
    assert_eq!(rows[1][3], "scam");
    let output = bin("predict").arg(&input).args(["--format", "jsonl"]).run();
    let line = output.stdout();
    let value: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line.trim()).unwrap();
    assert_eq!(value.len(), 7, "seven distinct keys: {line}");
    assert_eq!(value["predicted_label_2"], "scam");
}

/// 10.12: a header that names the text or label column twice is refused.
#[test]
fn a_column_named_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(
        dir.path(),
        "dup.csv",
        "text,label,text\na,scam,b\nc,legit,d\n",
    );
    bin("predict").arg(&input).fails(
        3,
        &["dup.csv:1", "\"text\" more than once", "columns 1 and 3"],
    );
    let input = write_file(
        dir.path(),
        "dup_label.csv",
        "text,label,label\na,scam,legit\n",
    );
    train_command(&input, dir.path().join("m.jscam"))
        .fails(3, &["dup_label.csv:1", "\"label\" more than once"]);
}

/// 10.13: the message names the flag that was given.
#[test]
fn an_out_of_range_threshold_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    for (flag, value) in [
        ("--threshold", "1.5"),
        ("--max-fpr", "1.5"),
        ("--min-precision", "2"),
    ] {
        let output = train_command(fixture("tiny.csv"), &model)
            .args([flag, value])
            .fails(2, &[flag, value]);
        let err = output.stderr();
        for other in ["--threshold", "--max-fpr", "--min-precision"] {
            assert!(other == flag || !err.contains(other), "{flag}: {err}");
        }
    }
}

/// 10.14: a failing stdout is named.
#[test]
fn writing_stdout_to_a_full_disk_says_so() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipping: no /dev/full");
        return;
    };
    bin("inspect")
        .stdout_to(full.try_clone().unwrap())
        .fails(5, &["writing <stdout>"]);
    bin("evaluate")
        .arg("model")
        .arg(fixture("tiny.csv"))
        .stdout_to(full.try_clone().unwrap())
        .fails(5, &["writing <stdout>"]);
    bin("predict")
        .arg(fixture("tiny.csv"))
        .stdout_to(full)
        .fails(5, &["writing <stdout>"]);
}

/// 10.15: only empty texts, or a single group, is named with the file.
#[test]
fn nothing_to_learn_from_is_named_with_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write_file(
        dir.path(),
        "blank_texts.csv",
        "text,label\n,scam\n \t,legit\n,legit\n",
    );
    train_command(&empty, dir.path().join("m.jscam"))
        .fails(3, &["blank_texts.csv", "every text is empty"]);
    bin("evaluate")
        .arg("cv")
        .arg(&empty)
        .fails(3, &["blank_texts.csv", "every text is empty"]);

    let rows = tiny_rows();
    let mut grouped = String::from("text,label,family\n");
    for (t, l) in &rows {
        grouped.push_str(&format!("{t},{l},same\n"));
    }
    let grouped = write_file(dir.path(), "one_group.csv", grouped);
    bin("evaluate")
        .arg("cv")
        .arg(&grouped)
        .args(["--group-column", "family"])
        .fails(3, &["one_group.csv", "same group", "at least 2 groups"]);
}

/// 10.16: `-o` naming the training data is refused; the data is untouched.
#[test]
fn train_refuses_to_overwrite_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_file(
        dir.path(),
        "X.csv",
        std::fs::read(fixture("tiny.csv")).unwrap(),
    );
    let before = std::fs::read(&data).unwrap();
    for target in [data.clone(), dir.path().join(".").join("X.csv")] {
        train_command(&data, &target).fails(2, &["X.csv", "is the training data"]);
        assert_eq!(std::fs::read(&data).unwrap(), before);
    }
}

/// 10.17: categories and texts cannot break the report's tables or inject
/// headings or HTML.
#[test]
fn report_cells_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("text,label,category\n");
    for (i, (t, l)) in tiny_rows().iter().enumerate() {
        let category = if i % 2 == 0 {
            "\"a|b\n# injected\"".to_owned()
        } else {
            "<script>x</script>".to_owned()
        };
        // Make every message a misclassified-looking one: the worst lists fill up.
        text.push_str(&format!("\"{t}|<b>\n## bad\",{l},{category}\n"));
    }
    let data = write_file(dir.path(), "hostile.csv", text);
    let report = dir.path().join("report");
    bin("evaluate")
        .args(["cv", "--k", "3", "--threshold", "0.99"])
        .arg(&data)
        .arg("--report")
        .arg(&report)
        .ok();
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(!md.contains("<script>") && !md.contains("<b>"), "{md}");
    // Every row of a table has as many cell separators (unescaped pipes) as its header.
    let mut columns = None;
    for line in md.lines() {
        assert!(
            !line.starts_with("# injected") && !line.starts_with("## bad"),
            "injected heading: {line}"
        );
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let separators = line.replace("\\|", "").matches('|').count();
        let expected = *columns.get_or_insert(separators);
        assert_eq!(separators, expected, "broken table row: {line}");
    }
    assert!(md.contains("a\\|b \\# injected"), "{md}");
}

/// 10.18: a UTF-16 file is named as such, without the cp932 hint.
#[test]
fn utf16_input_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "text\n未納\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let input = write_file(dir.path(), "u16.csv", bytes);
    let output = bin("predict")
        .arg(&input)
        .fails(3, &["u16.csv:1", "UTF-16"]);
    assert!(
        !output.stderr().contains("--encoding cp932"),
        "{}",
        output.stderr()
    );
    train_command(&input, dir.path().join("m.jscam")).fails(3, &["u16.csv:1", "UTF-16"]);
}

#[test]
fn char_ngram_flag_default_is_the_library_default() {
    let help = bin("train").arg("--help").run().stdout();
    let config = jscam::FeatureConfig::default();
    let shown = format!(
        "[default: {},{}]",
        config.char_ngram_min, config.char_ngram_max
    );
    let flag = help
        .split("--char-ngrams")
        .nth(1)
        .expect("--char-ngrams is listed");
    let flag = &flag[..flag.find("\n  -").unwrap_or(flag.len())];
    assert!(flag.contains(&shown), "want {shown} in: {flag}");
}

/// `--strict` stops at a malformed row, but every row before it is written,
/// also when the rows before it fill several chunks and run on two threads.
#[test]
fn strict_writes_every_row_before_the_malformed_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,text\n");
    for i in 0..5000 {
        csv.push_str(&format!("{i},お荷物のお届け{i}\n"));
    }
    csv.push_str("bad,\"never closed\n");
    let input = write_file(dir.path(), "strict.csv", csv);
    for threads in ["1", "2"] {
        let output = bin("predict")
            .arg(&input)
            .args(["--strict", "--threads", threads])
            .fails(3, &["strict.csv"]);
        let rows = output.rows();
        assert_eq!(
            rows.len(),
            5001,
            "header and 5000 rows with {threads} threads"
        );
        assert_eq!(rows[5000][0], "4999");
    }
}

// ---------------------------------------------------------------------------
// Issue 20: hostile and careless use, round three. Each test reproduces one
// or more of its cases (named N.. / R..).

/// The file names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// N86, N87: an output naming an input (through another spelling too), or
/// two outputs naming one file, are refused before anything is written.
#[test]
fn evaluate_outputs_never_replace_inputs_or_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_file(
        dir.path(),
        "data.csv",
        std::fs::read(fixture("tiny.csv")).unwrap(),
    );
    let extra = write_file(
        dir.path(),
        "extra.csv",
        labeled_csv(&tiny_rows()[..4], "\n"),
    );
    let before = (
        std::fs::read(&data).unwrap(),
        std::fs::read(&extra).unwrap(),
    );
    let out = dir.path().join("out.csv");
    let spelled = dir.path().join(".").join("out.csv");
    let extra_spelled = dir.path().join("./extra.csv");
    let cases: [(&[&std::ffi::OsStr], &[&str]); 3] = [
        (
            &["--folds-out".as_ref(), data.as_os_str()],
            &["--folds-out", "data.csv", "is the data"],
        ),
        (
            &["--scores-out".as_ref(), extra_spelled.as_os_str()],
            &["--scores-out", "extra.csv", "is --also-train data"],
        ),
        (
            &[
                "--folds-out".as_ref(),
                out.as_os_str(),
                "--scores-out".as_ref(),
                spelled.as_os_str(),
            ],
            &["--scores-out", "same file"],
        ),
    ];
    for (flags, needles) in cases {
        let output = bin("evaluate")
            .args(["cv", "--k", "2", "--threshold", "0.5"])
            .arg(&data)
            .arg("--also-train")
            .arg(&extra)
            .args(flags)
            .fails(2, needles);
        assert_eq!(output.stdout(), "", "refused before any work");
    }
    // `--scores-out` in the other modes, and the report's `evaluation.json`.
    let model = train_tiny(dir.path());
    let report = dir.path().join("report");
    let json = report.join("evaluation.json");
    let other_modes: [(Vec<&std::ffi::OsStr>, &[&str]); 3] = [
        (
            vec![
                "model".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                model.as_os_str(),
                "--scores-out".as_ref(),
                model.as_os_str(),
            ],
            &["--scores-out", "is the model"],
        ),
        (
            vec![
                "train-test".as_ref(),
                extra.as_os_str(),
                data.as_os_str(),
                "--scores-out".as_ref(),
                extra_spelled.as_os_str(),
            ],
            &["--scores-out", "extra.csv", "is the training data"],
        ),
        (
            vec![
                "model".as_ref(),
                data.as_os_str(),
                "-m".as_ref(),
                model.as_os_str(),
                "--report".as_ref(),
                report.as_os_str(),
                "--scores-out".as_ref(),
                json.as_os_str(),
            ],
            &["--scores-out", "evaluation.json", "same file"],
        ),
    ];
    for (args, needles) in other_modes {
        let output = bin("evaluate").args(args).fails(2, needles);
        assert_eq!(output.stdout(), "", "refused before any work");
    }
    assert_eq!(
        (
            std::fs::read(&data).unwrap(),
            std::fs::read(&extra).unwrap()
        ),
        before
    );
    let mut names = names_in(dir.path());
    names.retain(|n| !n.ends_with(".jscam"));
    assert_eq!(names, ["data.csv", "extra.csv"]);
}

/// N88: `--folds-out`, `--report` files and `predict -o` naming a FIFO
/// are refused at once (a write would block until a reader comes).
#[test]
fn a_fifo_output_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipping: mkfifo is not available");
        return;
    }
    bin("evaluate")
        .args(["cv", "--k", "2", "--threshold", "0.5"])
        .arg(fixture("tiny.csv"))
        .arg("--folds-out")
        .arg(&fifo)
        .fails(5, &["fifo", "not a regular file"]);
    let report = dir.path().join("report");
    std::fs::create_dir(&report).unwrap();
    let planted = report.join("roc.svg");
    Command::new("mkfifo").arg(&planted).status().unwrap();
    report_on_tiny(&report).fails(5, &["roc.svg", "not a regular file"]);
    bin("predict")
        .arg("-o")
        .arg(&fifo)
        .stdin(b"x\n")
        .fails(5, &["fifo", "not a regular file"]);
    for path in [&fifo, &planted] {
        let kind = std::fs::symlink_metadata(path).unwrap().file_type();
        assert!(!kind.is_file(), "{} was replaced", path.display());
    }
}

/// N89: a symlink planted at `report.md` is replaced by the report; the
/// file it pointed to is untouched.
#[cfg(unix)]
#[test]
fn a_symlink_planted_in_the_report_directory_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = write_file(dir.path(), "victim.txt", "precious");
    let report = dir.path().join("report");
    std::fs::create_dir(&report).unwrap();
    std::os::unix::fs::symlink(&victim, report.join("report.md")).unwrap();
    report_on_tiny(&report).ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let md = report.join("report.md");
    assert!(std::fs::symlink_metadata(&md).unwrap().is_file());
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# Evaluation report")
    );
    assert_eq!(names_in(&report), REPORT_FILES);
}

#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_previous_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    std::fs::create_dir(&report).unwrap();
    let old = REPORT_FILES;
    for name in old {
        write_file(&report, name, format!("old {name}"));
    }
    let evaluate = report_on_tiny(&report);
    // The report is about 3 KB; each SVG is larger than 4 KB.
    evaluate
        .with_file_size_limit(8)
        .fails(5, &["writing", "report"]);
    for name in old {
        assert_eq!(
            std::fs::read_to_string(report.join(name)).unwrap(),
            format!("old {name}")
        );
    }
    assert_eq!(names_in(&report), REPORT_FILES);

    let folds = write_file(dir.path(), "folds.csv", "previous folds\n");
    let rows: Vec<_> = (0..40).flat_map(|_| tiny_rows()).collect();
    let big = write_file(dir.path(), "big.csv", labeled_csv(&rows, "\n"));
    let mut cv = bin("evaluate");
    cv.args(["cv", "--k", "2", "--threshold", "0.5"])
        .arg(&big)
        .arg("--folds-out")
        .arg(&folds);
    // 960 rows of `row,fold` are about 6 KB.
    cv.with_file_size_limit(4).fails(5, &["folds.csv"]);
    assert_eq!(std::fs::read_to_string(&folds).unwrap(), "previous folds\n");

    let predictions = write_file(dir.path(), "p.csv", "previous predictions\n");
    let mut predict = bin("predict");
    predict.arg(&big).arg("-o").arg(&predictions);
    predict.with_file_size_limit(4).fails(5, &["p.csv"]);
    assert_eq!(
        std::fs::read_to_string(&predictions).unwrap(),
        "previous predictions\n"
    );
    assert_eq!(
        names_in(dir.path()),
        ["big.csv", "folds.csv", "p.csv", "report"]
    );
}

/// The files `evaluate --report DIR` writes, in name order.
const REPORT_FILES: [&str; 5] = [
    "evaluation.json",
    "pr.svg",
    "report.md",
    "roc.svg",
    "scores.svg",
];

/// `evaluate model tiny.csv --report DIR` with the default model.
fn report_on_tiny(report: &Path) -> TestCommand {
    let mut command = bin("evaluate");
    command
        .arg("model")
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(report);
    command
}

/// `predict -o FILE` writes what stdout would get, and nothing to stdout;
/// N90: a valid 251-byte file name works (the temporary name is short).
#[test]
fn predict_writes_to_a_file_with_a_long_name() {
    let dir = tempfile::tempdir().unwrap();
    let to_stdout = bin("predict").arg(fixture("tiny.csv")).ok();
    let name = format!("{}.csv", "p".repeat(247));
    assert_eq!(name.len(), 251);
    let target = dir.path().join(&name);
    let output = bin("predict")
        .arg(fixture("tiny.csv"))
        .arg("-o")
        .arg(&target)
        .ok();
    assert_eq!(output.stdout(), "");
    assert_eq!(std::fs::read(&target).unwrap(), to_stdout.stdout);
    assert_eq!(names_in(dir.path()), [name]);
    // `-o` naming the input is refused.
    let input = write_file(
        dir.path(),
        "in.csv",
        std::fs::read(fixture("tiny.csv")).unwrap(),
    );
    bin("predict")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .fails(2, &["in.csv", "is the input"]);
}

/// R71: SIGTERM while `predict -o` writes (here: waits for stdin) removes
/// the temporary file; the previous file stays.
#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = write_file(dir.path(), "out.csv", "previous\n");
    let mut child = bin("predict")
        .arg("-o")
        .arg(&target)
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"first message\n").unwrap();
    // Wait (without a time limit on the outcome) for the temporary file.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while names_in(dir.path()).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporary file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let temporary = names_in(dir.path());
    assert!(
        temporary.iter().any(|n| n.starts_with(".jscam-")),
        "{temporary:?}"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drop(stdin);
    assert!(!status.success());
    assert_eq!(names_in(dir.path()), ["out.csv"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous\n");
}

/// N04, N05: a file given twice, or as data and as `--also-train`, is a
/// usage error (it would sit on both sides of every split).
#[test]
fn a_file_given_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_file(
        dir.path(),
        "d.csv",
        std::fs::read(fixture("tiny.csv")).unwrap(),
    );
    let model = dir.path().join("m.jscam");
    bin("train")
        .arg(&data)
        .arg(&data)
        .arg("-o")
        .arg(&model)
        .fails(2, &["d.csv", "twice as the training data"]);
    bin("train")
        .arg(&data)
        .arg("--also-train")
        .arg(dir.path().join("./d.csv"))
        .arg("-o")
        .arg(&model)
        .fails(
            2,
            &["d.csv", "as the training data and as --also-train data"],
        );
    bin("evaluate")
        .arg("cv")
        .arg(&data)
        .arg("--also-train")
        .arg(&data)
        .fails(2, &["d.csv", "--also-train"]);
    bin("evaluate")
        .arg("train-test")
        .arg(&data)
        .arg(&data)
        .fails(2, &["d.csv", "the test data"]);
    assert!(!model.exists());
}

/// N82: the text column equal to the label column; N09: an out-of-range
/// `--also-train-weight`; N41: `unsure` as the positive label.
#[test]
fn contradictory_settings_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--text-column", "label"],
            &["text column", "label column"],
        ),
        (
            &["--also-train-weight", "1e20"],
            &["also-train", "[0.001, 1000]"],
        ),
        (
            &["--also-train-weight", "0"],
            &["also-train", "[0.001, 1000]"],
        ),
        (&["--positive-label", "unsure"], &["\"unsure\""]),
    ];
    for (flags, needles) in cases {
        train_command(fixture("tiny.csv"), &model)
            .args(flags)
            .fails(2, needles);
        bin("evaluate")
            .arg("cv")
            .arg(fixture("tiny.csv"))
            .args(flags)
            .fails(2, needles);
    }
    assert!(!model.exists());
}

/// R39, N16: more folds than rows or groups is a data error (exit 3) with
/// the usable number, never NaN lines; N15, N21: groups that cannot make
/// folds are a data error too.
#[test]
fn folds_that_cannot_be_made_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = bin("evaluate")
        .args(["cv", "--k", "100", "--threshold", "0.5"])
        .arg(fixture("tiny.csv"))
        .fails(3, &["tiny.csv", "100 folds", "--k 12 or fewer"]);
    assert!(!output.stdout().contains("NaN"));
    let rows = tiny_rows();
    let mut grouped = String::from("text,label,family\n");
    for (i, (t, l)) in rows.iter().enumerate() {
        grouped.push_str(&format!("{t},{l},g{}\n", i % 3));
    }
    let grouped = write_file(dir.path(), "three_groups.csv", grouped);
    bin("evaluate")
        .args([
            "cv",
            "--k",
            "5",
            "--threshold",
            "0.5",
            "--group-column",
            "family",
        ])
        .arg(&grouped)
        .fails(3, &["three_groups.csv", "3 groups", "--k 3 or fewer"]);
    // Each group holds one label: a fold's inner folds cannot have both.
    let mut split = String::from("text,label,family\n");
    for (i, (t, l)) in rows.iter().enumerate() {
        split.push_str(&format!("{t},{l},{l}{}\n", i % 2));
    }
    let split = write_file(dir.path(), "label_groups.csv", split);
    bin("evaluate")
        .args(["cv", "--k", "2", "--group-column", "family"])
        .arg(&split)
        .fails(3, &["label_groups.csv", "groups"]);
    let mut two = String::from("text,label,family\n");
    for (t, l) in &rows {
        two.push_str(&format!("{t},{l},{l}\n"));
    }
    let two = write_file(dir.path(), "two_groups.csv", two);
    bin("train")
        .arg(&two)
        .args(["--group-column", "family", "-o"])
        .arg(dir.path().join("m.jscam"))
        .fails(3, &["two_groups.csv", "groups"]);
}

/// N41: rows labeled `unsure` (a reviewed `predict --unsure` output) are
/// skipped by `train` and `evaluate`, with a count on stderr.
#[test]
fn unsure_rows_are_skipped_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = tiny_rows();
    rows.push(("どちらとも言えない".into(), "unsure".into()));
    rows.push(("判断できない".into(), "unsure".into()));
    let data = write_file(dir.path(), "reviewed.csv", labeled_csv(&rows, "\n"));
    let model = dir.path().join("m.jscam");
    let output = train_command(&data, &model)
        .args(["--holdout", "0", "--threshold", "0.5"])
        .ok();
    output.stderr_has("reviewed.csv: skipped 2 rows labeled \"unsure\"");
    let header = inspect_json(&model);
    assert_eq!(header["header"]["training"]["rows"], 24);
    let output = bin("evaluate")
        .arg("model")
        .arg(&data)
        .arg("-m")
        .arg(&model)
        .ok();
    output.stderr_has("skipped 2 rows");
    output.stdout_has("rows:            24");
}

/// `--ignore-label` (repeatable, `train` and `evaluate`) skips rows with
/// other labels the way `unsure` rows are skipped, compared after
/// `--label-map`; without it such rows are a third label.
#[test]
fn ignore_label_skips_more_labels_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = tiny_rows();
    rows.push(("あとで確認する".into(), "check".into()));
    rows.push(("保留にしておく".into(), "check".into()));
    rows.push(("よく分からない".into(), "x".into()));
    let data = write_file(dir.path(), "reviewed.csv", labeled_csv(&rows, "\n"));
    let model = dir.path().join("m.jscam");
    let train = |extra: &[&str]| {
        train_command(&data, &model)
            .args(["--holdout", "0", "--threshold", "0.5"])
            .args(extra)
            .run()
    };
    let output = train(&["--ignore-label", "check"]);
    output.assert_error(3, &["\"x\""]);
    assert!(!model.exists());
    let output = train(&[
        "--ignore-label",
        "check",
        "--label-map",
        "x=junk",
        "--ignore-label",
        " junk ",
    ]);
    assert!(output.status.success(), "{}", output.stderr());
    output.stderr_has("reviewed.csv: skipped 2 rows labeled \"check\", 1 row labeled \"junk\"");
    assert_eq!(inspect_json(&model)["header"]["training"]["rows"], 24);
    let scores = dir.path().join("scores.csv");
    let output = bin("evaluate")
        .args(["cv", "--k", "3", "--threshold", "0.5"])
        .arg(&data)
        .args(["--ignore-label", "check", "--ignore-label", "x"])
        .arg("--scores-out")
        .arg(&scores)
        .ok();
    output.stderr_has("skipped 2 rows labeled \"check\", 1 row labeled \"x\"");
    let written = csv_rows(&std::fs::read_to_string(&scores).unwrap());
    assert_eq!(written.len(), 25, "a header and the 24 rows left");
    assert!(written.iter().all(|r| r[4] != "check" && r[4] != "x"));
    bin("evaluate")
        .arg("model")
        .arg(&data)
        .arg("-m")
        .arg(&model)
        .args(["--ignore-label", ""])
        .fails(2, &["--ignore-label"]);
}

/// N81: a held-out fraction that leaves one side empty is reported as such
/// by `train` and `inspect`, not as "--holdout 0".
#[test]
fn a_skipped_held_out_split_is_reported_truthfully() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let output = train_command(fixture("tiny.csv"), &model)
        .args(["--holdout", "0.999", "--threshold", "0.5"])
        .ok();
    let err = output.stderr();
    assert!(
        err.contains(
            "held-out split skipped: too few rows: --holdout 0.999 on 24 rows leaves 24 held out and 0 to train on"
        ),
        "{err}"
    );
    let output = bin("inspect").arg(&model).run();
    let text = output.stdout();
    assert!(
        text.contains("held-out metrics: none (held-out split skipped: too few rows: --holdout 0.999 on 24 rows"),
        "{text}"
    );
    assert!(!text.contains("--holdout 0)"), "{text}");
}

/// N35, N74: control characters from a forged model (labels, file paths,
/// rule, date, feature names), a CSV header or a file name never reach
/// the terminal raw; N36: a subnormal IDF value is refused on load.
#[test]
fn text_from_files_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let evil = "x\u{1b}]0;owned\u{7}\u{1b}[2J\nfake: line\r\0";
    let forged = forge(&bytes, |p| {
        let h = &mut p.header;
        h.labels.positive = format!("scam{evil}");
        h.training.date = evil.into();
        h.training.threshold_rule = evil.into();
        h.training.rows_per_label = [(evil.to_owned(), 1)].into();
        h.training.files = vec![TrainingFile {
            path: evil.into(),
            role: evil.into(),
            weight: 1.0,
            rows_per_label: [(evil.to_owned(), 1)].into(),
            sha256: evil.into(),
        }];
    });
    let forged_path = write_file(dir.path(), "forged.jscam", &forged);
    let output = bin("inspect").arg(&forged_path).run();
    let text = output.stdout() + &output.stderr();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\0') && !text.contains('\r'),
        "{text:?}"
    );
    assert!(!text.contains("\nfake: line"), "{text:?}");
    let forged = forge(&bytes, |p| p.header.labels.positive = format!("scam{evil}"));
    let forged_path = write_file(dir.path(), "label.jscam", &forged);
    let output = bin("predict")
        .arg("-m")
        .arg(&forged_path)
        .stdin(b"x\n")
        .ok();
    let err = output.stderr();
    assert!(
        !err.contains('\u{1b}') && err.lines().count() == 1,
        "{err:?}"
    );
    assert!(err.contains("scamx\\u{1b}"), "{err:?}");
    let output = bin("inspect").arg(&forged_path).run();
    assert!(!output.stdout().contains('\u{1b}'), "{:?}", output.stdout());

    // A header and a file name with control characters, in an error.
    let header = write_file(dir.path(), "h.csv", "te\u{1b}[31mxt\0,label\nx,scam\n");
    let output = bin("predict")
        .arg(&header)
        .fails(3, &["te\\u{1b}[31mxt\\0"]);
    assert!(!output.stderr().contains('\u{1b}'));
    let odd_name = dir.path().join("a\nb\u{1b}.csv");
    bin("predict")
        .arg(&odd_name)
        .fails(3, &["a\\nb\\u{1b}.csv"]);

    // N36: the first feature's IDF, set to the smallest subnormal.
    let tiny_idf = forge(&bytes, |p| p.entries[0].1 = f64::from_bits(1));
    let path = write_file(dir.path(), "tiny_idf.jscam", tiny_idf);
    let output = bin("predict")
        .arg("-m")
        .arg(&path)
        .stdin(SCAM_EXAMPLE.as_bytes())
        .fails(4, &["tiny_idf.jscam", "IDF"]);
    assert_eq!(output.stdout(), "");
}

/// N66: duplicate and empty column names give distinct JSON Lines keys.
#[test]
fn json_lines_keys_are_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "dup.csv", "id,id,,,text\n1,2,3,4,こんにちは\n");
    let output = bin("predict").arg(&input).args(["--format", "jsonl"]).ok();
    let line = output.stdout();
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line.trim()).unwrap();
    // serde_json's map keeps one entry per key: 9 entries, 9 distinct keys.
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "column_3",
            "column_4",
            "error",
            "id",
            "id_2",
            "label",
            "note",
            "probability",
            "text"
        ]
    );
    assert_eq!(object["id_2"], "2");
    assert_eq!(object["column_4"], "4");
}

// Issue 17: operating points, plots, any labeled file, guards, reports.

/// `evaluate … --json` parsed.
fn evaluate_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    bin("evaluate").args(args).arg("--json").ok().json()
}

fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn evaluate_model_lists_operating_points_provenance_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let scores = dir.path().join("scores.csv");
    let tiny = fixture("tiny.csv");
    let value = evaluate_json(&[
        "model".as_ref(),
        tiny.as_os_str(),
        "--scores-out".as_ref(),
        scores.as_os_str(),
    ]);
    assert_eq!(value["schema"], 2);
    let run_info = &value["run"];
    assert!(
        run_info["command_line"]
            .as_str()
            .unwrap()
            .contains("--scores-out")
    );
    assert!(!run_info["commit"].as_str().unwrap().is_empty());
    assert_eq!(run_info["model"]["source"], "embedded");
    assert_eq!(run_info["model"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(run_info["data_files"][0]["sha256"], sha256_of(&tiny));
    let table = value["thresholds"].as_array().unwrap();
    let own: Vec<_> = table
        .iter()
        .filter(|p| p["marks"].to_string().contains("model threshold"))
        .collect();
    assert_eq!(own.len(), 1, "{table:?}");
    for key in [
        "precision",
        "recall",
        "false_positive_rate",
        "share_flagged",
    ] {
        assert!(own[0][key].is_number(), "{key}: {:?}", own[0]);
    }
    let targets = value["false_positive_targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["max_false_positive_rate"], 0.01);
    assert!(targets[1]["point"]["threshold"].is_number(), "{targets:?}");
    let text = value.to_string();
    assert!(!text.contains("fn_") && !text.contains("BestF1"), "{text}");
    assert!(value["summary"]["confusion"]["false_negatives"].is_number());
    let rows = csv_rows(&std::fs::read_to_string(&scores).unwrap());
    assert_eq!(
        rows[0],
        ["row", "file", "line", "id", "label", "score", "fold"]
    );
    assert_eq!(rows.len(), 25);
    assert_eq!(rows[1][2..5], ["2", "t01", "scam"]);
    assert!(rows[1][5].parse::<f64>().is_ok() && rows[1][6].is_empty());
    // The text report has the table too.
    let output = bin("evaluate").arg("model").arg(&tiny).run();
    let text = output.stdout();
    assert!(
        text.contains("operating points:") && text.contains("false-positive rate <= 0.1%"),
        "{text}"
    );
}

#[test]
fn evaluate_cv_reports_folds_plots_and_scores_with_folds() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let scores = dir.path().join("scores.csv");
    bin("evaluate")
        .args(["cv", "--k", "3"])
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(&report)
        .arg("--scores-out")
        .arg(&scores)
        .ok();
    let rows = csv_rows(&std::fs::read_to_string(&scores).unwrap());
    let folds: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[6].as_str()).collect();
    assert_eq!(folds.into_iter().collect::<Vec<_>>(), ["0", "1", "2"]);
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    for needle in [
        "command: `evaluate cv",
        "commit",
        "sha256 `",
        "## Per fold",
        "mean ± sd",
        "## Operating points",
        "| file | line | id |",
    ] {
        assert!(md.contains(needle), "missing {needle:?}: {md}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("evaluation.json")).unwrap())
            .unwrap();
    assert_eq!(json["folds"].as_array().unwrap().len(), 3);
    let spread = json["fold_spread"].as_array().unwrap();
    assert!(
        spread
            .iter()
            .any(|s| s["metric"] == "f1" && s["standard_deviation"].is_number())
    );
    let roc = std::fs::read_to_string(report.join("roc.svg")).unwrap();
    for needle in [
        "ROC curve (AUC",
        "FPR 1%",
        "FPR 0.1%",
        "operating point",
        "Noto Sans CJK JP",
    ] {
        assert!(roc.contains(needle), "roc.svg lacks {needle:?}");
    }
    let pr = std::fs::read_to_string(report.join("pr.svg")).unwrap();
    assert!(pr.contains("(AP ") && pr.contains("baseline"), "pr.svg");
    let hist = std::fs::read_to_string(report.join("scores.svg")).unwrap();
    for needle in ["legit (", "scam (", "threshold"] {
        assert!(hist.contains(needle), "scores.svg lacks {needle:?}");
    }
    assert!(!hist.contains("other label"));
}

#[test]
fn fail_under_gates_the_exit_code() {
    let tiny = fixture("tiny.csv");
    let output = bin("evaluate")
        .arg("model")
        .arg(&tiny)
        .args(["--fail-under", "roc_auc=0.5", "-q"])
        .ok();
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "-q prints nothing"
    );
    bin("evaluate")
        .arg("model")
        .arg(&tiny)
        .args(["--fail-under", "recall=1.01"])
        .fails(6, &["--fail-under", "recall", "below 1.01"]);
    let output = bin("evaluate")
        .arg("model")
        .arg(&tiny)
        .args(["--fail-under", "speed=1"])
        .run();
    assert_eq!(output.status.code(), Some(2), "{}", output.stderr());
    assert!(output.stderr().contains("roc_auc"), "lists the metrics");
}

#[test]
fn one_class_file_gets_na_and_no_curves() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<_> = tiny_rows()
        .into_iter()
        .filter(|(_, l)| l == "scam")
        .collect();
    let data = write_file(dir.path(), "scam_only.csv", labeled_csv(&rows, "\n"));
    let report = dir.path().join("r");
    let output = bin("evaluate")
        .arg("model")
        .arg(&data)
        .arg("--report")
        .arg(&report)
        .ok();
    let text = output.stdout();
    for name in ["false-positive rate:", "MCC:", "ROC-AUC:"] {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap_or("");
        assert!(line.ends_with(" n/a"), "{name} not n/a: {text}");
    }
    assert!(!report.join("roc.svg").exists() && !report.join("pr.svg").exists());
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        md.contains("No ROC or precision–recall curve: every row is labelled \"scam\""),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("evaluation.json")).unwrap())
            .unwrap();
    assert!(json["summary"]["false_positive_rate"].is_null());
    assert!(json["false_positive_targets"][0]["point"].is_null());
}

#[test]
fn evaluating_a_model_on_its_training_file_warns() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let output = bin("evaluate")
        .arg("model")
        .arg("-m")
        .arg(&model)
        .arg(fixture("tiny.csv"))
        .ok();
    assert!(
        output.stderr().contains("warning")
            && output
                .stderr()
                .contains("same rows as the model's training file"),
        "{}",
        output.stderr()
    );
    // Another file: no warning.
    let rows: Vec<_> = tiny_rows().into_iter().skip(1).collect();
    let other = write_file(dir.path(), "other.csv", labeled_csv(&rows, "\n"));
    let output = bin("evaluate")
        .arg("model")
        .arg("-m")
        .arg(&model)
        .arg(&other)
        .ok();
    assert!(!output.stderr().contains("warning"), "{}", output.stderr());
}

#[test]
fn tsv_label_map_and_comma_only_rows_are_read_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut tsv = String::from("text\tlabel\n");
    for (t, l) in tiny_rows() {
        tsv.push_str(&format!(
            "{t}\t{}\n",
            if l == "scam" { "迷惑" } else { "正常" }
        ));
    }
    tsv.push_str("\t\n\t\n");
    let data = write_file(dir.path(), "mine.tsv", &tsv);
    let model = dir.path().join("m.jscam");
    let output = train_command(&data, &model)
        .args(["--label-map", "迷惑=scam,正常=legit", "--holdout", "0"])
        .ok();
    output.stderr_has("24 rows (legit: 12, scam: 12)");
    bin("evaluate")
        .arg("model")
        .arg(&data)
        .args(["--label-map", "迷惑=scam,正常=legit"])
        .ok();
    // Comma-only rows in a CSV, as a spreadsheet writes them, are blank lines.
    let mut csv = labeled_csv(&tiny_rows(), "\r\n");
    csv.push_str(",\r\n,\r\n");
    let data = write_file(dir.path(), "excel.csv", csv);
    train_command(&data, &model).args(["--holdout", "0"]).ok();
    let output = bin("evaluate")
        .arg("model")
        .arg(&data)
        .args(["--label-map", "scam"])
        .run();
    assert_eq!(output.status.code(), Some(2), "{}", output.stderr());
}

#[test]
fn column_errors_suggest_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let cased = write_file(dir.path(), "cased.csv", "Text,label\nhi,scam\n");
    train_command(&cased, &model).fails(3, &["did you mean `Text`?", "--text-column \"Text\""]);
    let tsv = write_file(dir.path(), "tabs.csv", "text\tlabel\nhi\tscam\n");
    let output = bin("evaluate")
        .arg("model")
        .arg(&tsv)
        .fails(3, &["\"text\\tlabel\"", "--input-format tsv"]);
    assert!(
        !output.stderr().contains("columns: text,"),
        "{}",
        output.stderr()
    );
    bin("evaluate")
        .arg("model")
        .arg(&tsv)
        .args(["--input-format", "tsv"])
        .ok();
}

#[test]
fn train_checks_the_output_first_and_quiet_leaves_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/m.jscam");
    let output = train_command(fixture("tiny.csv"), &missing)
        .fails(2, &["no/such/dir/m.jscam", "does not exist"]);
    assert!(
        !output.stderr().contains("rows ("),
        "fails before reading: {}",
        output.stderr()
    );
    let model = dir.path().join("m.jscam");
    let output = train_command(fixture("tiny.csv"), &model).arg("-q").run();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{}",
        output.stderr()
    );
    // 12 rows per label: a warning.
    let output = train_command(fixture("tiny.csv"), &model).run();
    output.stderr_has("warning: only 12 \"legit\" rows");
}

#[test]
fn a_skipped_held_out_split_is_named_in_train_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<_> = tiny_rows().into_iter().skip(10).take(4).collect();
    let data = write_file(dir.path(), "four.csv", labeled_csv(&rows, "\n"));
    let model = dir.path().join("m.jscam");
    let output = train_command(&data, &model).args(["--min-df", "1"]).ok();
    output.stderr_has("held-out split skipped: too few rows");
    let output = bin("inspect").arg(&model).run();
    output.stdout_has("held-out split skipped: too few rows");
    assert!(
        !output.stdout().contains("BestF1WithinFpr"),
        "{}",
        output.stdout()
    );
}

#[test]
fn predict_bom_rate_version_and_word_explanations() {
    let output = bin("predict")
        .arg("--bom")
        .stdin(SCAM_EXAMPLE.as_bytes())
        .ok();
    assert!(output.stdout.starts_with("\u{feff}line,text".as_bytes()));
    output.stderr_has(" s (").stderr_has("msg/s)");
    let output = bin("predict")
        .args(["--bom", "-f", "jsonl"])
        .stdin(b"x")
        .run();
    assert_eq!(output.status.code(), Some(2), "{}", output.stderr());
    for name in ["predict", "train", "evaluate", "inspect"] {
        let output = bin(name).arg("--version").run();
        let text = output.stdout();
        assert!(
            text.contains("commit") && text.contains("embedded model trained"),
            "{name}: {text}"
        );
    }
    let output = bin("predict")
        .args(["-f", "jsonl", "--explain", "8"])
        .stdin(SCAM_EXAMPLE.as_bytes())
        .run();
    let value: serde_json::Value = serde_json::from_str(output.stdout().trim()).unwrap();
    for side in ["toward_positive", "toward_negative"] {
        for c in value["explanation"][side].as_array().unwrap() {
            let feature = c["feature"].as_str().unwrap();
            assert!(
                !feature.starts_with("w:") && !feature.starts_with("c:"),
                "{feature}"
            );
        }
    }
}
