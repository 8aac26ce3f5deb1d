//! The real binaries on small committed fixtures (`tests/fixtures/`) and
//! on generated files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const SCAM_EXAMPLE: &str = "会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。Amazonカスタマーセンター0359620597";
const OTP_EXAMPLE: &str =
    "【Amazon】認証コードは123456です。このコードは誰にも教えないでください。";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn bin(name: &str) -> Command {
    let path = match name {
        "train" => env!("CARGO_BIN_EXE_train"),
        "predict" => env!("CARGO_BIN_EXE_predict"),
        "inspect" => env!("CARGO_BIN_EXE_inspect"),
        "evaluate" => env!("CARGO_BIN_EXE_evaluate"),
        other => panic!("unknown binary {other}"),
    };
    let mut command = Command::new(path);
    command.env_remove("SOURCE_DATE_EPOCH");
    command
}

fn run(command: &mut Command, stdin: Option<&[u8]>) -> Output {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("binary starts");
    let mut input = child.stdin.take().expect("stdin");
    let bytes = stdin.unwrap_or_default().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let output = child.wait_with_output().expect("binary runs");
    writer.join().unwrap();
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// Asserts a one-line error on stderr with the expected exit code and text.
fn assert_error(output: &Output, code: i32, needles: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(
        err.trim_end()
            .lines()
            .filter(|l| l.contains("error"))
            .count(),
        1,
        "one error line: {err}"
    );
    for needle in needles {
        assert!(err.contains(needle), "missing {needle:?} in {err}");
    }
}

fn train_tiny(dir: &Path) -> PathBuf {
    let model = dir.join("tiny.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0.25", "--quiet"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    model
}

/// `inspect --json` of a model file, parsed.
fn inspect_json(model: &Path) -> serde_json::Value {
    let output = run(bin("inspect").arg(model).arg("--json"), None);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn train_reports_counts_and_metrics_then_writes_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0.25"]),
        None,
    );
    let err = stderr(&output);
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
    let output = run(
        bin("predict")
            .arg(fixture("tiny.csv"))
            .arg("--model")
            .arg(&model),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
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
    let output = run(&mut bin("predict"), Some(input.as_bytes()));
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(
        rows[0],
        ["line", "text", "label", "probability", "note", "error"]
    );
    assert_eq!(rows.len(), 5, "one output row per input line");
    assert_eq!(rows[1][2], "scam", "the fake billing message");
    assert_eq!(rows[2][4], "empty_text");
    assert_eq!(rows[3][2], "legit", "the one-time passcode");
    assert!(
        stderr(&output).contains("read 4 rows, scored 4, errors 0"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn predict_jsonl_output() {
    let output = run(
        bin("predict").args(["--format", "jsonl", "--explain", "2"]),
        Some(SCAM_EXAMPLE.as_bytes()),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(value["label"], "scam");
    assert_eq!(value["line"], 1, "a number in JSON Lines");
    assert!(value["probability"].as_f64().unwrap() > 0.5);
    assert!(value["error"].is_null());
    let toward = value["explanation"]["toward_positive"].as_array().unwrap();
    assert!(!toward.is_empty() && toward.len() <= 2);
}

#[test]
fn threshold_and_unsure_band() {
    let output = run(
        bin("predict").args(["--threshold", "1.0"]),
        Some(SCAM_EXAMPLE.as_bytes()),
    );
    assert_eq!(
        csv_rows(&stdout(&output))[1][2],
        "legit",
        "nothing reaches a threshold of 1"
    );
    let output = run(
        bin("predict").args(["--unsure", "0.0,1.0"]),
        Some(SCAM_EXAMPLE.as_bytes()),
    );
    assert_eq!(csv_rows(&stdout(&output))[1][2], "unsure");
    let output = run(bin("predict").args(["--threshold", "1.5"]), Some(b"x"));
    assert_error(&output, 2, &["threshold"]);
}

#[test]
fn malformed_row_gets_an_error_column_or_stops_with_strict() {
    let output = run(bin("predict").arg(fixture("broken_row.csv")), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 4, "every row is kept");
    assert_eq!(rows[2][0], "2");
    assert_eq!(rows[2][2], "", "no label for a malformed row");
    assert!(
        rows[2][5].contains("line 3") && rows[2][5].contains("expected 2 fields"),
        "{:?}",
        rows[2]
    );
    assert!(!rows[3][2].is_empty(), "the row after it is scored");
    assert!(
        stderr(&output).contains("read 3 rows, scored 2, errors 1"),
        "{}",
        stderr(&output)
    );
    let output = run(
        bin("predict")
            .arg(fixture("broken_row.csv"))
            .arg("--strict"),
        None,
    );
    assert_error(&output, 3, &["broken_row.csv:3", "expected 2 fields"]);
}

#[test]
fn cp932_input_for_train_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny_cp932.csv"))
            .arg("-o")
            .arg(&model)
            .args(["--encoding", "cp932", "--quiet"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(
        bin("predict")
            .arg(fixture("tiny_cp932.csv"))
            .args(["--encoding", "cp932"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("未払いの料金があります"));
    // Without the flag: an error naming the line and suggesting cp932.
    let output = run(bin("predict").arg(fixture("tiny_cp932.csv")), None);
    assert_error(&output, 3, &["tiny_cp932.csv:2", "--encoding cp932"]);
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
        let output = run(
            bin("train")
                .arg(&input)
                .arg("-o")
                .arg(&model)
                .arg("--quiet"),
            None,
        );
        assert_error(&output, 3, &needles);
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
    let output = run(
        bin("train").arg(&data).arg("-o").arg(&model).args([
            "--text-column",
            "body",
            "--label-column",
            "kind",
            "--positive-label",
            "spam",
            "--quiet",
        ]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(
        bin("predict")
            .arg(&data)
            .arg("-m")
            .arg(&model)
            .args(["--text-column", "body"]),
        None,
    );
    let rows = csv_rows(&stdout(&output));
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
    let output = run(bin("predict").arg("-m").arg(&truncated), Some(b"x"));
    assert_error(&output, 4, &["truncated.jscam", "not a usable model file"]);
    let foreign = dir.path().join("foreign.jscam");
    std::fs::write(&foreign, b"PK\x03\x04 not a model").unwrap();
    let output = run(bin("predict").arg("-m").arg(&foreign), Some(b"x"));
    assert_error(&output, 4, &["foreign.jscam", "wrong magic"]);
    let output = run(
        bin("predict")
            .arg("-m")
            .arg(dir.path().join("absent.jscam")),
        Some(b"x"),
    );
    assert_error(&output, 4, &["absent.jscam", "cannot read it"]);
}

#[test]
fn missing_text_column_for_predict() {
    let output = run(
        bin("predict")
            .arg(fixture("tiny.csv"))
            .args(["--text-column", "body"]),
        None,
    );
    assert_error(
        &output,
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
    let output = run(Command::new("sh").args(["-c", &shell]), None);
    assert!(output.status.success());
    assert_eq!(stdout(&output).lines().count(), 1);
    assert_eq!(stderr(&output), "", "no error message on a closed pipe");
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
        let output = run(
            bin("predict")
                .arg(&input)
                .args(["--threads", threads, "--quiet"]),
            None,
        );
        let rows = csv_rows(&stdout(&output));
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
    let days = days_from_civil(date);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default.jscam");
    let output = run(
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
            .env("SOURCE_DATE_EPOCH", (days * 86_400).to_string()),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
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
    let output = run(bin("inspect").arg("--json"), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
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
    let text = stdout(&run(&mut bin("inspect"), None));
    assert!(
        text.contains("real_ja/messages.csv (data, weight 1;")
            && text.contains("data/messages.csv (also-train, weight 0.25;"),
        "{text}"
    );
}

fn days_from_civil(date: &str) -> i64 {
    let parts: Vec<i64> = date.split('-').map(|p| p.parse().unwrap()).collect();
    let (y, m, d) = (parts[0] - i64::from(parts[1] <= 2), parts[1], parts[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[test]
fn threshold_chosen_for_a_false_positive_rate_is_stored_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("fpr.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&model)
            .args(["--max-fpr", "0.1", "--holdout", "0", "--quiet"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(bin("inspect").arg(&model).arg("--json"), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
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
    let text = stdout(&run(bin("inspect").arg(&model), None));
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
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "3"])
            .arg(fixture("tiny.csv"))
            .arg("--report")
            .arg(&report)
            .arg("--folds-out")
            .arg(&folds),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
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
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("--also-train")
            .arg(fixture("tiny_extra.csv"))
            .args(["--also-train-weight", "0.5", "--threshold", "0.5"])
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0.25"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
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
    let text = stdout(&run(bin("inspect").arg(&model), None));
    assert!(
        text.contains("tiny_extra.csv (also-train, weight 0.5"),
        "{text}"
    );
}

#[test]
fn evaluate_cv_scores_only_the_main_rows_and_fits_thresholds_inside_folds() {
    let dir = tempfile::tempdir().unwrap();
    let folds = dir.path().join("folds.csv");
    let output = run(
        bin("evaluate")
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
            .arg("--json"),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
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
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "2", "--threshold", "0.5"])
            .arg(fixture("tiny.csv"))
            .arg(fixture("tiny_extra.csv")),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("per file:") && text.contains("tiny_extra.csv  4"),
        "{text}"
    );
}

#[test]
fn whole_input_is_one_message() {
    let mail = "保護者の皆様\n明日は臨時休校です。\n詳細は学校のお知らせをご覧ください。\n";
    let output = run(
        bin("predict").args(["--input-format", "whole", "--quiet"]),
        Some(mail.as_bytes()),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 2, "header and one row: {rows:?}");
    assert_eq!(rows[0][0], "text");
    assert_eq!(rows[1][0], mail.trim_end());
    let lines = run(bin("predict").arg("--quiet"), Some(mail.as_bytes()));
    assert_eq!(
        csv_rows(&stdout(&lines)).len(),
        4,
        "lines mode: one row per line"
    );
}

#[test]
fn extra_link_facts_are_stored_in_the_model_and_bad_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("links.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("--links")
            .arg(fixture("links_extra.txt"))
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0", "--threshold", "0.5", "--quiet"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let value = inspect_json(&model);
    assert_eq!(
        value["header"]["features"]["extra_links"],
        serde_json::json!(["official example-shinkin.co.jp", "brand shinkin"])
    );
    // The model's normalizer knows the extra fact; the shipped facts do not.
    let normalizer_with = jscam::normalize::Normalizer::with_links(
        jscam::links::LinkFacts::with_extra(&["official example-shinkin.co.jp".to_owned()])
            .unwrap(),
    );
    let with = normalizer_with.normalize("https://www.example-shinkin.co.jp/info");
    assert!(with.entities().any(|e| e == "url:official"));
    let without =
        jscam::normalize::Normalizer::new().normalize("https://www.example-shinkin.co.jp/info");
    assert!(!without.entities().any(|e| e == "url:official"));
    let loaded = jscam::Model::load(&model).unwrap();
    let mut extractor =
        jscam::features::Extractor::for_config(loaded.vocabulary().config()).unwrap();
    let mut names = Vec::new();
    extractor
        .for_each_feature(
            "https://www.example-shinkin.co.jp/info",
            loaded.vocabulary().config(),
            |_, name| names.push(name.to_owned()),
        )
        .unwrap();
    assert!(names.iter().any(|n| n == "url:official"), "{names:?}");
    let bad = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("--links")
            .arg(fixture("links_bad.txt"))
            .arg("-o")
            .arg(dir.path().join("bad.jscam")),
        None,
    );
    assert_error(&bad, 2, &["links_bad.txt:2", "no dot"]);
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
    let output = run(bin("train").arg(&data).arg("-o").arg(&model), None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("ROC-AUC n/a"),
        "{}",
        stderr(&output)
    );
    let output = run(bin("predict").arg("-m").arg(&model), Some(b"x"));
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(bin("inspect").arg(&model).arg("--json"), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(value["header"]["training"]["held_out"]["roc_auc"].is_null());
    let output = run(bin("inspect").arg(&model), None);
    assert!(
        stdout(&output).contains("ROC-AUC n/a"),
        "{}",
        stdout(&output)
    );
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .arg("-m")
            .arg(&model),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
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
        let output = run(
            bin("train")
                .arg(fixture("tiny.csv"))
                .arg("-o")
                .arg(&target)
                .arg("--quiet"),
            None,
        );
        let name = target.file_name().unwrap().to_str().unwrap();
        assert_error(&output, 5, &[name, "not a regular file"]);
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
    let output = bin("train")
        .arg(fixture("tiny.csv"))
        .arg("-o")
        .arg(&model)
        .stderr(closed_stderr())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(jscam::Model::load(&model).is_ok(), "no model written");

    let report = dir.path().join("report");
    let output = bin("evaluate")
        .args(["cv", "--k", "3"])
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(&report)
        .stderr(closed_stderr())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(report.join("report.md").exists(), "no report written");

    let output = bin("predict")
        .arg(fixture("tiny.csv"))
        .stderr(closed_stderr())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(csv_rows(&stdout(&output)).len(), 25);

    // An error still gives its exit code.
    let output = bin("predict")
        .arg(dir.path().join("absent.csv"))
        .stderr(closed_stderr())
        .output()
        .unwrap();
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
    let output = run(bin("predict").arg(&lines), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
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
    let output = run(bin("predict").arg(&lines).arg("--strict"), None);
    assert_error(&output, 3, &["huge.txt:2", "16 MiB"]);

    // CSV: a quoted field spanning lines, over 16 MiB; line numbers after it stay right.
    let csv = write_file(
        dir.path(),
        "huge.csv",
        format!(
            "id,text\n1,{OTP_EXAMPLE}\n2,\"{huge}\n{huge}\"\n3,{SCAM_EXAMPLE}\n4,\"a,\nb\"\n5,x,y\n"
        ),
    );
    let output = run(bin("predict").arg(&csv), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
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
    let output = run(bin("predict").arg(&csv).arg("--strict"), None);
    assert_error(&output, 3, &["huge.csv:3", "16 MiB"]);
    let labeled = write_file(
        dir.path(),
        "huge_train.csv",
        format!("text,label\nok,legit\n\"{huge}\",scam\n"),
    );
    let model = dir.path().join("m.jscam");
    let output = run(bin("train").arg(&labeled).arg("-o").arg(&model), None);
    assert_error(&output, 3, &["huge_train.csv:3", "16 MiB"]);
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
    let output = run(bin("predict").arg(&csv), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
    assert_eq!(rows.len(), 7, "{rows:?}");
    let notes: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        notes,
        ["", "blank_line", "", "blank_line", "", "blank_line"]
    );
    assert_eq!(rows[2], ["", "", "", "", "blank_line", ""]);
    assert!(rows[1..].iter().all(|r| r[5].is_empty()), "no error rows");
    assert!(
        stderr(&output).contains("read 6 rows, scored 3, errors 0")
            && stderr(&output).contains("blank lines 3"),
        "{}",
        stderr(&output)
    );
    let excel = write_file(
        dir.path(),
        "excel.csv",
        labeled_csv(&tiny_rows(), "\r\n") + "\r\n",
    );
    let model = dir.path().join("m.jscam");
    let output = run(bin("train").arg(&excel).arg("-o").arg(&model), None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("24 rows"), "{}", stderr(&output));
}

/// 10.8: an absurd thread count is refused at once, naming the flag.
#[test]
fn threads_have_an_upper_bound() {
    let output = run(bin("predict").args(["--threads", "100000"]), Some(b"x"));
    assert_error(&output, 2, &["--threads", "100000"]);
}

/// Rebuilds a model file with an edited header and payload and a valid checksum.
fn forge(
    bytes: &[u8],
    edit_header: impl FnOnce(&mut serde_json::Value),
    edit_payload: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    use sha2::Digest;
    let header_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[20..20 + header_len]).unwrap();
    let rest = &bytes[20 + header_len..];
    let payload_len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
    let mut payload = rest[8..8 + payload_len].to_vec();
    edit_header(&mut header);
    edit_payload(&mut payload);
    let header = serde_json::to_vec_pretty(&header).unwrap();
    let mut out = bytes[..12].to_vec();
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&payload);
    let checksum = sha2::Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// 10.9 and 10.10: forged models with a valid checksum but huge IDF
/// values, or empty or equal labels, are refused (exit 4).
#[test]
fn forged_models_with_a_valid_checksum_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_tiny(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    // The untouched round trip loads: the forging itself is sound.
    let same = write_file(dir.path(), "same.jscam", forge(&bytes, |_| {}, |_| {}));
    let output = run(bin("predict").arg("-m").arg(&same), Some(b"x"));
    assert!(output.status.success(), "{}", stderr(&output));

    // The first feature's IDF sits after the intercept, the name length and the name.
    let huge_idf = forge(
        &bytes,
        |_| {},
        |payload| {
            let name_len = u32::from_le_bytes(payload[8..12].try_into().unwrap()) as usize;
            let at = 12 + name_len;
            payload[at..at + 8].copy_from_slice(&1.7e308f64.to_le_bytes());
        },
    );
    let empty_label = forge(&bytes, |h| h["labels"]["positive"] = "".into(), |_| {});
    let equal_labels = forge(&bytes, |h| h["labels"]["negative"] = "scam".into(), |_| {});
    for (name, forged, reason) in [
        ("idf.jscam", huge_idf, "IDF"),
        ("empty.jscam", empty_label, "labels must not be empty"),
        ("equal.jscam", equal_labels, "must differ"),
    ] {
        let path = write_file(dir.path(), name, forged);
        let output = run(
            bin("predict")
                .arg("-m")
                .arg(&path)
                .args(["--format", "jsonl"]),
            Some(SCAM_EXAMPLE.as_bytes()),
        );
        assert_error(&output, 4, &[name, reason]);
        assert_eq!(stdout(&output), "", "nothing scored with {name}");
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
    let output = run(bin("predict").arg(&input), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows = csv_rows(&stdout(&output));
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
    let output = run(bin("predict").arg(&input).args(["--format", "jsonl"]), None);
    let line = stdout(&output);
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
    let output = run(bin("predict").arg(&input), None);
    assert_error(
        &output,
        3,
        &["dup.csv:1", "\"text\" more than once", "columns 1 and 3"],
    );
    let input = write_file(
        dir.path(),
        "dup_label.csv",
        "text,label,label\na,scam,legit\n",
    );
    let output = run(
        bin("train")
            .arg(&input)
            .arg("-o")
            .arg(dir.path().join("m.jscam")),
        None,
    );
    assert_error(&output, 3, &["dup_label.csv:1", "\"label\" more than once"]);
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
        let output = run(
            bin("train")
                .arg(fixture("tiny.csv"))
                .arg("-o")
                .arg(&model)
                .args([flag, value]),
            None,
        );
        assert_error(&output, 2, &[flag, value]);
        let err = stderr(&output);
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
    let output = bin("inspect")
        .stdout(full.try_clone().unwrap())
        .output()
        .unwrap();
    assert_error(&output, 5, &["writing <stdout>"]);
    let output = bin("evaluate")
        .arg("model")
        .arg(fixture("tiny.csv"))
        .stdout(full.try_clone().unwrap())
        .output()
        .unwrap();
    assert_error(&output, 5, &["writing <stdout>"]);
    let output = bin("predict")
        .arg(fixture("tiny.csv"))
        .stdout(full)
        .output()
        .unwrap();
    assert_error(&output, 5, &["writing <stdout>"]);
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
    let output = run(
        bin("train")
            .arg(&empty)
            .arg("-o")
            .arg(dir.path().join("m.jscam")),
        None,
    );
    assert_error(&output, 3, &["blank_texts.csv", "every text is empty"]);
    let output = run(bin("evaluate").arg("cv").arg(&empty), None);
    assert_error(&output, 3, &["blank_texts.csv", "every text is empty"]);

    let rows = tiny_rows();
    let mut grouped = String::from("text,label,family\n");
    for (t, l) in &rows {
        grouped.push_str(&format!("{t},{l},same\n"));
    }
    let grouped = write_file(dir.path(), "one_group.csv", grouped);
    let output = run(
        bin("evaluate")
            .arg("cv")
            .arg(&grouped)
            .args(["--group-column", "family"]),
        None,
    );
    assert_error(
        &output,
        3,
        &["one_group.csv", "same group", "at least 2 groups"],
    );
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
        let output = run(bin("train").arg(&data).arg("-o").arg(&target), None);
        assert_error(&output, 2, &["X.csv", "is the training data"]);
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
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "3", "--threshold", "0.99"])
            .arg(&data)
            .arg("--report")
            .arg(&report),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
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
    let output = run(bin("predict").arg(&input), None);
    assert_error(&output, 3, &["u16.csv:1", "UTF-16"]);
    assert!(
        !stderr(&output).contains("--encoding cp932"),
        "{}",
        stderr(&output)
    );
    let output = run(
        bin("train")
            .arg(&input)
            .arg("-o")
            .arg(dir.path().join("m.jscam")),
        None,
    );
    assert_error(&output, 3, &["u16.csv:1", "UTF-16"]);
}

#[test]
fn char_ngram_flag_default_is_the_library_default() {
    let help = stdout(&run(bin("train").arg("--help"), None));
    let config = jscam::features::FeatureConfig::default();
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
        let output = run(
            bin("predict")
                .arg(&input)
                .args(["--strict", "--threads", threads]),
            None,
        );
        assert_error(&output, 3, &["strict.csv"]);
        let rows = csv_rows(&stdout(&output));
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
        let output = run(
            bin("evaluate")
                .args(["cv", "--k", "2", "--threshold", "0.5"])
                .arg(&data)
                .arg("--also-train")
                .arg(&extra)
                .args(flags),
            None,
        );
        assert_error(&output, 2, needles);
        assert_eq!(stdout(&output), "", "refused before any work");
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
        let output = run(bin("evaluate").args(args), None);
        assert_error(&output, 2, needles);
        assert_eq!(stdout(&output), "", "refused before any work");
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
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "2", "--threshold", "0.5"])
            .arg(fixture("tiny.csv"))
            .arg("--folds-out")
            .arg(&fifo),
        None,
    );
    assert_error(&output, 5, &["fifo", "not a regular file"]);
    let report = dir.path().join("report");
    std::fs::create_dir(&report).unwrap();
    let planted = report.join("roc.svg");
    Command::new("mkfifo").arg(&planted).status().unwrap();
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(fixture("tiny.csv"))
            .arg("--report")
            .arg(&report),
        None,
    );
    assert_error(&output, 5, &["roc.svg", "not a regular file"]);
    let output = run(bin("predict").arg("-o").arg(&fifo), Some(b"x\n"));
    assert_error(&output, 5, &["fifo", "not a regular file"]);
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
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(fixture("tiny.csv"))
            .arg("--report")
            .arg(&report),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let md = report.join("report.md");
    assert!(std::fs::symlink_metadata(&md).unwrap().is_file());
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# Evaluation report")
    );
    assert_eq!(
        names_in(&report),
        [
            "evaluation.json",
            "pr.svg",
            "report.md",
            "roc.svg",
            "scores.svg"
        ]
    );
}

/// Runs `command` under a file-size limit of `blocks` × 512 bytes, with
/// SIGXFSZ ignored so that a write past it fails (as on a full disk)
/// instead of killing the process.
fn with_file_size_limit(command: &Command, blocks: u32) -> Command {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\""
        ))
        .arg(command.get_program())
        .args(command.get_args());
    limited
}

/// N85: a write that fails part-way (a file-size limit standing in for a
/// full disk) leaves the previous report, fold file and predictions whole,
/// and no temporary file.
#[cfg(unix)]
#[test]
fn a_failed_write_leaves_the_previous_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    std::fs::create_dir(&report).unwrap();
    let old = [
        "report.md",
        "roc.svg",
        "pr.svg",
        "scores.svg",
        "evaluation.json",
    ];
    for name in old {
        write_file(&report, name, format!("old {name}"));
    }
    let mut evaluate = bin("evaluate");
    evaluate
        .arg("model")
        .arg(fixture("tiny.csv"))
        .arg("--report")
        .arg(&report);
    // The report is about 3 KB; each SVG is larger than 4 KB.
    let output = run(&mut with_file_size_limit(&evaluate, 8), None);
    assert_error(&output, 5, &["writing", "report"]);
    for name in old {
        assert_eq!(
            std::fs::read_to_string(report.join(name)).unwrap(),
            format!("old {name}")
        );
    }
    assert_eq!(
        names_in(&report),
        [
            "evaluation.json",
            "pr.svg",
            "report.md",
            "roc.svg",
            "scores.svg"
        ]
    );

    let folds = write_file(dir.path(), "folds.csv", "previous folds\n");
    let rows: Vec<_> = (0..40).flat_map(|_| tiny_rows()).collect();
    let big = write_file(dir.path(), "big.csv", labeled_csv(&rows, "\n"));
    let mut cv = bin("evaluate");
    cv.args(["cv", "--k", "2", "--threshold", "0.5"])
        .arg(&big)
        .arg("--folds-out")
        .arg(&folds);
    // 960 rows of `row,fold` are about 6 KB.
    let output = run(&mut with_file_size_limit(&cv, 4), None);
    assert_error(&output, 5, &["folds.csv"]);
    assert_eq!(std::fs::read_to_string(&folds).unwrap(), "previous folds\n");

    let predictions = write_file(dir.path(), "p.csv", "previous predictions\n");
    let mut predict = bin("predict");
    predict.arg(&big).arg("-o").arg(&predictions);
    let output = run(&mut with_file_size_limit(&predict, 4), None);
    assert_error(&output, 5, &["p.csv"]);
    assert_eq!(
        std::fs::read_to_string(&predictions).unwrap(),
        "previous predictions\n"
    );
    assert_eq!(
        names_in(dir.path()),
        ["big.csv", "folds.csv", "p.csv", "report"]
    );
}

/// `predict -o FILE` writes what stdout would get, and nothing to stdout;
/// N90: a valid 251-byte file name works (the temporary name is short).
#[test]
fn predict_writes_to_a_file_with_a_long_name() {
    let dir = tempfile::tempdir().unwrap();
    let to_stdout = run(bin("predict").arg(fixture("tiny.csv")), None);
    assert!(to_stdout.status.success(), "{}", stderr(&to_stdout));
    let name = format!("{}.csv", "p".repeat(247));
    assert_eq!(name.len(), 251);
    let target = dir.path().join(&name);
    let output = run(
        bin("predict")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&target),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(std::fs::read(&target).unwrap(), to_stdout.stdout);
    assert_eq!(names_in(dir.path()), [name]);
    // `-o` naming the input is refused.
    let input = write_file(
        dir.path(),
        "in.csv",
        std::fs::read(fixture("tiny.csv")).unwrap(),
    );
    let output = run(bin("predict").arg(&input).arg("-o").arg(&input), None);
    assert_error(&output, 2, &["in.csv", "is the input"]);
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
    let output = run(
        bin("train").arg(&data).arg(&data).arg("-o").arg(&model),
        None,
    );
    assert_error(&output, 2, &["d.csv", "twice as the training data"]);
    let output = run(
        bin("train")
            .arg(&data)
            .arg("--also-train")
            .arg(dir.path().join("./d.csv"))
            .arg("-o")
            .arg(&model),
        None,
    );
    assert_error(
        &output,
        2,
        &["d.csv", "as the training data and as --also-train data"],
    );
    let output = run(
        bin("evaluate")
            .arg("cv")
            .arg(&data)
            .arg("--also-train")
            .arg(&data),
        None,
    );
    assert_error(&output, 2, &["d.csv", "--also-train"]);
    let output = run(
        bin("evaluate").arg("train-test").arg(&data).arg(&data),
        None,
    );
    assert_error(&output, 2, &["d.csv", "the test data"]);
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
        let output = run(
            bin("train")
                .arg(fixture("tiny.csv"))
                .arg("-o")
                .arg(&model)
                .args(flags),
            None,
        );
        assert_error(&output, 2, needles);
        let output = run(
            bin("evaluate")
                .arg("cv")
                .arg(fixture("tiny.csv"))
                .args(flags),
            None,
        );
        assert_error(&output, 2, needles);
    }
    assert!(!model.exists());
}

/// R39, N16: more folds than rows or groups is a data error (exit 3) with
/// the usable number, never NaN lines; N15, N21: groups that cannot make
/// folds are a data error too.
#[test]
fn folds_that_cannot_be_made_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "100", "--threshold", "0.5"])
            .arg(fixture("tiny.csv")),
        None,
    );
    assert_error(&output, 3, &["tiny.csv", "100 folds", "--k 12 or fewer"]);
    assert!(!stdout(&output).contains("NaN"));
    let rows = tiny_rows();
    let mut grouped = String::from("text,label,family\n");
    for (i, (t, l)) in rows.iter().enumerate() {
        grouped.push_str(&format!("{t},{l},g{}\n", i % 3));
    }
    let grouped = write_file(dir.path(), "three_groups.csv", grouped);
    let output = run(
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
            .arg(&grouped),
        None,
    );
    assert_error(
        &output,
        3,
        &["three_groups.csv", "3 groups", "--k 3 or fewer"],
    );
    // Each group holds one label: a fold's inner folds cannot have both.
    let mut split = String::from("text,label,family\n");
    for (i, (t, l)) in rows.iter().enumerate() {
        split.push_str(&format!("{t},{l},{l}{}\n", i % 2));
    }
    let split = write_file(dir.path(), "label_groups.csv", split);
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "2", "--group-column", "family"])
            .arg(&split),
        None,
    );
    assert_error(&output, 3, &["label_groups.csv", "groups"]);
    let mut two = String::from("text,label,family\n");
    for (t, l) in &rows {
        two.push_str(&format!("{t},{l},{l}\n"));
    }
    let two = write_file(dir.path(), "two_groups.csv", two);
    let output = run(
        bin("train")
            .arg(&two)
            .args(["--group-column", "family", "-o"])
            .arg(dir.path().join("m.jscam")),
        None,
    );
    assert_error(&output, 3, &["two_groups.csv", "groups"]);
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
    let output = run(
        bin("train").arg(&data).arg("-o").arg(&model).args([
            "--holdout",
            "0",
            "--threshold",
            "0.5",
        ]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("reviewed.csv: skipped 2 rows labeled \"unsure\""),
        "{}",
        stderr(&output)
    );
    let header = inspect_json(&model);
    assert_eq!(header["header"]["training"]["rows"], 24);
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .arg("-m")
            .arg(&model),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("skipped 2 rows"),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("rows:            24"),
        "{}",
        stdout(&output)
    );
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
        run(
            bin("train")
                .arg(&data)
                .arg("-o")
                .arg(&model)
                .args(["--holdout", "0", "--threshold", "0.5"])
                .args(extra),
            None,
        )
    };
    let output = train(&["--ignore-label", "check"]);
    assert_error(&output, 3, &["\"x\""]);
    assert!(!model.exists());
    let output = train(&[
        "--ignore-label",
        "check",
        "--label-map",
        "x=junk",
        "--ignore-label",
        " junk ",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output)
            .contains("reviewed.csv: skipped 2 rows labeled \"check\", 1 row labeled \"junk\""),
        "{}",
        stderr(&output)
    );
    assert_eq!(inspect_json(&model)["header"]["training"]["rows"], 24);
    let scores = dir.path().join("scores.csv");
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "3", "--threshold", "0.5"])
            .arg(&data)
            .args(["--ignore-label", "check", "--ignore-label", "x"])
            .arg("--scores-out")
            .arg(&scores),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("skipped 2 rows labeled \"check\", 1 row labeled \"x\""),
        "{}",
        stderr(&output)
    );
    let written = csv_rows(&std::fs::read_to_string(&scores).unwrap());
    assert_eq!(written.len(), 25, "a header and the 24 rows left");
    assert!(written.iter().all(|r| r[4] != "check" && r[4] != "x"));
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .arg("-m")
            .arg(&model)
            .args(["--ignore-label", ""]),
        None,
    );
    assert_error(&output, 2, &["--ignore-label"]);
}

