//! `evaluate`: measure accuracy by cross-validation, on a test file, or for
//! an existing model.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use jscam::{
    DataFile, Evaluation, LabeledCsvOptions, LabeledData, Metric, MetricValues, Model,
    ModelIdentity, OutputPlan, RunInfo, Threshold, ThresholdRule, TrainOptions, cross_validate,
    escape_controls, escape_path, read_labeled_csv, read_labeled_csvs, score_with_model,
};

/// Measure how well a model separates the two labels.
///
/// Exit codes: 0 success, 2 bad usage, 3 bad input data, 4 unusable model,
/// 5 other errors, 6 a --fail-under floor was not met.
#[derive(Parser, Debug)]
#[command(version = common::version_text())]
struct Args {
    #[command(subcommand)]
    mode: Mode,
    #[command(flatten)]
    read: common::ReadArgs,
    /// Column holding a category for per-category rates (default: `category` if present).
    #[arg(long, global = true)]
    category_column: Option<String>,
    /// Also write a Markdown report with ROC, precision-recall and score plots here.
    #[arg(long, global = true)]
    report: Option<PathBuf>,
    /// Print the metrics as JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Write every evaluated row's score to this CSV: row, file, line, id,
    /// label, score and fold (empty outside cross-validation).
    #[arg(long, global = true, value_name = "CSV")]
    scores_out: Option<PathBuf>,
    /// Exit with code 6 when METRIC is below VALUE (repeatable), e.g.
    /// `roc_auc=0.95`. Metrics: accuracy, precision, recall, f1, mcc,
    /// roc_auc, average_precision, recall_at_fpr_1pct, recall_at_fpr_0_1pct.
    #[arg(long, global = true, value_name = "METRIC=VALUE", value_parser = gate)]
    fail_under: Vec<(Metric, f64)>,
    /// Print nothing but errors (files asked for are still written).
    #[arg(short, long, global = true)]
    quiet: bool,
}

/// Parses `--fail-under METRIC=VALUE`.
fn gate(s: &str) -> Result<(Metric, f64), String> {
    let (metric, value) = s
        .split_once('=')
        .ok_or("expected METRIC=VALUE, for example roc_auc=0.95")?;
    let metric = metric.trim().to_ascii_lowercase().replace('-', "_");
    let Some(metric) = Metric::gates().find(|m| m.info().key == metric) else {
        let keys: Vec<&str> = Metric::gates().map(|m| m.info().key).collect();
        return Err(format!(
            "unknown metric {metric:?}; one of {}",
            keys.join(", ")
        ));
    };
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|e| format!("{value:?}: {e}"))?;
    Ok((metric, value))
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// k-fold stratified cross-validation over the rows of one or more
    /// labeled CSVs (with --also-train rows on every training side).
    Cv {
        /// Labeled CSV files whose rows are cross-validated.
        #[arg(required = true)]
        data: Vec<PathBuf>,
        /// Number of folds.
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// Keep rows that share this column's value in one fold (e.g. `family`).
        #[arg(long)]
        group_column: Option<String>,
        /// Write the fold of every row (`row,fold`, 0-based rows) to this CSV, for other tools.
        #[arg(long)]
        folds_out: Option<PathBuf>,
        #[command(flatten)]
        model: common::TrainArgs,
    },
    /// Train on one CSV and test on another.
    TrainTest {
        /// Labeled training CSV.
        train: PathBuf,
        /// Labeled test CSV.
        test: PathBuf,
        #[command(flatten)]
        model: common::TrainArgs,
    },
    /// Test an existing model (default: the embedded one) on labeled CSVs.
    Model {
        /// Labeled test CSV files.
        #[arg(required = true)]
        test: Vec<PathBuf>,
        #[command(flatten)]
        scoring: common::ScoringArgs,
    },
}

