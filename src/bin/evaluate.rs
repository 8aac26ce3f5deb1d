//! `evaluate`: measure accuracy by cross-validation, on a test file, or for
//! an existing model.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use jscam::Model;
use jscam::data::{Encoding, LabeledCsvOptions, read_labeled_csv, read_labeled_csvs};
use jscam::eval::report;
use jscam::eval::{Evaluation, cross_validate, score_with_model};
use jscam::model::Threshold;
use jscam::output::OutputPlan;
use jscam::terminal::escape_path;
use jscam::train::{ThresholdRule, TrainOptions};

/// Measure how well a model separates the two labels.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    mode: Mode,
    /// Column holding the message text.
    #[arg(long, global = true, default_value = "text")]
    text_column: String,
    /// Column holding the label.
    #[arg(long, global = true, default_value = "label")]
    label_column: String,
    /// Column holding a category for per-category rates (default: `category` if present).
    #[arg(long, global = true)]
    category_column: Option<String>,
    /// Input encoding: utf-8 or cp932.
    #[arg(long, global = true, default_value = "utf-8")]
    encoding: Encoding,
    /// Also write a Markdown report with ROC, precision-recall and score plots here.
    #[arg(long, global = true)]
    report: Option<PathBuf>,
    /// Print the metrics as JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
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
        /// Write every row's out-of-fold score (`row,score`) to this CSV.
        #[arg(long)]
        scores_out: Option<PathBuf>,
        #[command(flatten)]
        model: common::ModelArgs,
    },
    /// Train on one CSV and test on another.
    TrainTest {
        /// Labeled training CSV.
        train: PathBuf,
        /// Labeled test CSV.
        test: PathBuf,
        #[command(flatten)]
        model: common::ModelArgs,
    },
    /// Test an existing model (default: the embedded one) on labeled CSVs.
    Model {
        /// Labeled test CSV files.
        #[arg(required = true)]
        test: Vec<PathBuf>,
        /// Model file (default: the embedded model).
        #[arg(short, long)]
        model: Option<PathBuf>,
        /// Threshold (default: the model's).
        #[arg(long)]
        threshold: Option<Threshold>,
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
            scores_out,
            model,
            ..
        } => {
            let named = data.iter().map(|p| (p.as_path(), "the data"));
            common::inputs(&mut plan, named.chain(model.inputs()))?;
            outputs.extend(folds_out.as_deref().map(|p| (p, "--folds-out")));
            outputs.extend(scores_out.as_deref().map(|p| (p, "--scores-out")));
        }
        Mode::TrainTest { train, test, model } => {
            let named = [
                (train.as_path(), "the training data"),
                (test.as_path(), "the test data"),
            ];
            common::inputs(&mut plan, named.into_iter().chain(model.inputs()))?;
        }
        Mode::Model { test, model, .. } => {
            let named = test.iter().map(|p| (p.as_path(), "the test data"));
            let model = model.iter().map(|p| (p.as_path(), "the model"));
            common::inputs(&mut plan, named.chain(model))?;
        }
    }
    let report = args.report.as_deref().map(report::report_files);
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
    let read = LabeledCsvOptions {
        text_column: args.text_column.clone(),
        label_column: args.label_column.clone(),
        category_column: args.category_column.clone(),
        encoding: args.encoding,
        ..Default::default()
    };
    let evaluation = match &args.mode {
        Mode::Cv {
            data,
            k,
            group_column,
            folds_out,
            scores_out,
            model,
        } => {
            let read = LabeledCsvOptions {
                group_column: group_column.clone(),
                ..read
            };
            let cv = CvRun {
                data,
                k: *k,
                folds_out,
                scores_out,
                model,
            };
            cross_validation(&cv, &read)?
        }
        Mode::TrainTest { train, test, model } => train_test(train, test, model, &read)?,
        Mode::Model {
            test,
            model,
            threshold,
        } => test_model(test, model.as_deref(), *threshold, &read)?,
    };
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&evaluation)?)
    } else {
        evaluation.to_text()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A closed stdout (`| head`) is not an error, and the report is still written.
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(jscam::Error::write("<stdout>", e).into());
    }
    if let Some(dir) = &args.report {
        let path = report::write_report(&evaluation, dir).context("writing the report")?;
        common::note(format_args!("evaluate: wrote {}", escape_path(&path)));
    }
    Ok(())
}

/// The `cv` subcommand's arguments.
struct CvRun<'a> {
    data: &'a [PathBuf],
    k: usize,
    folds_out: &'a Option<PathBuf>,
    scores_out: &'a Option<PathBuf>,
    model: &'a common::ModelArgs,
}

fn cross_validation(cv: &CvRun<'_>, read: &LabeledCsvOptions) -> anyhow::Result<Evaluation> {
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
    for part in std::iter::once(&data).chain(also.as_ref()) {
        common::note_skipped("evaluate", part);
    }
    let grouped = read.group_column.is_some();
    let result =
        cross_validate(&data, also.as_ref(), &options, k, grouped).context("cross-validating")?;
    // Both files are written together: a failed write leaves both as they were.
    let mut files = Vec::new();
    if let Some(path) = cv.folds_out {
        let folds = result.folds.iter().map(ToString::to_string);
        files.push((path.clone(), column_csv("fold", folds)));
    }
    if let Some(path) = cv.scores_out {
        let scores = result.scores.iter().map(|s| format!("{s:.9}"));
        files.push((path.clone(), column_csv("score", scores)));
    }
    jscam::output::write_files(&files)?;
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
                "threshold by {rule} on {}-fold inner cross-validation of each fold's training side",
                options.threshold_folds
            ),
        }
    );
    Ok(Evaluation::with_fold_thresholds(
        &data,
        &options.positive_label,
        result.scores,
        &result.folds,
        result.thresholds,
        protocol,
    ))
}

fn train_test(
    train: &Path,
    test: &Path,
    model: &common::ModelArgs,
    read: &LabeledCsvOptions,
) -> anyhow::Result<Evaluation> {
    let options = TrainOptions {
        holdout_fraction: 0.0,
        ..model.to_options()?
    };
    let train_data = read_labeled_csv(train, read).context("reading the training data")?;
    let test_data = read_labeled_csv(test, read).context("reading the test data")?;
    let also = model
        .read_also_train(read)
        .context("reading the --also-train data")?;
    for part in [&train_data, &test_data].into_iter().chain(also.as_ref()) {
        common::note_skipped("evaluate", part);
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
    Ok(Evaluation::new(
        &test_data,
        &options.positive_label,
        scores,
        fitted.threshold().value(),
        protocol,
    ))
}

fn test_model(
    test: &[PathBuf],
    model: Option<&Path>,
    threshold: Option<Threshold>,
    read: &LabeledCsvOptions,
) -> anyhow::Result<Evaluation> {
    let model = common::load_model(model)?;
    let test_data = read_labeled_csvs(test, read).context("reading the test data")?;
    common::note_skipped("evaluate", &test_data);
    test_data.check_labels_within(model.positive_label(), model.negative_label())?;
    let scores = score_with_model(&model, &test_data)?;
    let protocol = format!(
        "model {} tested on {}",
        model_name(&model),
        test_data.files_display()
    );
    Ok(Evaluation::new(
        &test_data,
        model.positive_label(),
        scores,
        threshold.unwrap_or(model.threshold()).value(),
        protocol,
    ))
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
