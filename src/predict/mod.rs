//! Batch prediction: stream rows in, score them in parallel, write them out
//! in input order.
//!
//! Three stages: a [`RowSource`] reads rows, [`score_chunk`] scores
//! a chunk of them across the thread pool (every thread keeps its own
//! scorer and buffers), and a [`Sink`] writes them. Memory stays flat
//! however large the input is: at most three chunks are held at a time.
//! Every input row produces exactly one output row: empty or all-unknown
//! text is scored (the prior alone) and noted, and a malformed row gets an
//! `error` column instead of a label unless `strict` is set.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::data::Encoding;
use crate::error::{Error, Result};
use crate::model::{Model, ScorerPool, Threshold, UnsureBand};

mod columns;
mod score;
mod sink;
mod source;

pub use columns::OutputHeader;
pub use score::{Decision, DecisionRule, Outcome, score_chunk};
pub use sink::{CsvSink, JsonlSink, OutputFormat, Sink};
pub use source::{InputFormat, InputRow, RowSource};

/// Settings of a batch run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Input file; `None` or `-` is stdin.
    pub input: Option<PathBuf>,
    /// Input layout; `None` picks it from the file name
    /// ([`InputFormat::for_path`]).
    pub input_format: Option<InputFormat>,
    /// Column holding the message (CSV/TSV).
    pub text_column: String,
    /// Input encoding.
    pub encoding: Encoding,
    /// Output layout.
    pub output_format: OutputFormat,
    /// Threshold override (the model's own when `None`).
    pub threshold: Option<Threshold>,
    /// Probabilities in this band get the label `unsure`.
    pub unsure: Option<UnsureBand>,
    /// Add the top K contributions each way.
    pub explain: usize,
    /// Stop at the first malformed row instead of reporting it in the row.
    pub strict: bool,
    /// Rows per parallel chunk.
    pub chunk_rows: usize,
    /// Bytes of input text per parallel chunk: a chunk ends at whichever
    /// bound comes first, so memory stays flat for long rows too.
    pub chunk_bytes: usize,
    /// The output's name in error messages (`<stdout>` when `None`); the
    /// rows go to the writer given to [`run`].
    pub output_name: Option<PathBuf>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            input: None,
            input_format: None,
            text_column: "text".into(),
            encoding: Encoding::Utf8,
            output_format: OutputFormat::Csv,
            threshold: None,
            unsure: None,
            explain: 0,
            strict: false,
            chunk_rows: 4096,
            chunk_bytes: 8 << 20,
            output_name: None,
        }
    }
}

/// Counts reported at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchSummary {
    /// Rows read.
    pub read: u64,
    /// Rows scored.
    pub scored: u64,
    /// Rows reported with an error.
    pub errors: u64,
    /// Rows labeled positive.
    pub positive: u64,
    /// Rows labeled unsure.
    pub unsure: u64,
    /// Blank lines of CSV/TSV input (output rows without a score).
    pub blank: u64,
}

impl BatchSummary {
    fn count(&mut self, row: &InputRow, outcome: &Outcome) {
        self.read += 1;
        if row.is_blank() {
            self.blank += 1;
        } else if outcome.error.is_empty() {
            self.scored += 1;
        } else {
            self.errors += 1;
        }
        match outcome.decision {
            Some(Decision::Positive) => self.positive += 1,
            Some(Decision::Unsure) => self.unsure += 1,
            _ => {}
        }
    }
}

/// Reads the next chunk: up to `chunk_rows` rows or `chunk_bytes` of text.
/// An error comes back beside the rows read before it, which are still
/// scored and written.
fn read_chunk(
    source: &mut RowSource,
    options: &BatchOptions,
) -> (Vec<InputRow>, Option<Error>, bool) {
    let mut chunk = Vec::with_capacity(options.chunk_rows.clamp(1, 4096));
    let mut bytes = 0;
    while chunk.len() < options.chunk_rows.max(1) && bytes < options.chunk_bytes {
        match source.next_row(options.strict) {
            Ok(Some(row)) => {
                bytes += row.text_bytes();
                chunk.push(row);
            }
            Ok(None) => return (chunk, None, true),
            Err(e) => return (chunk, Some(e), true),
        }
    }
    (chunk, None, false)
}

