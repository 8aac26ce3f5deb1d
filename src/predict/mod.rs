//! Batch prediction: stream rows in, score them in parallel, write them out
//! in input order.
//!
//! Rows are read in chunks; each chunk is scored across the thread pool
//! (every thread keeps its own scorer and buffers) and written before the
//! next chunk is read, so memory stays flat however large the input is.
//! Every input row produces exactly one output row: empty or all-unknown
//! text is scored (the prior alone) and noted, and a malformed row gets an
//! `error` column instead of a label unless `strict` is set.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::data::{CsvRows, Encoding, LineRows, Row, read_whole};
use crate::error::{Error, Location, Result};
use crate::model::{Contribution, Model, Scorer};
use crate::normalize::MAX_MESSAGE_BYTES;

/// How input rows are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// CSV with a header.
    Csv,
    /// Tab-separated with a header.
    Tsv,
    /// Plain text, one message per line.
    Lines,
    /// The whole input is one message (for example a multi-line mail).
    Whole,
}

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// CSV with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Settings of a batch run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Input file; `None` or `-` is stdin.
    pub input: Option<PathBuf>,
    /// Input layout.
    pub input_format: InputFormat,
    /// Column holding the message (CSV/TSV).
    pub text_column: String,
    /// Input encoding.
    pub encoding: Encoding,
    /// Output layout.
    pub output_format: OutputFormat,
    /// Threshold override (the model's own when `None`).
    pub threshold: Option<f64>,
    /// Probabilities in [low, high) get the label `unsure`.
    pub unsure: Option<(f64, f64)>,
    /// Add the top K contributions each way.
    pub explain: usize,
    /// Stop at the first malformed row instead of reporting it in the row.
    pub strict: bool,
    /// Rows per parallel chunk.
    pub chunk_rows: usize,
    /// Bytes of input text per parallel chunk: a chunk ends at whichever
    /// bound comes first, so memory stays flat for long rows too.
    pub chunk_bytes: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            input: None,
            input_format: InputFormat::Lines,
            text_column: "text".into(),
            encoding: Encoding::Utf8,
            output_format: OutputFormat::Csv,
            threshold: None,
            unsure: None,
            explain: 0,
            strict: false,
            chunk_rows: 4096,
            chunk_bytes: 8 << 20,
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

struct Pending {
    fields: Vec<String>,
    text_index: usize,
    problem: Option<String>,
    blank: bool,
}

struct Outcome {
    label: String,
    probability: Option<f64>,
    note: &'static str,
    error: String,
    explanation: Option<(Vec<Contribution>, Vec<Contribution>)>,
}

enum Source {
    Csv(Box<CsvRows>, usize),
    Lines(LineRows),
    /// The one message, until it has been taken.
    Whole(Option<String>),
}

/// Validates a threshold and unsure band.
///
/// # Errors
/// [`Error::Config`] for values outside [0, 1] or an inverted band.
pub fn check_decision(threshold: f64, unsure: Option<(f64, f64)>) -> Result<()> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::Config(format!(
            "threshold must be in [0, 1], got {threshold}"
        )));
    }
    if let Some((low, high)) = unsure
        && (!(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) || low > high)
    {
        return Err(Error::Config(format!(
            "unsure band must be LOW,HIGH in [0, 1] with LOW <= HIGH, got {low},{high}"
        )));
    }
    Ok(())
}

