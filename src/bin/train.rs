//! `train`: labeled CSV → model file.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use jscam::data::{Encoding, LabeledCsvOptions, LabeledData, read_labeled_csvs};
use jscam::metrics::{Summary, format_metric};
use jscam::output::OutputPlan;
use jscam::terminal::{escape_controls, escape_path};
use jscam::train::TrainOptions;

/// Train a scam classifier from labeled CSV files and write a model file.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Labeled CSV files with a header (UTF-8 by default); columns are matched by name.
    #[arg(required = true)]
    input: Vec<PathBuf>,
    /// Where to write the model (written atomically).
    #[arg(short = 'o', long)]
    model_out: PathBuf,
    /// Column holding the message text.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Column holding the label.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// Input encoding: utf-8 or cp932 (Shift_JIS as Excel writes it).
    #[arg(long, default_value = "utf-8")]
    encoding: Encoding,
    /// Keep rows sharing this column's value on one side of the held-out
    /// split and in one of the folds that choose the threshold (e.g. `source`).
    #[arg(long)]
    group_column: Option<String>,
    /// Share of rows held out for the printed report (0 to skip).
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    #[command(flatten)]
    model: common::ModelArgs,
    /// No progress display.
    #[arg(short, long)]
    quiet: bool,
}

fn run(args: Args) -> anyhow::Result<()> {
    let options = TrainOptions {
        holdout_fraction: args.holdout,
        ..args.model.to_options()?
    };
    let mut plan = OutputPlan::new();
    let named = (args
        .input
        .iter()
        .map(|p| (p.as_path(), "the training data")))
    .chain(args.model.inputs());
    common::inputs(&mut plan, named)?;
    plan.output(&args.model_out, "-o")?;
    let read_options = LabeledCsvOptions {
        text_column: args.text_column,
        label_column: args.label_column,
        group_column: args.group_column,
        encoding: args.encoding,
        ..Default::default()
    };
    let spinner = common::spinner(args.quiet, "reading");
    let data =
        read_labeled_csvs(&args.input, &read_options).context("reading the training data")?;
    let also = args
        .model
        .read_also_train(&read_options)
        .context("reading the --also-train data")?;
    for part in std::iter::once(&data).chain(also.as_ref()) {
        spinner.suspend(|| print_counts(part));
    }
    spinner.set_message("training");
    let outcome = options
        .train_with(&data, also.as_ref())
        .context("training")?;
    spinner.finish_and_clear();
    let model = &outcome.model;
    if let Some(summary) = &outcome.held_out {
        print_held_out(summary, args.holdout, options.seed);
    }
    if let Some(reason) = &outcome.held_out_skipped {
        common::note(format_args!("train: no held-out report: {reason}"));
    }
    let info = &model.header().training;
    if !info.converged {
        common::note(format_args!(
            "train: warning: the optimizer stopped at --max-iter {} before converging; raise --max-iter or --alpha",
            info.iterations
        ));
    }
    model.save(&args.model_out).context("writing the model")?;
    common::note(format_args!(
        "train: wrote {} ({} features, threshold {:.4}, {} iterations)",
        escape_path(&args.model_out),
        model.vocabulary().len(),
        model.threshold().value(),
        info.iterations
    ));
    Ok(())
}

/// "train: a.csv: 24 rows (legit: 12, scam: 12)".
fn print_counts(part: &LabeledData) {
    let counts = part.label_counts();
    let listing: Vec<String> = counts
        .iter()
        .map(|(l, n)| format!("{}: {n}", escape_controls(l)))
        .collect();
    common::note(format_args!(
        "train: {}: {} rows ({})",
        escape_controls(&part.files_display()),
        part.texts.len(),
        listing.join(", ")
    ));
    common::note_skipped("train", part);
}

fn print_held_out(s: &Summary, fraction: f64, seed: u64) {
    let c = s.confusion;
    common::note(format_args!(
        "train: held-out {:.0}% (seed {seed}): precision {} recall {} F1 {} ROC-AUC {}",
        fraction * 100.0,
        format_metric(s.precision),
        format_metric(s.recall),
        format_metric(s.f1),
        format_metric(s.roc_auc)
    ));
    common::note(format_args!(
        "train: confusion (rows = truth, columns = predicted; negative, positive):"
    ));
    common::note(format_args!(
        "train:   {:>8} {:>8}\ntrain:   {:>8} {:>8}",
        c.tn, c.fp, c.fn_, c.tp
    ));
}

fn main() -> ExitCode {
    common::clean_up_on_signal("train");
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("train", &err),
    }
}
