//! `predict`: classify messages in batch with the embedded or a given model.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use jscam::data::Encoding;
use jscam::model::{Threshold, UnsureBand};
use jscam::output::{AtomicFile, OutputPlan};
use jscam::predict::{self, BatchOptions, BatchSummary, InputFormat, OutputFormat};
use jscam::terminal::escape_controls;

/// Classify messages in batch: every input row gives one output row, in
/// order, with `label` and `probability` (P(positive label)) added.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Input file; `-` or nothing reads stdin.
    input: Option<PathBuf>,
    /// Model file (default: the model embedded in this binary).
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// Input layout (auto: .csv → csv, .tsv → tsv, anything else and stdin → lines).
    #[arg(long, default_value = "auto", value_parser = input_formats())]
    input_format: InputChoice,
    /// Column holding the message (CSV/TSV input).
    #[arg(long, default_value = "text")]
    text_column: String,
    /// Input encoding: utf-8 or cp932 (Shift_JIS as Excel writes it).
    #[arg(long, default_value = "utf-8")]
    encoding: Encoding,
    /// Output layout.
    #[arg(short, long, default_value = "csv", value_parser = output_formats())]
    format: OutputFormat,
    /// Write the rows to this file instead of stdout: written to a
    /// temporary file beside it and renamed over it once every row is
    /// written, so on an error the previous file stays as it was.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Decision threshold on P(positive), overriding the model's.
    #[arg(long)]
    threshold: Option<Threshold>,
    /// Label probabilities in [LOW, HIGH) as `unsure`, e.g. 0.3,0.7.
    #[arg(long, value_parser = common::unsure_band)]
    unsure: Option<UnsureBand>,
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

/// `--input-format`: a format, or `None` for `auto`.
#[derive(Debug, Clone, Copy)]
struct InputChoice(Option<InputFormat>);

/// `--input-format` values: `auto` and the library's formats.
fn input_formats() -> impl TypedValueParser<Value = InputChoice> {
    let values = std::iter::once(PossibleValue::new("auto"))
        .chain(InputFormat::ALL.map(|(_, name, help)| PossibleValue::new(name).help(help)));
    PossibleValuesParser::new(values).map(|name| InputChoice(name.parse().ok()))
}

/// `--format` values, from the library's list.
fn output_formats() -> impl TypedValueParser<Value = OutputFormat> {
    let values = OutputFormat::ALL.map(|(_, name, help)| PossibleValue::new(name).help(help));
    PossibleValuesParser::new(values).map(|name| name.parse().expect("a listed name"))
}

fn run(args: Args) -> anyhow::Result<()> {
    common::set_threads(args.threads)?;
    let mut plan = OutputPlan::new();
    let input = args.input.as_deref().filter(|p| *p != Path::new("-"));
    let named = input.map(|p| (p, "the input")).into_iter();
    let model_file = args.model.as_deref().map(|p| (p, "the model"));
    common::inputs(&mut plan, named.chain(model_file))?;
    if let Some(path) = &args.output {
        plan.output(path, "-o")?;
    }
    let model = common::load_model(args.model.as_deref())?;
    let options = BatchOptions {
        input: args.input,
        input_format: args.input_format.0,
        text_column: args.text_column,
        encoding: args.encoding,
        output_format: args.format,
        threshold: args.threshold,
        unsure: args.unsure,
        explain: args.explain,
        strict: args.strict,
        output_name: args.output.clone(),
        ..BatchOptions::default()
    };
    let summary = match &args.output {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut file);
            let summary = predict::run(&model, &options, &mut out).context("classifying")?;
            out.flush()
                .map_err(|e| jscam::Error::write(path, e))
                .context("writing the output")?;
            drop(out);
            file.commit().context("writing the output")?;
            summary
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let summary = predict::run(&model, &options, &mut out).context("classifying")?;
            out.flush()
                .map_err(|e| jscam::Error::write("<stdout>", e))
                .context("writing the output")?;
            summary
        }
    };
    if !args.quiet {
        common::note(format_args!(
            "predict: {}",
            summary_text(&summary, model.positive_label(), options.unsure.is_some())
        ));
    }
    Ok(())
}

/// "read 3 rows, scored 3, errors 0, labeled 1 scam, unsure 1".
fn summary_text(summary: &BatchSummary, positive: &str, unsure: bool) -> String {
    // The label comes from the model file: no control characters reach the terminal.
    let mut text = format!(
        "read {} rows, scored {}, errors {}, labeled {} {}",
        summary.read,
        summary.scored,
        summary.errors,
        summary.positive,
        escape_controls(positive)
    );
    if unsure {
        text.push_str(&format!(", unsure {}", summary.unsure));
    }
    if summary.blank > 0 {
        text.push_str(&format!(", blank lines {}", summary.blank));
    }
    text
}

fn main() -> ExitCode {
    common::clean_up_on_signal("predict");
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("predict", &err),
    }
}