/// Classifies every row of the input and writes the results to `out`.
///
/// # Errors
/// Input errors (missing file or column, bad encoding, a malformed row when
/// `strict`), invalid settings, or output errors (including a closed pipe,
/// see [`Error::is_broken_pipe`]).
pub fn run(model: &Model, options: &BatchOptions, out: &mut dyn Write) -> Result<BatchSummary> {
    let threshold = options.threshold.unwrap_or(model.threshold());
    check_decision(threshold, options.unsure)?;
    let (mut source, input_headers) = match options.input_format {
        InputFormat::Csv | InputFormat::Tsv => {
            let delimiter = if options.input_format == InputFormat::Tsv {
                b'\t'
            } else {
                b','
            };
            let rows = CsvRows::open(options.input.as_deref(), options.encoding, delimiter)?;
            let text = rows.column(&options.text_column)?;
            let headers = rows.headers().to_vec();
            (Source::Csv(Box::new(rows), text), headers)
        }
        InputFormat::Lines => (
            Source::Lines(LineRows::open(options.input.as_deref(), options.encoding)?),
            vec!["line".to_owned(), "text".to_owned()],
        ),
        InputFormat::Whole => (
            Source::Whole(Some(read_whole(
                options.input.as_deref(),
                options.encoding,
            )?)),
            vec!["text".to_owned()],
        ),
    };
    let output_path = PathBuf::from("<stdout>");
    // Each added column takes the first free name: `label`, else
    // `predicted_label`, else `predicted_label_2`, …
    let mut columns = input_headers.clone();
    let added: &[&str] = if options.explain > 0 {
        &["label", "probability", "note", "error", "explanation"]
    } else {
        &["label", "probability", "note", "error"]
    };
    for base in added {
        let name = std::iter::once(base.to_string())
            .chain(std::iter::once(format!("predicted_{base}")))
            .chain((2..).map(|i| format!("predicted_{base}_{i}")))
            .find(|candidate| !columns.contains(candidate))
            .expect("an unbounded list of names has a free one");
        columns.push(name);
    }
    let mut json_out: Option<&mut dyn Write> = None;
    let mut csv_out = match options.output_format {
        OutputFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .buffer_capacity(1 << 16)
                .from_writer(out);
            w.write_record(&columns)
                .map_err(|e| csv_write_error(&output_path, e))?;
            Some(w)
        }
        OutputFormat::Jsonl => {
            json_out = Some(out);
            None
        }
    };

    let threads = rayon::current_num_threads();
    let scorers: Vec<Mutex<Scorer<'_>>> = (0..threads)
        .map(|_| model.scorer().map(Mutex::new))
        .collect::<Result<_>>()?;
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Pending> = Vec::with_capacity(options.chunk_rows.min(4096));
    let mut json_line = String::new();
    let width = input_headers.len();
    loop {
        chunk.clear();
        let mut done = false;
        let mut bytes = 0;
        while chunk.len() < options.chunk_rows.max(1) && bytes < options.chunk_bytes {
            match next_pending(&mut source, options.strict, width)? {
                Some(p) => {
                    bytes += p.fields.iter().map(String::len).sum::<usize>();
                    chunk.push(p);
                }
                None => {
                    done = true;
                    break;
                }
            }
        }
        let outcomes: Vec<Result<Outcome>> = chunk
            .par_iter()
            .map(|pending| {
                let slot = rayon::current_thread_index().unwrap_or(0) % scorers.len();
                let mut scorer = scorers[slot].lock().unwrap_or_else(|p| p.into_inner());
                score_row(model, &mut scorer, pending, threshold, options)
            })
            .collect();
        for (pending, outcome) in chunk.iter().zip(outcomes) {
            let outcome = outcome?;
            summary.read += 1;
            if pending.blank {
                summary.blank += 1;
            } else if outcome.error.is_empty() {
                summary.scored += 1;
            } else {
                summary.errors += 1;
            }
            if outcome.label == model.positive_label() {
                summary.positive += 1;
            } else if outcome.label == "unsure" {
                summary.unsure += 1;
            }
            match csv_out.as_mut() {
                Some(w) => {
                    let probability = outcome
                        .probability
                        .map(|p| format!("{p:.6}"))
                        .unwrap_or_default();
                    let mut record: Vec<&str> = pending.fields.iter().map(String::as_str).collect();
                    record.extend([
                        outcome.label.as_str(),
                        &probability,
                        outcome.note,
                        &outcome.error,
                    ]);
                    let explanation = outcome.explanation.as_ref().map(explanation_text);
                    if let Some(e) = explanation.as_deref() {
                        record.push(e);
                    } else if options.explain > 0 {
                        record.push("");
                    }
                    w.write_record(&record)
                        .map_err(|e| csv_write_error(&output_path, e))?;
                }
                None => {
                    json_line.clear();
                    write_json_row(
                        &mut json_line,
                        &columns,
                        pending,
                        &outcome,
                        options.explain > 0,
                    );
                    if let Some(out) = json_out.as_mut() {
                        out.write_all(json_line.as_bytes())
                            .map_err(|e| Error::write(&output_path, e))?;
                    }
                }
            }
        }
        if done {
            break;
        }
    }
    if let Some(w) = csv_out.as_mut() {
        w.flush().map_err(|e| Error::write(&output_path, e))?;
    }
    if let Some(out) = json_out.as_mut() {
        out.flush().map_err(|e| Error::write(&output_path, e))?;
    }
    Ok(summary)
}

fn csv_write_error(path: &PathBuf, err: csv::Error) -> Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::write(path, e),
        other => Error::write(path, std::io::Error::other(format!("{other:?}"))),
    }
}

