//! Rows out: each input row written back with its label, probability, note,
//! error (and explanation) columns, as CSV or as JSON Lines.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{Contribution, Labels};
use crate::predict::columns::{OutputColumn, OutputHeader};
use crate::predict::score::{Decision, Outcome};
use crate::predict::source::InputRow;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// CSV with a header.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl OutputFormat {
    /// Every format with its name and a one-line description (for `--help`).
    pub const ALL: [(OutputFormat, &'static str, &'static str); 2] = [
        (OutputFormat::Csv, "csv", "CSV with a header"),
        (OutputFormat::Jsonl, "jsonl", "One JSON object per line"),
    ];
}

impl std::str::FromStr for OutputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<OutputFormat> {
        OutputFormat::ALL
            .iter()
            .find(|(_, name, _)| *name == s)
            .map(|&(format, ..)| format)
            .ok_or_else(|| Error::Config(format!("unknown output format {s:?}")))
    }
}

/// Where scored rows go.
pub trait Sink {
    /// Writes one row with its outcome.
    ///
    /// # Errors
    /// [`Error::Write`] naming the output.
    fn write_row(&mut self, row: &InputRow, outcome: &Outcome) -> Result<()>;

    /// Flushes what is buffered.
    ///
    /// # Errors
    /// [`Error::Write`] naming the output.
    fn finish(&mut self) -> Result<()>;
}

/// Distinct JSON keys for `columns`: a name seen before, or an empty one,
/// gets the first free `NAME_2`, `NAME_3`, … (`column_N` for an empty
/// name, N its 1-based position), so that no JSON Lines object holds a key
/// twice. Linear time, however many names repeat.
pub fn distinct_keys(columns: &[String]) -> Vec<String> {
    let mut taken: HashSet<String> = columns.iter().cloned().collect();
    let mut first_use: HashSet<&str> = HashSet::with_capacity(columns.len());
    let mut next_suffix: HashMap<String, u64> = HashMap::new();
    let mut keys = Vec::with_capacity(columns.len());
    for (i, name) in columns.iter().enumerate() {
        if !name.is_empty() && first_use.insert(name.as_str()) {
            keys.push(name.clone());
            continue;
        }
        let base = if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name.clone()
        };
        if name.is_empty() && taken.insert(base.clone()) {
            keys.push(base);
            continue;
        }
        let suffix = next_suffix.entry(base.clone()).or_insert(2);
        let key = loop {
            let candidate = format!("{base}_{suffix}");
            *suffix += 1;
            if taken.insert(candidate.clone()) {
                break candidate;
            }
        };
        keys.push(key);
    }
    keys
}

/// The label text of a decision ("" when the row was not scored).
fn label_text(labels: &Labels, decision: Option<Decision>) -> &str {
    match decision {
        Some(Decision::Positive) => &labels.positive,
        Some(Decision::Negative) => &labels.negative,
        Some(Decision::Unsure) => crate::model::UNSURE_LABEL,
        None => "",
    }
}

/// `w:未納=+0.512 <url>=+0.301 | w:です=-0.120` for the CSV column.
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

/// CSV output with a header row.
pub struct CsvSink<W: Write> {
    writer: csv::Writer<W>,
    path: PathBuf,
    labels: Labels,
    /// How many columns come from the input.
    input_width: usize,
    added: Vec<OutputColumn>,
}

impl<W: Write> CsvSink<W> {
    /// Writes the header; `path` names the output in errors.
    ///
    /// # Errors
    /// [`Error::Write`].
    pub fn new(out: W, path: &Path, header: &OutputHeader, labels: Labels) -> Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        writer
            .write_record(header.names())
            .map_err(|e| csv_write_error(path, e))?;
        Ok(CsvSink {
            writer,
            path: path.to_owned(),
            labels,
            input_width: header.input_width(),
            added: header.added().to_vec(),
        })
    }
}