/// Writes a scored chunk in order and counts it.
fn write_chunk(
    sink: &mut dyn Sink,
    summary: &mut BatchSummary,
    rows: &[InputRow],
    outcomes: Vec<Outcome>,
) -> Result<()> {
    for (row, outcome) in rows.iter().zip(outcomes) {
        summary.count(row, &outcome);
        sink.write_row(row, &outcome)?;
    }
    Ok(())
}

/// Classifies every row of the input and writes the results to `out`.
///
/// Rows are read in chunks. With more than one thread, the previous chunk
/// is written and the next one read while the current one is scored, so
/// reading and writing do not hold the scoring threads up; at most three
/// chunks are held at a time.
///
/// # Errors
/// Input errors (missing file or column, bad encoding, a malformed row when
/// `strict`), or output errors (including a closed pipe, see
/// [`Error::is_broken_pipe`]).
pub fn classify(
    model: &Model,
    options: &BatchOptions,
    out: &mut dyn Write,
) -> Result<BatchSummary> {
    let rule = DecisionRule {
        threshold: options.threshold.unwrap_or(model.threshold()),
        unsure: options.unsure,
        explain: options.explain,
    };
    let input = options.input.as_deref();
    let format = options
        .input_format
        .unwrap_or_else(|| InputFormat::for_path(input));
    let mut source = RowSource::open(input, format, options.encoding, &options.text_column)?;
    let header = OutputHeader::new(&source.headers(), options.explain > 0);
    let output = options
        .output_name
        .as_deref()
        .unwrap_or(Path::new("<stdout>"));
    let labels = model.header().labels.clone();
    let mut sink: Box<dyn Sink + '_> = match options.output_format {
        OutputFormat::Csv => Box::new(CsvSink::new(out, output, &header, labels)?),
        OutputFormat::Jsonl => Box::new(
            JsonlSink::new(out, output, &header, labels)
                .with_line_numbers(format == InputFormat::Lines),
        ),
    };
    let pool = ScorerPool::new(model)?;
    // With one thread, overlapping would use a second core behind the
    // user's back; with more, reading and writing must not leave the
    // scoring threads idle.
    let overlap = rayon::current_num_threads() > 1;
    let mut summary = BatchSummary::default();
    let (mut chunk, mut read_error, mut done) = read_chunk(&mut source, options);
    // The previous chunk, scored, waiting to be written.
    let mut scored: Option<(Vec<InputRow>, Vec<Outcome>)> = None;
    loop {
        let mut write_scored = || match scored.take() {
            Some((rows, outcomes)) => write_chunk(&mut *sink, &mut summary, &rows, outcomes),
            None => Ok(()),
        };
        let (outcomes, written, next) = if overlap {
            // Score this chunk on the pool while this thread writes the
            // previous one and reads the next.
            std::thread::scope(|scope| {
                let scoring = scope.spawn(|| score_chunk(&pool, &chunk, rule));
                let written = write_scored();
                let next = (!done).then(|| read_chunk(&mut source, options));
                let outcomes = scoring
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (outcomes, written, next)
            })
        } else {
            let written = write_scored();
            (score_chunk(&pool, &chunk, rule), written, None)
        };
        written?;
        let outcomes = outcomes?;
        if let Some(error) = read_error {
            // The rows read before the error are still written.
            write_chunk(&mut *sink, &mut summary, &chunk, outcomes)?;
            return Err(error);
        }
        if done {
            write_chunk(&mut *sink, &mut summary, &chunk, outcomes)?;
            break;
        }
        scored = Some((std::mem::take(&mut chunk), outcomes));
        (chunk, read_error, done) = next.unwrap_or_else(|| read_chunk(&mut source, options));
    }
    sink.finish()?;
    Ok(summary)
}
