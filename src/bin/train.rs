//! `train`: labeled CSV → model file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use jscam::cli;
use jscam::features::FeatureConfig;
use jscam::io::{Encoding, LabeledCsvOptions, read_labeled_csv};
use jscam::solver::{FitParams, Solver};
use jscam::trainer::{ThresholdRule, TrainOptions};

/// Train a scam classifier from a labeled CSV file and write a model file.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Labeled CSV with a header (UTF-8 by default).
    input: PathBuf,
    /// Where to write the model (written atomically).
    #[arg(short = 'o', long)]
    model_out: PathBuf,
    /// Column holding the message text.
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Column holding the label.
    #[arg(long, default_value = "label")]
    label_column: String,
    /// The label whose probability the model reports.
    #[arg(long, default_value = "scam")]
    positive_label: String,
    /// Input encoding: utf-8 or cp932 (Shift_JIS as Excel writes it).
    #[arg(long, default_value = "utf-8")]
    encoding: Encoding,
    /// Seed for the held-out split and cross-validation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Share of rows held out for the printed report (0 to skip).
    #[arg(long, default_value_t = 0.2)]
    holdout: f64,
    /// Fixed decision threshold on P(positive).
    #[arg(long, conflicts_with_all = ["max_fpr", "min_precision"])]
    threshold: Option<f64>,
    /// Pick the threshold by cross-validation to keep the false-positive rate at or below this.
    #[arg(long, conflicts_with = "min_precision")]
    max_fpr: Option<f64>,
    /// Pick the threshold by cross-validation to keep precision at or above this.
    #[arg(long)]
    min_precision: Option<f64>,
    /// L2 regularization strength (larger = simpler model).
    #[arg(long, default_value_t = FitParams::default().alpha)]
    alpha: f64,
    /// Maximum L-BFGS iterations.
    #[arg(long, default_value_t = FitParams::default().max_iterations)]
    max_iter: u64,
    /// Gradient-norm tolerance for convergence.
    #[arg(long, default_value_t = FitParams::default().gradient_tolerance)]
    tol: f64,
    /// Trainer: sparse (default) or linfa (dense linfa-logistic; small data only).
    #[arg(long, default_value = "sparse")]
    solver: Solver,
    /// Keep features seen in at least this many messages.
    #[arg(long, default_value_t = FeatureConfig::default().min_df)]
    min_df: u32,
    /// Keep at most this many features.
    #[arg(long, default_value_t = FeatureConfig::default().max_features)]
    max_features: usize,
    /// Word n-grams: 1 (words) or 2 (words and bigrams).
    #[arg(long, default_value_t = FeatureConfig::default().word_ngrams)]
    word_ngrams: u8,
    /// Character n-gram lengths MIN,MAX (0,0 turns them off).
    #[arg(long, default_value = "2,3", value_parser = parse_range)]
    char_ngrams: (u8, u8),
    /// No progress display.
    #[arg(short, long)]
    quiet: bool,
}

fn parse_range(s: &str) -> Result<(u8, u8), String> {
    let (a, b) = s.split_once(',').ok_or("expected MIN,MAX, for example 1,3")?;
    Ok((a.trim().parse().map_err(|e| format!("{e}"))?, b.trim().parse().map_err(|e| format!("{e}"))?))
}

fn run(args: Args) -> anyhow::Result<()> {
    let read_options = LabeledCsvOptions {
        text_column: args.text_column,
        label_column: args.label_column,
        encoding: args.encoding,
        ..Default::default()
    };
    let spinner = cli::spinner(args.quiet, "reading");
    let data = read_labeled_csv(&args.input, &read_options).context("reading the training data")?;
    let counts = data.label_counts();
    let listing: Vec<String> = counts.iter().map(|(l, n)| format!("{l}: {n}")).collect();
    spinner.suspend(|| eprintln!("train: {} rows ({})", data.texts.len(), listing.join(", ")));
    let threshold = match (args.threshold, args.max_fpr, args.min_precision) {
        (Some(t), _, _) => ThresholdRule::Fixed(t),
        (_, Some(f), _) => ThresholdRule::MaxFpr(f),
        (_, _, Some(p)) => ThresholdRule::MinPrecision(p),
        _ => ThresholdRule::Fixed(0.5),
    };
    let options = TrainOptions {
        features: FeatureConfig {
            word_ngrams: args.word_ngrams,
            char_ngram_min: args.char_ngrams.0,
            char_ngram_max: args.char_ngrams.1,
            min_df: args.min_df,
            max_features: args.max_features,
            ..FeatureConfig::default()
        },
        fit: FitParams { alpha: args.alpha, max_iterations: args.max_iter, gradient_tolerance: args.tol, solver: args.solver },
        positive_label: args.positive_label,
        seed: args.seed,
        holdout_fraction: args.holdout,
        threshold,
        ..TrainOptions::default()
    };
    spinner.set_message("training");
    let outcome = options.train(&data).context("training")?;
    spinner.finish_and_clear();
    let model = &outcome.model;
    if let Some(s) = &outcome.held_out {
        let c = s.confusion;
        eprintln!(
            "train: held-out {:.0}% (seed {}): precision {:.4} recall {:.4} F1 {:.4} ROC-AUC {:.4}",
            args.holdout * 100.0, args.seed, s.precision, s.recall, s.f1, s.roc_auc
        );
        eprintln!("train: confusion (rows = truth, columns = predicted; negative, positive):");
        eprintln!("train:   {:>8} {:>8}\ntrain:   {:>8} {:>8}", c.tn, c.fp, c.fn_, c.tp);
    }
    let info = &model.header().training;
    if !info.converged {
        eprintln!(
            "train: warning: the optimizer stopped at --max-iter {} before converging; raise --max-iter or --alpha",
            info.iterations
        );
    }
    model.save(&args.model_out).context("writing the model")?;
    eprintln!(
        "train: wrote {} ({} features, threshold {:.4}, {} iterations)",
        args.model_out.display(), model.vocabulary().len(), model.threshold(), info.iterations
    );
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => cli::report("train", &err),
    }
}