/// The CSV field of an added column: empty when there is no value.
fn csv_field<'a>(labels: &'a Labels, column: OutputColumn, outcome: &'a Outcome) -> Cow<'a, str> {
    match column {
        OutputColumn::Label => label_text(labels, outcome.decision).into(),
        OutputColumn::Probability => outcome
            .probability
            .map_or(Cow::Borrowed(""), |p| format!("{p:.6}").into()),
        OutputColumn::Note => outcome.note.map_or("", |note| note.as_str()).into(),
        OutputColumn::Error => outcome.error.as_str().into(),
        OutputColumn::Explanation => outcome
            .explanation
            .as_ref()
            .map_or(Cow::Borrowed(""), |e| explanation_text(e).into()),
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn write_row(&mut self, row: &InputRow, outcome: &Outcome) -> Result<()> {
        let mut record: Vec<Cow<'_, str>> = Vec::with_capacity(self.input_width + self.added.len());
        record.extend(row.written_fields(self.input_width));
        record.extend(
            self.added
                .iter()
                .map(|&column| csv_field(&self.labels, column, outcome)),
        );
        self.writer
            .write_record(record.iter().map(|f| f.as_bytes()))
            .map_err(|e| csv_write_error(&self.path, e))
    }

    fn finish(&mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::write(&self.path, e))
    }
}

/// One JSON object per row and line; missing values are `null`.
pub struct JsonlSink<W: Write> {
    out: W,
    path: PathBuf,
    /// A distinct key for every column, the input's first.
    keys: Vec<String>,
    /// How many of `keys` are the input's.
    input_width: usize,
    added: Vec<OutputColumn>,
    labels: Labels,
    line: String,
    /// The first field is a line number jscam added (plain-text input),
    /// written as a JSON number.
    numbered: bool,
}

impl<W: Write> JsonlSink<W> {
    /// A sink writing to `out`; `path` names the output in errors. The
    /// header's names become distinct keys ([`distinct_keys`]).
    pub fn new(out: W, path: &Path, header: &OutputHeader, labels: Labels) -> Self {
        JsonlSink {
            out,
            path: path.to_owned(),
            keys: distinct_keys(header.names()),
            input_width: header.input_width(),
            added: header.added().to_vec(),
            labels,
            line: String::new(),
            numbered: false,
        }
    }

    /// Writes the first field, the line number of plain-text input, as a
    /// number (`"line":3`), not a string.
    pub fn with_line_numbers(mut self, numbered: bool) -> Self {
        self.numbered = numbered;
        self
    }
}

/// `value` as a JSON string.
fn json_string(value: &str) -> String {
    serde_json::to_string(value).expect("strings serialize")
}

/// `value` as a JSON string, or `null` when it is empty.
fn json_optional(value: &str) -> String {
    if value.is_empty() {
        "null".to_owned()
    } else {
        json_string(value)
    }
}

/// The JSON value of an added column: `null` when there is no value.
fn json_value(labels: &Labels, column: OutputColumn, outcome: &Outcome) -> String {
    match column {
        OutputColumn::Label => json_optional(label_text(labels, outcome.decision)),
        OutputColumn::Probability => outcome
            .probability
            .map_or("null".to_owned(), |p| format!("{p:.6}")),
        OutputColumn::Note => json_optional(outcome.note.map_or("", |note| note.as_str())),
        OutputColumn::Error => json_optional(&outcome.error),
        OutputColumn::Explanation => match &outcome.explanation {
            Some((up, down)) => {
                serde_json::json!({ "toward_positive": up, "toward_negative": down }).to_string()
            }
            None => "null".to_owned(),
        },
    }
}

