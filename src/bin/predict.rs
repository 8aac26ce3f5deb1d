//! `predict`: classify messages in batch with the embedded or a given model.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use jscam::Model;
use jscam::data::Encoding;
use jscam::predict::{self, BatchOptions, InputFormat, OutputFormat};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputArg {
    /// .csv → csv, .tsv → tsv, anything else (and stdin) → lines.
    Auto,
    /// CSV with a header.
    Csv,
    /// Tab-separated with a header.
    Tsv,
    /// One message per line.
    Lines,
    /// The whole input is one message (a multi-line mail, say).
    Whole,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputArg {
    /// CSV with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Classify messages: every input row gives one output row, in order, with
/// `label` and `probability` (P(positive label)) added.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Input file; `-` or nothing reads stdin.
    input: Option<PathBuf>,
    /// Model file (default: the model embedded in this binary).
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// Input layout.
    #[arg(long, value_enum, default_value = "auto")]
    input_format: InputArg,
    /// Column holding the message (CSV/TSV input).
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Input encoding: utf-8 or cp932 (Shift_JIS as Excel writes it).
    #[arg(long, default_value = "utf-8")]
    encoding: Encoding,
    /// Output layout.
    #[arg(short, long, value_enum, default_value = "csv")]
    format: OutputArg,
    /// Decision threshold on P(positive), overriding the model's.
    #[arg(long)]
    threshold: Option<f64>,
    /// Label probabilities in [LOW, HIGH) as `unsure`, e.g. 0.3,0.7.
    #[arg(long, value_parser = common::parse_pair::<f64>)]
    unsure: Option<(f64, f64)>,
    /// Add the K features that pushed each score most toward each label.
    #[arg(long, default_value_t = 0)]
    explain: usize,
    /// Stop at the first malformed row instead of reporting it in the `error` column.
    #[arg(long)]
    strict: bool,
    /// Worker threads (default, or 0: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

fn run(args: Args) -> anyhow::Result<()> {
    common::check_threads(args.threads.unwrap_or(0))?;
    if let Some(threads) = args.threads.filter(|&t| t > 0) {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("setting up threads")?;
    }
    let loaded;
    let model: &Model = match &args.model {
        Some(path) => {
            loaded = Model::load(path).context("loading the model")?;
            &loaded
        }
        None => Model::embedded_default().context("loading the embedded model")?,
    };
    let input_format = match args.input_format {
        InputArg::Csv => InputFormat::Csv,
        InputArg::Tsv => InputFormat::Tsv,
        InputArg::Lines => InputFormat::Lines,
        InputArg::Whole => InputFormat::Whole,
        InputArg::Auto => match args
            .input
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some(e) if e.eq_ignore_ascii_case("csv") => InputFormat::Csv,
            Some(e) if e.eq_ignore_ascii_case("tsv") => InputFormat::Tsv,
            _ => InputFormat::Lines,
        },
    };
    let options = BatchOptions {
        input: args.input.clone(),
        input_format,
        text_column: args.text_column,
        encoding: args.encoding,
        output_format: match args.format {
            OutputArg::Csv => OutputFormat::Csv,
            OutputArg::Jsonl => OutputFormat::Jsonl,
        },
        threshold: args.threshold,
        unsure: args.unsure,
        explain: args.explain,
        strict: args.strict,
        ..BatchOptions::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let summary = predict::run(model, &options, &mut out).context("classifying")?;
    out.flush()
        .map_err(|e| jscam::Error::write("<stdout>", e))
        .context("writing the output")?;
    if !args.quiet {
        common::note(format_args!(
            "predict: read {} rows, scored {}, errors {}, labeled {} {}{}{}",
            summary.read,
            summary.scored,
            summary.errors,
            summary.positive,
            model.positive_label(),
            if options.unsure.is_some() {
                format!(", unsure {}", summary.unsure)
            } else {
                String::new()
            },
            if summary.blank > 0 {
                format!(", blank lines {}", summary.blank)
            } else {
                String::new()
            }
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("predict", &err),
    }
}