/// Checks the run's inputs and outputs against each other before anything
/// is read or written.
fn plan(args: &Args) -> Result<OutputPlan, jscam::Error> {
    let mut plan = OutputPlan::new();
    let mut outputs: Vec<(&Path, &str)> = Vec::new();
    match &args.mode {
        Mode::Cv {
            data,
            folds_out,
            model,
            ..
        } => {
            let named = data.iter().map(|p| (p.as_path(), "the data"));
            common::inputs(&mut plan, named.chain(model.inputs()))?;
            outputs.extend(folds_out.as_deref().map(|p| (p, "--folds-out")));
        }
        Mode::TrainTest { train, test, model } => {
            let named = [
                (train.as_path(), "the training data"),
                (test.as_path(), "the test data"),
            ];
            common::inputs(&mut plan, named.into_iter().chain(model.inputs()))?;
        }
        Mode::Model { test, scoring } => {
            let named = test.iter().map(|p| (p.as_path(), "the test data"));
            let model = scoring.model.iter().map(|p| (p.as_path(), "the model"));
            common::inputs(&mut plan, named.chain(model))?;
        }
    }
    outputs.extend(args.scores_out.as_deref().map(|p| (p, "--scores-out")));
    let report = args.report.as_deref().map(jscam::report_files);
    for file in report.iter().flatten() {
        outputs.push((file.as_path(), "--report"));
    }
    for (path, flag) in outputs {
        plan.output(path, flag)?;
    }
    Ok(plan)
}

fn run(args: Args) -> anyhow::Result<()> {
    plan(&args)?;
    let mut run_info = RunInfo {
        command_line: common::command_line(),
        jscam_version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: jscam::COMMIT.to_owned(),
        ..Default::default()
    };
    let (mut evaluation, data) = evaluate_mode(&args, &mut run_info)?;
    evaluation.run = run_info;
    if !args.quiet {
        print_evaluation(&evaluation, args.json)?;
    }
    write_outputs(&args, &evaluation, &data)?;
    check_gates(&args.fail_under, &evaluation.summary)
}

/// Runs the subcommand: reads its data (recording each file in `run_info`),
/// trains and scores as it asks, and evaluates the scores.
fn evaluate_mode(args: &Args, run_info: &mut RunInfo) -> anyhow::Result<(Evaluation, LabeledData)> {
    let read = LabeledCsvOptions {
        category_column: args.category_column.clone(),
        ..args.read.to_options()
    };
    match &args.mode {
        Mode::Cv {
            data,
            k,
            group_column,
            model,
            ..
        } => {
            let read = LabeledCsvOptions {
                group_column: group_column.clone(),
                ..read
            };
            let cv = CvRun {
                data,
                k: *k,
                model,
                quiet: args.quiet,
            };
            record_files(run_info, data, "evaluated")?;
            record_files(run_info, &model.training.also_train, "also-train")?;
            cross_validation(&cv, &read)
        }
        Mode::TrainTest { train, test, model } => {
            record_files(run_info, std::slice::from_ref(train), "training")?;
            record_files(run_info, &model.training.also_train, "also-train")?;
            record_files(run_info, std::slice::from_ref(test), "evaluated")?;
            train_test(train, test, model, &read, args.quiet)
        }
        Mode::Model { test, scoring } => {
            record_files(run_info, test, "evaluated")?;
            test_model(
                test,
                scoring.model.as_deref(),
                scoring.threshold,
                &read,
                run_info,
                args.quiet,
            )
        }
    }
}

/// Prints the run's warnings on stderr and the evaluation (text or JSON)
/// on stdout.
fn print_evaluation(evaluation: &Evaluation, json: bool) -> anyhow::Result<()> {
    for warning in &evaluation.run.warnings {
        common::note(format_args!(
            "evaluate: warning: {}",
            escape_controls(warning)
        ));
    }
    let text = if json {
        format!("{}\n", serde_json::to_string_pretty(evaluation)?)
    } else {
        jscam::report_text(evaluation)
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed stdout (`| head`) is not an error, and the report is still written.
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(jscam::Error::write("<stdout>", e).into());
    }
    Ok(())
}

/// Writes every file the run asked for (`--folds-out`, `--scores-out`,
/// the `--report` files) together through the one output writer: each to
/// a temporary file first, renamed over its target only when all are
/// written, so a failed write leaves every previous file as it was.
fn write_outputs(args: &Args, evaluation: &Evaluation, data: &LabeledData) -> anyhow::Result<()> {
    let mut files = Vec::new();
    if let Mode::Cv {
        folds_out: Some(path),
        ..
    } = &args.mode
    {
        let folds = evaluation.row_folds.iter().map(ToString::to_string);
        files.push((path.clone(), column_csv("fold", folds)));
    }
    if let Some(path) = &args.scores_out {
        files.push((path.clone(), scores_csv(evaluation, data)?));
    }
    let mut report_path = None;
    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir)
            .map_err(|e| jscam::Error::write(dir, e))
            .context("writing the report")?;
        let report = jscam::render_report(evaluation, dir).context("writing the report")?;
        report_path = report.first().map(|(path, _)| path.clone());
        files.extend(report);
    }
    jscam::write_files(&files)?;
    if let Some(path) = report_path
        && !args.quiet
    {
        common::note(format_args!("evaluate: wrote {}", escape_path(&path)));
    }
    Ok(())
}

