//! `predict`: classify messages in batch with the embedded or a given model.

mod common;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use jscam::{
    AtomicFile, BatchOptions, BatchSummary, InputFormat, OutputFormat, OutputPlan, UnsureBand,
    escape_controls,
};

/// Classify messages in batch: every input row gives one output row, in
/// order, with `label` and `probability` (P(positive label)) added.
#[derive(Parser, Debug)]
#[command(version = common::version_text())]
struct Args {
    /// Input file; `-` or nothing reads stdin.
    input: Option<PathBuf>,
    #[command(flatten)]
    scoring: common::ScoringArgs,
    /// Input layout (auto: .csv → csv, .tsv → tsv, anything else and stdin → lines).
    #[arg(long, default_value = "auto", value_parser = input_formats())]
    input_format: InputChoice,
    #[command(flatten)]
    input_args: common::InputArgs,
    /// Output layout.
    #[arg(short, long, default_value = "csv", value_parser = output_formats())]
    format: OutputFormat,
    /// Write the rows to this file instead of stdout: written to a
    /// temporary file beside it and renamed over it once every row is
    /// written, so on an error the previous file stays as it was.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
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
    /// Start CSV output with a UTF-8 byte-order mark, so that Excel
    /// (Japanese Windows included) opens it as UTF-8 instead of mojibake.
    #[arg(long)]
    bom: bool,
    /// Print nothing but errors (no progress, no summary).
    #[arg(short, long)]
    quiet: bool,
}

/// Counts the lines written through it and shows them on a progress line
/// (stderr, only when it is a terminal).
struct Progress<W: Write> {
    inner: W,
    lines: u64,
    bar: indicatif::ProgressBar,
}

impl<W: Write> Write for Progress<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        let lines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        if lines > 0 {
            self.lines += lines;
            self.bar.set_position(self.lines);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// "24,000".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    let model_file = args.scoring.model.as_deref().map(|p| (p, "the model"));
    common::inputs(&mut plan, named.chain(model_file))?;
    if let Some(path) = &args.output {
        plan.output(path, "-o")?;
    }
    let model = common::load_model(args.scoring.model.as_deref())?;
    let options = BatchOptions {
        input: args.input,
        input_format: args.input_format.0,
        text_column: args.input_args.text_column,
        encoding: args.input_args.encoding,
        output_format: args.format,
        threshold: args.scoring.threshold,
        unsure: args.unsure,
        explain: args.explain,
        strict: args.strict,
        output_name: args.output.clone(),
        ..BatchOptions::default()
    };
    if args.bom && options.output_format != OutputFormat::Csv {
        return Err(jscam::Error::Config(
            "--bom is for CSV output (Excel); JSON Lines never starts with a byte-order mark"
                .into(),
        )
        .into());
    }
    let started = std::time::Instant::now();
    let bar = progress_bar(args.quiet);
    let summary = match &args.output {
        Some(path) => {
            // Through the one output writer: a temporary file beside
            // `path`, renamed over it once every row is written.
            let mut file = AtomicFile::create(path)?;
            let summary = write_rows(&model, &options, &mut file, args.bom, &bar, path)?;
            file.commit().context("writing the output")?;
            summary
        }
        None => {
            let stdout = std::io::stdout().lock();
            let name = Path::new("<stdout>");
            write_rows(&model, &options, stdout, args.bom, &bar, name)?
        }
    };
    if !args.quiet {
        let seconds = started.elapsed().as_secs_f64();
        common::note(format_args!(
            "predict: {} in {seconds:.1} s ({} msg/s)",
            summary_text(&summary, model.positive_label(), options.unsure.is_some()),
            thousands((summary.read as f64 / seconds.max(1e-9)).round() as u64)
        ));
    }
    Ok(())
}

/// A spinner counting written lines on a terminal; hidden when quiet or
/// when stderr is redirected (a log file gets only the summary).
fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} predict: {human_pos} lines written [{elapsed}, {per_sec}]",
        )
        .expect("valid template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Classifies every row into `inner` (named `name` in errors), after a
/// byte-order mark when `bom`, counting lines on `bar`.
fn write_rows<W: Write>(
    model: &jscam::Model,
    options: &BatchOptions,
    inner: W,
    bom: bool,
    bar: &indicatif::ProgressBar,
    name: &Path,
) -> anyhow::Result<BatchSummary> {
    let mut out = std::io::BufWriter::with_capacity(
        1 << 16,
        Progress {
            inner,
            lines: 0,
            bar: bar.clone(),
        },
    );
    if bom {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| jscam::Error::write(name, e))
            .context("writing the output")?;
    }
    let summary = jscam::classify(model, options, &mut out).context("classifying");
    bar.finish_and_clear();
    let summary = summary?;
    out.flush()
        .map_err(|e| jscam::Error::write(name, e))
        .context("writing the output")?;
    Ok(summary)
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