impl<W: Write> Sink for JsonlSink<W> {
    fn write_row(&mut self, row: &InputRow, outcome: &Outcome) -> Result<()> {
        let (input_keys, added_keys) = self.keys.split_at(self.input_width);
        let out = &mut self.line;
        out.clear();
        out.push('{');
        let fields = row.written_fields(self.input_width);
        for (i, (key, value)) in input_keys.iter().zip(fields).enumerate() {
            out.push_str(&json_string(key));
            out.push(':');
            match value.parse::<u64>() {
                Ok(number) if i == 0 && self.numbered => out.push_str(&number.to_string()),
                _ => out.push_str(&json_string(&value)),
            }
            out.push(',');
        }
        for (i, (key, &column)) in added_keys.iter().zip(&self.added).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(key));
            out.push(':');
            out.push_str(&json_value(&self.labels, column, outcome));
        }
        out.push_str("}\n");
        self.out
            .write_all(self.line.as_bytes())
            .map_err(|e| Error::write(&self.path, e))
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::write(&self.path, e))
    }
}

fn csv_write_error(path: &Path, err: csv::Error) -> Error {
    let reason = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::write(path, e),
        _ => Error::write(path, std::io::Error::other(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Row;
    use crate::predict::score::Note;

    fn labels() -> Labels {
        Labels {
            positive: "scam".into(),
            negative: "legit".into(),
        }
    }

    fn scored(decision: Decision, p: f64) -> Outcome {
        Outcome {
            decision: Some(decision),
            probability: Some(p),
            note: None,
            error: String::new(),
            explanation: None,
        }
    }

    fn row(fields: &[&str]) -> InputRow {
        let text_index = fields.len() - 1;
        let fields = fields.iter().map(|f| f.to_string()).collect();
        InputRow::new(Row::Fields { line: 1, fields }, text_index, false)
    }

    /// Issue 20, N66: duplicate and empty column names give distinct keys.
    #[test]
    fn json_keys_are_distinct() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            distinct_keys(&names(&["id", "id", "text", "id_2", "id"])),
            names(&["id", "id_3", "text", "id_2", "id_4"])
        );
        assert_eq!(
            distinct_keys(&names(&["", "", "text", "column_2"])),
            names(&["column_1", "column_2_2", "text", "column_2"])
        );
        let many = vec!["x".to_owned(); 10_000];
        let keys = distinct_keys(&many);
        assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 10_000);
        assert_eq!(keys[9_999], "x_10000");
    }

    #[test]
    fn csv_sink_writes_header_and_rows_with_label_names() {
        let header = OutputHeader::new(&["text".to_owned()], false);
        let mut out = Vec::new();
        let mut sink = CsvSink::new(&mut out, Path::new("<test>"), &header, labels()).unwrap();
        sink.write_row(&row(&["a,b"]), &scored(Decision::Positive, 0.9))
            .unwrap();
        sink.write_row(&row(&["c"]), &scored(Decision::Unsure, 0.5))
            .unwrap();
        sink.finish().unwrap();
        drop(sink);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "text,label,probability,note,error\n\"a,b\",scam,0.900000,,\nc,unsure,0.500000,,\n"
        );
    }

    #[test]
    fn jsonl_sink_writes_nulls_for_missing_values() {
        let header = OutputHeader::new(&["line".to_owned(), "text".to_owned()], true);
        let mut out = Vec::new();
        let mut sink = JsonlSink::new(&mut out, Path::new("<test>"), &header, labels());
        let unscored = Outcome {
            decision: None,
            probability: None,
            note: Some(Note::BlankLine),
            error: String::new(),
            explanation: None,
        };
        sink.write_row(&row(&["1", "「引用」"]), &scored(Decision::Negative, 0.1))
            .unwrap();
        sink.write_row(&row(&["2", ""]), &unscored).unwrap();
        sink.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["label"], "legit");
        assert_eq!(lines[0]["text"], "「引用」");
        assert_eq!(lines[0]["explanation"], serde_json::Value::Null);
        assert_eq!(lines[1]["probability"], serde_json::Value::Null);
        assert_eq!(lines[1]["note"], "blank_line");
    }
}