/// Fails with [`common::GateFailed`] when a `--fail-under` metric is
/// below its floor (an undefined metric fails too).
fn check_gates(gates: &[(Metric, f64)], summary: &jscam::Summary) -> anyhow::Result<()> {
    let failed: Vec<String> = gates
        .iter()
        .filter_map(|&(metric, floor)| {
            let value = summary.value(metric);
            (value.is_nan() || value < floor).then(|| {
                format!(
                    "{} {} is below {floor}",
                    metric.info().key,
                    metric.format(value)
                )
            })
        })
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(common::GateFailed(format!("--fail-under: {}", failed.join("; "))).into())
}

/// Adds each file's SHA-256 to the run record.
fn record_files(run: &mut RunInfo, paths: &[PathBuf], role: &str) -> anyhow::Result<()> {
    for path in paths {
        run.data_files.push(DataFile {
            path: path.display().to_string(),
            role: role.to_owned(),
            sha256: jscam::file_sha256(path)?,
        });
    }
    Ok(())
}

/// `row,file,line,id,label,score,fold` for every evaluated row.
fn scores_csv(evaluation: &Evaluation, data: &LabeledData) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| anyhow::anyhow!("{e}");
    writer
        .write_record(["row", "file", "line", "id", "label", "score", "fold"])
        .map_err(io)?;
    for (i, score) in evaluation.scores.iter().enumerate() {
        let fold = evaluation
            .row_folds
            .get(i)
            .map_or(String::new(), ToString::to_string);
        writer
            .write_record([
                i.to_string().as_str(),
                &data.file_of(i).display().to_string(),
                &data.lines.get(i).copied().unwrap_or(0).to_string(),
                data.id_of(i).unwrap_or(""),
                &data.labels[i],
                &format!("{score:.9}"),
                &fold,
            ])
            .map_err(io)?;
    }
    writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The `cv` subcommand's arguments.
struct CvRun<'a> {
    data: &'a [PathBuf],
    k: usize,
    model: &'a common::TrainArgs,
    quiet: bool,
}

fn cross_validation(
    cv: &CvRun<'_>,
    read: &LabeledCsvOptions,
) -> anyhow::Result<(Evaluation, LabeledData)> {
    let options = cv.model.to_options()?;
    let k = cv.k;
    if k < 2 {
        anyhow::bail!(jscam::Error::Config(format!(
            "--k must be at least 2, got {k}"
        )));
    }
    let data = read_labeled_csvs(cv.data, read).context("reading the data")?;
    let also = cv
        .model
        .read_also_train(read)
        .context("reading the --also-train data")?;
    if !cv.quiet {
        for part in std::iter::once(&data).chain(also.as_ref()) {
            common::note_skipped("evaluate", part);
        }
    }
    let result = cross_validate(&data, also.as_ref(), &options, k).context("cross-validating")?;
    let protocol = format!(
        "{k}-fold stratified{} cross-validation of {}{} (seed {}), pooled out-of-fold scores, {}",
        read.group_column
            .as_ref()
            .map_or(String::new(), |g| format!(", grouped by `{g}`")),
        data.files_display(),
        also.as_ref().map_or(String::new(), |a| format!(
            ", with {} (weight {}) on every training side",
            a.files_display(),
            options.also_train_weight
        )),
        options.seed,
        match options.threshold {
            ThresholdRule::Fixed(t) => format!("threshold fixed at {t}"),
            rule => format!(
                "threshold chosen as {} on a {}-fold inner cross-validation of each fold's training side",
                rule.in_words(),
                options.threshold_folds
            ),
        }
    );
    let evaluation =
        Evaluation::from_cross_validation(&data, &options.positive_label, result, protocol);
    Ok((evaluation, data))
}