fn next_pending(source: &mut Source, strict: bool, width: usize) -> Result<Option<Pending>> {
    let (row, path, text_index, line_column) = match source {
        Source::Lines(lines) => (lines.next_row()?, lines.path(), 1, true),
        Source::Csv(rows, text_index) => (rows.next_row()?, rows.path(), *text_index, false),
        Source::Whole(text) => {
            return Ok(text.take().map(|text| Pending {
                fields: vec![text],
                text_index: 0,
                problem: None,
                blank: false,
            }));
        }
    };
    // Plain text gets its line number as the first column.
    let with_line = |line: u64, mut fields: Vec<String>| {
        if line_column {
            fields.insert(0, line.to_string());
        }
        fields
    };
    Ok(match row {
        None => None,
        Some(Row::Fields { line, fields }) => Some(Pending {
            fields: with_line(line, fields),
            text_index,
            problem: None,
            blank: false,
        }),
        Some(Row::Blank { .. }) => Some(Pending {
            fields: vec![String::new(); width],
            text_index,
            problem: None,
            blank: true,
        }),
        Some(Row::Malformed { fields, problem }) => {
            if strict {
                return Err(Error::Csv {
                    at: Location::new(path, Some(problem.line)),
                    reason: problem.reason,
                });
            }
            Some(Pending {
                fields: with_line(problem.line, fields),
                text_index,
                problem: Some(format!("line {}: {}", problem.line, problem.reason)),
                blank: false,
            })
        }
    })
}

fn score_row(
    model: &Model,
    scorer: &mut Scorer<'_>,
    pending: &Pending,
    threshold: f64,
    options: &BatchOptions,
) -> Result<Outcome> {
    if let Some(problem) = &pending.problem {
        return Ok(Outcome {
            label: String::new(),
            probability: None,
            note: "",
            error: problem.clone(),
            explanation: None,
        });
    }
    if pending.blank {
        return Ok(Outcome {
            label: String::new(),
            probability: None,
            note: "blank_line",
            error: String::new(),
            explanation: None,
        });
    }
    let text = &pending.fields[pending.text_index];
    let score = scorer.score(text)?;
    if !score.probability.is_finite() {
        // Models are checked at load time so that this cannot happen; never
        // print a non-finite number all the same.
        return Ok(Outcome {
            label: String::new(),
            probability: None,
            note: "",
            error: "the model gave a non-finite score".into(),
            explanation: None,
        });
    }
    let note = if text.trim().is_empty() {
        "empty_text"
    } else if text.len() > MAX_MESSAGE_BYTES {
        "truncated"
    } else if score.known_features == 0 {
        "no_known_features"
    } else {
        ""
    };
    let label = match options.unsure {
        Some((low, high)) if score.probability >= low && score.probability < high => "unsure",
        _ => model.label_for(score.probability, threshold),
    };
    Ok(Outcome {
        label: label.to_owned(),
        probability: Some(score.probability),
        note,
        error: String::new(),
        explanation: (options.explain > 0).then(|| scorer.explain_last(options.explain)),
    })
}

/// "w:未納=+0.512 <url>=+0.301 | w:です=-0.120" for the CSV column.
fn explanation_text((up, down): &(Vec<Contribution>, Vec<Contribution>)) -> String {
    let side = |items: &[Contribution]| {
        items
            .iter()
            .map(|c| format!("{}={:+.3}", c.feature, c.contribution))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("{} | {}", side(up), side(down))
}

fn write_json_row(
    out: &mut String,
    columns: &[String],
    pending: &Pending,
    outcome: &Outcome,
    explain: bool,
) {
    let json = |v: &str| serde_json::to_string(v).expect("strings serialize");
    out.push('{');
    let n_input = pending.fields.len();
    for (i, value) in pending.fields.iter().enumerate() {
        out.push_str(&json(&columns[i]));
        out.push(':');
        out.push_str(&json(value));
        out.push(',');
    }
    let tail = &columns[n_input..];
    let optional = |v: &str| {
        if v.is_empty() {
            "null".to_owned()
        } else {
            json(v)
        }
    };
    out.push_str(&format!("{}:{},", json(&tail[0]), optional(&outcome.label)));
    let probability = outcome
        .probability
        .map_or("null".to_owned(), |p| format!("{p:.6}"));
    out.push_str(&format!("{}:{},", json(&tail[1]), probability));
    out.push_str(&format!("{}:{},", json(&tail[2]), optional(outcome.note)));
    out.push_str(&format!("{}:{}", json(&tail[3]), optional(&outcome.error)));
    if explain {
        let value = match &outcome.explanation {
            Some((up, down)) => {
                serde_json::json!({ "toward_positive": up, "toward_negative": down }).to_string()
            }
            None => "null".to_owned(),
        };
        out.push_str(&format!(",{}:{}", json(&tail[4]), value));
    }
    out.push_str("}\n");
}