/// N81: a held-out fraction that leaves one side empty is reported as such
/// by `train` and `inspect`, not as "--holdout 0".
#[test]
fn a_skipped_held_out_split_is_reported_truthfully() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0.999", "--threshold", "0.5"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "held-out split skipped: too few rows: --holdout 0.999 on 24 rows leaves 24 held out and 0 to train on"
        ),
        "{err}"
    );
    let output = run(bin("inspect").arg(&model), None);
    let text = stdout(&output);
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
    let forged = forge(
        &bytes,
        |h| {
            h["labels"]["positive"] = format!("scam{evil}").into();
            h["training"]["date"] = evil.into();
            h["training"]["threshold_rule"] = evil.into();
            h["training"]["rows_per_label"] = serde_json::json!({ evil: 1 });
            h["training"]["files"] = serde_json::json!([{
                "path": evil, "role": evil, "weight": 1.0,
                "rows_per_label": { evil: 1 }, "sha256": evil
            }]);
        },
        |_| {},
    );
    let forged_path = write_file(dir.path(), "forged.jscam", &forged);
    let output = run(bin("inspect").arg(&forged_path), None);
    let text = stdout(&output) + &stderr(&output);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\0') && !text.contains('\r'),
        "{text:?}"
    );
    assert!(!text.contains("\nfake: line"), "{text:?}");
    let forged = forge(
        &bytes,
        |h| h["labels"]["positive"] = format!("scam{evil}").into(),
        |_| {},
    );
    let forged_path = write_file(dir.path(), "label.jscam", &forged);
    let output = run(bin("predict").arg("-m").arg(&forged_path), Some(b"x\n"));
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        !err.contains('\u{1b}') && err.lines().count() == 1,
        "{err:?}"
    );
    assert!(err.contains("scamx\\u{1b}"), "{err:?}");
    let output = run(bin("inspect").arg(&forged_path), None);
    assert!(!stdout(&output).contains('\u{1b}'), "{:?}", stdout(&output));

    // A header and a file name with control characters, in an error.
    let header = write_file(dir.path(), "h.csv", "te\u{1b}[31mxt\0,label\nx,scam\n");
    let output = run(bin("predict").arg(&header), None);
    assert_error(&output, 3, &["te\\u{1b}[31mxt\\0"]);
    assert!(!stderr(&output).contains('\u{1b}'));
    let odd_name = dir.path().join("a\nb\u{1b}.csv");
    let output = run(bin("predict").arg(&odd_name), None);
    assert_error(&output, 3, &["a\\nb\\u{1b}.csv"]);

    // N36: the first feature's IDF, set to the smallest subnormal.
    let tiny_idf = forge(
        &bytes,
        |_| {},
        |payload| {
            let name_len = u32::from_le_bytes(payload[8..12].try_into().unwrap()) as usize;
            let at = 12 + name_len;
            payload[at..at + 8].copy_from_slice(&f64::from_bits(1).to_le_bytes());
        },
    );
    let path = write_file(dir.path(), "tiny_idf.jscam", tiny_idf);
    let output = run(
        bin("predict").arg("-m").arg(&path),
        Some(SCAM_EXAMPLE.as_bytes()),
    );
    assert_error(&output, 4, &["tiny_idf.jscam", "IDF"]);
    assert_eq!(stdout(&output), "");
}