fn train_test(
    train: &Path,
    test: &Path,
    model: &common::TrainArgs,
    read: &LabeledCsvOptions,
    quiet: bool,
) -> anyhow::Result<(Evaluation, LabeledData)> {
    let options = TrainOptions {
        holdout_fraction: 0.0,
        ..model.to_options()?
    };
    let train_data = read_labeled_csv(train, read).context("reading the training data")?;
    let test_data = read_labeled_csv(test, read).context("reading the test data")?;
    let also = model
        .read_also_train(read)
        .context("reading the --also-train data")?;
    if !quiet {
        for part in [&train_data, &test_data].into_iter().chain(also.as_ref()) {
            common::note_skipped("evaluate", part);
        }
    }
    let fitted = options
        .train_with(&train_data, also.as_ref())
        .context("training")?
        .model;
    test_data.check_labels_within(fitted.positive_label(), fitted.negative_label())?;
    let scores = score_with_model(&fitted, &test_data)?;
    let protocol = format!(
        "trained on {}, tested on {}",
        train_data.path.display(),
        test_data.path.display()
    );
    let evaluation = Evaluation::new(
        &test_data,
        &options.positive_label,
        scores,
        fitted.threshold().value(),
        protocol,
    );
    Ok((evaluation, test_data))
}

fn test_model(
    test: &[PathBuf],
    model: Option<&Path>,
    threshold: Option<Threshold>,
    read: &LabeledCsvOptions,
    run: &mut RunInfo,
    quiet: bool,
) -> anyhow::Result<(Evaluation, LabeledData)> {
    let model_path = model;
    let model = common::load_model(model)?;
    let t = &model.header().training;
    run.model = Some(ModelIdentity {
        source: model_path.map_or("embedded".to_owned(), |p| p.display().to_string()),
        sha256: match model_path {
            Some(p) => jscam::file_sha256(p)?,
            None => common::sha256_hex(Model::embedded_default_bytes()),
        },
        trained: t.date.clone(),
        training_rows: t.rows,
        training_data_sha256: t.data_sha256.clone(),
    });
    let test_data = read_labeled_csvs(test, read).context("reading the test data")?;
    if !quiet {
        common::note_skipped("evaluate", &test_data);
    }
    run.warnings.extend(trained_on_warnings(&model, &test_data));
    test_data.check_labels_within(model.positive_label(), model.negative_label())?;
    let scores = score_with_model(&model, &test_data)?;
    let protocol = format!(
        "model {} tested on {}",
        model_name(&model),
        test_data.files_display()
    );
    let evaluation = Evaluation::new(
        &test_data,
        model.positive_label(),
        scores,
        threshold.unwrap_or(model.threshold()).value(),
        protocol,
    );
    Ok((evaluation, test_data))
}

/// A warning for each test file that holds exactly the (text, label) rows
/// of one of the model's training files (whose hashes the model stores):
/// its metrics then measure memory, not generalization.
fn trained_on_warnings(model: &Model, data: &LabeledData) -> Vec<String> {
    let training = &model.header().training;
    let mut warnings = Vec::new();
    for (file, rows) in data.file_row_ranges() {
        let texts: Vec<String> = rows.iter().map(|&i| data.texts[i].clone()).collect();
        let labels: Vec<String> = rows.iter().map(|&i| data.labels[i].clone()).collect();
        let hash = jscam::data_hash(&texts, &labels);
        let seen = training
            .files
            .iter()
            .find(|f| f.sha256 == hash)
            .map(|f| f.path.clone())
            .or_else(|| {
                (training.data_sha256 == hash).then(|| "its whole training data".to_owned())
            });
        if let Some(trained) = seen {
            warnings.push(format!(
                "{} holds the same rows as the model's training file {trained}; metrics on training data overstate accuracy",
                file.display()
            ));
        }
    }
    warnings
}

fn model_name(model: &Model) -> String {
    let t = &model.header().training;
    format!(
        "trained {} on {} rows (data sha256 {}…)",
        t.date,
        t.rows,
        t.data_sha256.get(..12).unwrap_or(&t.data_sha256)
    )
}

/// `row,NAME` and one line per row.
fn column_csv(name: &str, values: impl Iterator<Item = String>) -> Vec<u8> {
    let mut out = format!("row,{name}\n");
    for (row, value) in values.enumerate() {
        out.push_str(&format!("{row},{value}\n"));
    }
    out.into_bytes()
}

fn main() -> ExitCode {
    common::clean_up_on_signal("evaluate");
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("evaluate", &err),
    }
}
