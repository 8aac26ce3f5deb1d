//! `train`: labeled CSV → model file.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use jscam::{
    LabeledCsvOptions, LabeledData, Metric, OutputPlan, Summary, TrainOptions, escape_controls,
    escape_path, metrics_inline, read_labeled_csvs,
};

/// Train a scam classifier from labeled CSV or TSV files and write a model file.
#[derive(Parser, Debug)]
#[command(version = common::version_text())]
struct Args {
    /// Labeled CSV (or .tsv) files with a header (UTF-8 by default); columns are matched by name.
    #[arg(required = true)]
    input: Vec<PathBuf>,
    /// Where to write the model (written atomically).
    #[arg(short = 'o', long)]
    model_out: PathBuf,
    #[command(flatten)]
    read: common::ReadArgs,
    /// Keep rows sharing this column's value on one side of the held-out
    /// split and in one of the folds that choose the threshold (e.g. `source`).
    #[arg(long)]
    group_column: Option<String>,
    /// Share of rows held out for the printed report (0 to skip).
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    #[command(flatten)]
    model: common::TrainArgs,
    /// Print nothing but errors (no progress, counts, report or warnings).
    #[arg(short, long)]
    quiet: bool,
}

/// Fewest rows per label below which `train` warns that the threshold and
/// held-out metrics rest on too little data.
const FEW_ROWS_PER_LABEL: usize = 20;
/// Smallest share of the rarer label below which `train` warns of imbalance.
const IMBALANCED_SHARE: f64 = 0.05;

/// Checks before training that `-o` can be written: its directory exists
/// and accepts a new file (the model is written through a temporary file
/// there), so that a long training run does not end in a write error.
fn check_writable(out: &std::path::Path) -> anyhow::Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let problem = if !dir.is_dir() {
        Some(format!("directory {} does not exist", escape_path(dir)))
    } else {
        // The writer's own temporary file, dropped unused (and so removed).
        jscam::AtomicFile::create(out)
            .err()
            .map(|e| format!("cannot create a file in {}: {e}", escape_path(dir)))
    };
    match problem {
        Some(problem) => {
            Err(jscam::Error::Config(format!("-o {}: {problem}", escape_path(out))).into())
        }
        None => Ok(()),
    }
}

/// Warnings about data too small or too lopsided to trust the threshold
/// and the held-out report.
fn data_warnings(data: &LabeledData) -> Vec<String> {
    let counts = data.label_counts();
    let total: usize = counts.values().sum();
    let mut warnings = Vec::new();
    for (label, &n) in &counts {
        if n < FEW_ROWS_PER_LABEL {
            warnings.push(format!(
                "only {n} {label:?} rows: the threshold and held-out metrics rest on too few examples (at least {FEW_ROWS_PER_LABEL} per label advised)"
            ));
        }
    }
    if let Some((label, &n)) = counts.iter().min_by_key(|&(_, n)| *n)
        && counts.len() == 2
        && total > 0
        && (n as f64) / (total as f64) < IMBALANCED_SHARE
    {
        warnings.push(format!(
            "{label:?} is {:.1}% of the rows ({n} of {total}): very imbalanced data; check precision at the chosen threshold",
            100.0 * n as f64 / total as f64
        ));
    }
    warnings
}

fn run(args: Args) -> anyhow::Result<()> {
    let options = TrainOptions {
        holdout_fraction: args.holdout,
        ..args.model.to_options()?
    };
    options.check()?;
    let mut plan = OutputPlan::new();
    let named = (args
        .input
        .iter()
        .map(|p| (p.as_path(), "the training data")))
    .chain(args.model.inputs());
    common::inputs(&mut plan, named)?;
    plan.output(&args.model_out, "-o")?;
    check_writable(&args.model_out)?;
    let spinner = common::spinner(args.quiet, "reading");
    let (data, also) = read_inputs(&args, &spinner)?;
    spinner.set_message("training");
    let outcome = options
        .train_with(&data, also.as_ref())
        .context("training")?;
    spinner.finish_and_clear();
    let model = &outcome.model;
    let info = &model.header().training;
    if !args.quiet {
        if let Some(summary) = &outcome.held_out {
            print_held_out(summary, args.holdout, options.seed);
        }
        if let Some(reason) = &info.held_out_skipped {
            common::note(format_args!(
                "train: held-out split skipped: {}",
                escape_controls(reason)
            ));
        }
    }
    if !info.converged && !args.quiet {
        common::note(format_args!(
            "train: warning: the optimizer stopped at --max-iter {} before converging; raise --max-iter or --alpha",
            info.iterations
        ));
    }
    model
        .save(&args.model_out)
        .with_context(|| format!("writing the model to {}", escape_path(&args.model_out)))?;
    if !args.quiet {
        common::note(format_args!(
            "train: wrote {} ({} features, threshold {:.4}, {} iterations)",
            escape_path(&args.model_out),
            model.vocabulary().len(),
            model.threshold().value(),
            info.iterations
        ));
    }
    Ok(())
}

/// Reads the training data and the `--also-train` data, printing (unless
/// quiet) each one's counts and the warnings about them.
fn read_inputs(
    args: &Args,
    spinner: &indicatif::ProgressBar,
) -> anyhow::Result<(LabeledData, Option<LabeledData>)> {
    let read_options = LabeledCsvOptions {
        group_column: args.group_column.clone(),
        ..args.read.to_options()
    };
    let data =
        read_labeled_csvs(&args.input, &read_options).context("reading the training data")?;
    let also = args
        .model
        .read_also_train(&read_options)
        .context("reading the --also-train data")?;
    if !args.quiet {
        for part in std::iter::once(&data).chain(also.as_ref()) {
            spinner.suspend(|| print_counts(part));
        }
        let mut all = data.clone();
        if let Some(also) = &also {
            all.append(also.clone());
        }
        for warning in data_warnings(&all) {
            spinner.suspend(|| common::note(format_args!("train: warning: {warning}")));
        }
    }
    Ok((data, also))
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
        "train: held-out {:.0}% (seed {seed}): {}",
        fraction * 100.0,
        metrics_inline(&Metric::HELD_OUT_TRAIN, s)
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
