//! `inspect`: print a model file's header and its strongest features.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use jscam::Model;

/// Show what a model is: labels, threshold, vocabulary, training data and
/// held-out metrics, and its strongest features each way.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Model file (default: the embedded model).
    model: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// How many top features to list each way.
    #[arg(long, default_value_t = 15)]
    top: usize,
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut out = Vec::new();
    describe(&args, &mut out)?;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(|e| jscam::Error::write("<stdout>", e))?;
    Ok(())
}

/// Writes the description into `out` (memory, so it cannot fail for I/O reasons).
fn describe(args: &Args, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let loaded;
    let (model, name): (&Model, String) = match &args.model {
        Some(path) => {
            loaded = Model::load(path).context("loading the model")?;
            (&loaded, path.display().to_string())
        }
        None => (
            Model::embedded_default().context("loading the embedded model")?,
            "<embedded>".into(),
        ),
    };
    let header = model.header();
    let (toward_positive, toward_negative) = model.top_features(args.top);
    if args.json {
        let value = serde_json::json!({
            "file": name,
            "format": "jscam-model",
            "format_version": jscam::model::file::FORMAT_VERSION,
            "header": header,
            "intercept": model.intercept(),
            "top_features": {
                "toward_positive": toward_positive,
                "toward_negative": toward_negative,
            },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let t = &header.training;
    writeln!(out, "model:            {name}")?;
    writeln!(
        out,
        "format:           jscam-model v{} (written by jscam {})",
        jscam::model::file::FORMAT_VERSION,
        header.tool_version
    )?;
    writeln!(
        out,
        "labels:           positive {:?}, negative {:?}",
        header.labels.positive, header.labels.negative
    )?;
    writeln!(
        out,
        "threshold:        {} ({})",
        header.threshold, t.threshold_rule
    )?;
    writeln!(
        out,
        "features:         {} (word n-grams 1..{}, character n-grams {}..{}, min_df {}, max {})",
        header.n_features,
        header.features.word_ngrams,
        header.features.char_ngram_min,
        header.features.char_ngram_max,
        header.features.min_df,
        header.features.max_features
    )?;
    writeln!(
        out,
        "normalization:    v{}; dictionary: {}",
        header.normalization_version, header.dictionary
    )?;
    writeln!(
        out,
        "fit:              alpha {}, solver {:?}, {} iterations, converged {}",
        header.fit.alpha, header.fit.solver, t.iterations, t.converged
    )?;
    let counts = |per_label: &std::collections::BTreeMap<String, usize>| {
        per_label
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "training data:    {} rows ({}), sha256 {}",
        t.rows,
        counts(&t.rows_per_label),
        t.data_sha256
    )?;
    for f in &t.files {
        writeln!(
            out,
            "  file:           {} ({}, weight {}; {}), sha256 {}",
            f.path,
            f.role,
            f.weight,
            counts(&f.rows_per_label),
            f.sha256
        )?;
    }
    writeln!(out, "seed, date:       {}, {}", t.seed, t.date)?;
    match &t.held_out {
        Some(h) => {
            let shown = |v: f64| {
                if v.is_nan() {
                    "n/a".to_owned()
                } else {
                    format!("{v:.4}")
                }
            };
            writeln!(
                out,
                "held-out metrics: {} rows ({:.0}%): precision {} recall {} F1 {} accuracy {} ROC-AUC {}; confusion [[TN FP] [FN TP]] = {:?}",
                h.rows,
                h.fraction * 100.0,
                shown(h.precision),
                shown(h.recall),
                shown(h.f1),
                shown(h.accuracy),
                shown(h.roc_auc),
                h.confusion
            )?
        }
        None => writeln!(out, "held-out metrics: none (trained with --holdout 0)")?,
    }
    writeln!(out, "intercept:        {:+.4}", model.intercept())?;
    writeln!(out, "top features toward {:?}:", header.labels.positive)?;
    for (name, weight) in &toward_positive {
        writeln!(out, "  {weight:+9.4}  {name}")?;
    }
    writeln!(out, "top features toward {:?}:", header.labels.negative)?;
    for (name, weight) in &toward_negative {
        writeln!(out, "  {weight:+9.4}  {name}")?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("inspect", &err),
    }
}