/// N66: duplicate and empty column names give distinct JSON Lines keys.
#[test]
fn json_lines_keys_are_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "dup.csv", "id,id,,,text\n1,2,3,4,こんにちは\n");
    let output = run(bin("predict").arg(&input).args(["--format", "jsonl"]), None);
    assert!(output.status.success(), "{}", stderr(&output));
    let line = stdout(&output);
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
    let output = run(bin("evaluate").args(args).arg("--json"), None);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
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
    let output = run(bin("evaluate").arg("model").arg(&tiny), None);
    let text = stdout(&output);
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
    let output = run(
        bin("evaluate")
            .args(["cv", "--k", "3"])
            .arg(fixture("tiny.csv"))
            .arg("--report")
            .arg(&report)
            .arg("--scores-out")
            .arg(&scores),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
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
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&tiny)
            .args(["--fail-under", "roc_auc=0.5", "-q"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        output.stdout.is_empty() && output.stderr.is_empty(),
        "-q prints nothing"
    );
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&tiny)
            .args(["--fail-under", "recall=1.01"]),
        None,
    );
    assert_error(&output, 6, &["--fail-under", "recall", "below 1.01"]);
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&tiny)
            .args(["--fail-under", "speed=1"]),
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("roc_auc"), "lists the metrics");
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
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .arg("--report")
            .arg(&report),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
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
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg("-m")
            .arg(&model)
            .arg(fixture("tiny.csv")),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning")
            && stderr(&output).contains("same rows as the model's training file"),
        "{}",
        stderr(&output)
    );
    // Another file: no warning.
    let rows: Vec<_> = tiny_rows().into_iter().skip(1).collect();
    let other = write_file(dir.path(), "other.csv", labeled_csv(&rows, "\n"));
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg("-m")
            .arg(&model)
            .arg(&other),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));
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
    let output = run(
        bin("train").arg(&data).arg("-o").arg(&model).args([
            "--label-map",
            "迷惑=scam,正常=legit",
            "--holdout",
            "0",
        ]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("24 rows (legit: 12, scam: 12)"),
        "{}",
        stderr(&output)
    );
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .args(["--label-map", "迷惑=scam,正常=legit"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // Comma-only rows in a CSV, as a spreadsheet writes them, are blank lines.
    let mut csv = labeled_csv(&tiny_rows(), "\r\n");
    csv.push_str(",\r\n,\r\n");
    let data = write_file(dir.path(), "excel.csv", csv);
    let output = run(
        bin("train")
            .arg(&data)
            .arg("-o")
            .arg(&model)
            .args(["--holdout", "0"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&data)
            .args(["--label-map", "scam"]),
        None,
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn column_errors_suggest_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.jscam");
    let cased = write_file(dir.path(), "cased.csv", "Text,label\nhi,scam\n");
    let output = run(bin("train").arg(&cased).arg("-o").arg(&model), None);
    assert_error(
        &output,
        3,
        &["did you mean `Text`?", "--text-column \"Text\""],
    );
    let tsv = write_file(dir.path(), "tabs.csv", "text\tlabel\nhi\tscam\n");
    let output = run(bin("evaluate").arg("model").arg(&tsv), None);
    assert_error(&output, 3, &["\"text\\tlabel\"", "--input-format tsv"]);
    assert!(
        !stderr(&output).contains("columns: text,"),
        "{}",
        stderr(&output)
    );
    let output = run(
        bin("evaluate")
            .arg("model")
            .arg(&tsv)
            .args(["--input-format", "tsv"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn train_checks_the_output_first_and_quiet_leaves_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/m.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&missing),
        None,
    );
    assert_error(&output, 2, &["no/such/dir/m.jscam", "does not exist"]);
    assert!(
        !stderr(&output).contains("rows ("),
        "fails before reading: {}",
        stderr(&output)
    );
    let model = dir.path().join("m.jscam");
    let output = run(
        bin("train")
            .arg(fixture("tiny.csv"))
            .arg("-o")
            .arg(&model)
            .arg("-q"),
        None,
    );
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{}",
        stderr(&output)
    );
    // 12 rows per label: a warning.
    let output = run(
        bin("train").arg(fixture("tiny.csv")).arg("-o").arg(&model),
        None,
    );
    assert!(
        stderr(&output).contains("warning: only 12 \"legit\" rows"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_skipped_held_out_split_is_named_in_train_and_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<_> = tiny_rows().into_iter().skip(10).take(4).collect();
    let data = write_file(dir.path(), "four.csv", labeled_csv(&rows, "\n"));
    let model = dir.path().join("m.jscam");
    let output = run(
        bin("train")
            .arg(&data)
            .arg("-o")
            .arg(&model)
            .args(["--min-df", "1"]),
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("held-out split skipped: too few rows"),
        "{}",
        stderr(&output)
    );
    let output = run(bin("inspect").arg(&model), None);
    assert!(
        stdout(&output).contains("held-out split skipped: too few rows"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stdout(&output).contains("BestF1WithinFpr"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn predict_bom_rate_version_and_word_explanations() {
    let output = run(bin("predict").arg("--bom"), Some(SCAM_EXAMPLE.as_bytes()));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.starts_with("\u{feff}line,text".as_bytes()));
    assert!(
        stderr(&output).contains(" s (") && stderr(&output).contains("msg/s)"),
        "{}",
        stderr(&output)
    );
    let output = run(bin("predict").args(["--bom", "-f", "jsonl"]), Some(b"x"));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    for name in ["predict", "train", "evaluate", "inspect"] {
        let output = run(bin(name).arg("--version"), None);
        let text = stdout(&output);
        assert!(
            text.contains("commit") && text.contains("embedded model trained"),
            "{name}: {text}"
        );
    }
    let output = run(
        bin("predict").args(["-f", "jsonl", "--explain", "8"]),
        Some(SCAM_EXAMPLE.as_bytes()),
    );
    let value: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
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
