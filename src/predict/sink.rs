//! Rows out: each input row written back with its label, probability, note,
//! error (and explanation) columns, as CSV or as JSON Lines.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{Contribution, Labels};
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

/// The output columns: the input's, then each added column under the first
/// free name (`label`, else `predicted_label`, else `predicted_label_2`, …).
/// Names are looked up in a hash set, so a header holding thousands of
/// `predicted_label_N` names takes linear time, not quadratic.
pub fn output_columns(input: &[String], explain: bool) -> Vec<String> {
    let mut columns = input.to_vec();
    let mut taken: HashSet<String> = input.iter().cloned().collect();
    let added: &[&str] = if explain {
        &["label", "probability", "note", "error", "explanation"]
    } else {
        &["label", "probability", "note", "error"]
    };
    for base in added {
        let name = std::iter::once(base.to_string())
            .chain(std::iter::once(format!("predicted_{base}")))
            .chain((2..).map(|i| format!("predicted_{base}_{i}")))
            .find(|candidate| !taken.contains(candidate))
            .expect("an unbounded list of names has a free one");
        taken.insert(name.clone());
        columns.push(name);
    }
    columns
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
    explain: bool,
}

impl<W: Write> CsvSink<W> {
    /// Writes the header; `path` names the output in errors.
    ///
    /// # Errors
    /// [`Error::Write`].
    pub fn new(
        out: W,
        path: &Path,
        columns: &[String],
        labels: Labels,
        explain: bool,
    ) -> Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        writer
            .write_record(columns)
            .map_err(|e| csv_write_error(path, e))?;
        Ok(CsvSink {
            writer,
            path: path.to_owned(),
            labels,
            explain,
        })
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn write_row(&mut self, row: &InputRow, outcome: &Outcome) -> Result<()> {
        let probability = outcome
            .probability
            .map(|p| format!("{p:.6}"))
            .unwrap_or_default();
        let mut record: Vec<&str> = row.fields.iter().map(String::as_str).collect();
        record.extend([
            label_text(&self.labels, outcome.decision),
            &probability,
            outcome.note,
            &outcome.error,
        ]);
        let explanation = outcome.explanation.as_ref().map(explanation_text);
        if self.explain {
            record.push(explanation.as_deref().unwrap_or(""));
        }
        self.writer
            .write_record(&record)
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
    columns: Vec<String>,
    labels: Labels,
    explain: bool,
    line: String,
    /// The first field is a line number jscam added (plain-text input),
    /// written as a JSON number.
    numbered: bool,
}

impl<W: Write> JsonlSink<W> {
    /// A sink writing to `out`; `path` names the output in errors. The
    /// columns become distinct keys ([`distinct_keys`]).
    pub fn new(out: W, path: &Path, columns: Vec<String>, labels: Labels, explain: bool) -> Self {
        JsonlSink {
            out,
            path: path.to_owned(),
            columns: distinct_keys(&columns),
            labels,
            explain,
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

impl<W: Write> Sink for JsonlSink<W> {
    fn write_row(&mut self, row: &InputRow, outcome: &Outcome) -> Result<()> {
        let json = |v: &str| serde_json::to_string(v).expect("strings serialize");
        let optional = |v: &str| {
            if v.is_empty() {
                "null".to_owned()
            } else {
                json(v)
            }
        };
        let out = &mut self.line;
        out.clear();
        out.push('{');
        for (i, (name, value)) in self.columns.iter().zip(&row.fields).enumerate() {
            out.push_str(&json(name));
            out.push(':');
            match value.parse::<u64>() {
                Ok(number) if i == 0 && self.numbered => out.push_str(&number.to_string()),
                _ => out.push_str(&json(value)),
            }
            out.push(',');
        }
        let tail = &self.columns[row.fields.len()..];
        let label = label_text(&self.labels, outcome.decision);
        out.push_str(&format!("{}:{},", json(&tail[0]), optional(label)));
        let probability = outcome
            .probability
            .map_or("null".to_owned(), |p| format!("{p:.6}"));
        out.push_str(&format!("{}:{},", json(&tail[1]), probability));
        out.push_str(&format!("{}:{},", json(&tail[2]), optional(outcome.note)));
        out.push_str(&format!("{}:{}", json(&tail[3]), optional(&outcome.error)));
        if self.explain {
            let value = match &outcome.explanation {
                Some((up, down)) => {
                    serde_json::json!({ "toward_positive": up, "toward_negative": down })
                        .to_string()
                }
                None => "null".to_owned(),
            };
            out.push_str(&format!(",{}:{}", json(&tail[4]), value));
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
            note: "",
            error: String::new(),
            explanation: None,
        }
    }

    fn row(fields: &[&str]) -> InputRow {
        InputRow {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            text_index: fields.len() - 1,
            problem: None,
            blank: false,
        }
    }

    #[test]
    fn added_columns_take_the_first_free_name() {
        let input = ["label".to_owned(), "predicted_label".to_owned()];
        let columns = output_columns(&input, false);
        assert_eq!(
            columns[2..],
            ["predicted_label_2", "probability", "note", "error"]
        );
    }

    /// Issue 20, N65: a header full of the names the added columns would
    /// take; the next free one is found (the set keeps this linear).
    #[test]
    fn added_columns_skip_a_crowded_header() {
        let mut input = vec!["label".to_owned(), "predicted_label".to_owned()];
        input.extend((2..20_000).map(|i| format!("predicted_label_{i}")));
        let columns = output_columns(&input, false);
        assert_eq!(columns[input.len()], "predicted_label_20000");
        assert_eq!(columns.len(), input.len() + 4);
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
        let columns = output_columns(&["text".to_owned()], false);
        let mut out = Vec::new();
        let mut sink =
            CsvSink::new(&mut out, Path::new("<test>"), &columns, labels(), false).unwrap();
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
        let columns = output_columns(&["line".to_owned(), "text".to_owned()], true);
        let mut out = Vec::new();
        let mut sink = JsonlSink::new(&mut out, Path::new("<test>"), columns, labels(), true);
        let unscored = Outcome {
            decision: None,
            probability: None,
            note: "blank_line",
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
