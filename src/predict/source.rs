//! Rows in: the input file opened in its layout, one [`InputRow`] at a time.

use std::path::{Path, PathBuf};

use crate::data::{CsvRows, Encoding, LineRows, Row, read_whole};
use crate::error::{Error, Location, Result};

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

impl InputFormat {
    /// Every format with its name and a one-line description (for `--help`).
    pub const ALL: [(InputFormat, &'static str, &'static str); 4] = [
        (InputFormat::Csv, "csv", "CSV with a header"),
        (InputFormat::Tsv, "tsv", "Tab-separated with a header"),
        (InputFormat::Lines, "lines", "One message per line"),
        (
            InputFormat::Whole,
            "whole",
            "The whole input is one message (a multi-line mail, say)",
        ),
    ];

    /// The format a file name suggests: `.csv` → CSV, `.tsv` → TSV,
    /// anything else (and stdin) → lines.
    pub fn for_path(path: Option<&Path>) -> InputFormat {
        match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => InputFormat::Csv,
            Some(e) if e.eq_ignore_ascii_case("tsv") => InputFormat::Tsv,
            _ => InputFormat::Lines,
        }
    }
}

impl std::str::FromStr for InputFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<InputFormat> {
        InputFormat::ALL
            .iter()
            .find(|(_, name, _)| *name == s)
            .map(|&(format, ..)| format)
            .ok_or_else(|| Error::Config(format!("unknown input format {s:?}")))
    }
}

/// One input row, waiting to be scored.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    /// The input fields, written back unchanged (plain text gets its line
    /// number first).
    pub fields: Vec<String>,
    /// Which field holds the message.
    pub text_index: usize,
    /// Why the row could not be read, for the `error` column.
    pub problem: Option<String>,
    /// A blank line of CSV/TSV input (scored as nothing).
    pub blank: bool,
}

impl InputRow {
    /// The message.
    pub fn text(&self) -> &str {
        &self.fields[self.text_index]
    }
}

/// The input, opened in its layout.
pub enum RowSource {
    /// CSV or TSV rows and the index of the text column.
    Csv(Box<CsvRows>, usize),
    /// Plain-text lines.
    Lines(LineRows),
    /// The one message, until it has been taken.
    Whole(Option<String>),
}

impl RowSource {
    /// Opens `input` (stdin for `None` or `-`) as `format`; for CSV and TSV
    /// the message is in `text_column`.
    ///
    /// # Errors
    /// Missing file or column, bad encoding, an unreadable header.
    pub fn open(
        input: Option<&Path>,
        format: InputFormat,
        encoding: Encoding,
        text_column: &str,
    ) -> Result<RowSource> {
        Ok(match format {
            InputFormat::Csv | InputFormat::Tsv => {
                let delimiter = if format == InputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let rows = CsvRows::open(input, encoding, delimiter)?;
                let text = rows.column_for(text_column, "--text-column")?;
                RowSource::Csv(Box::new(rows), text)
            }
            InputFormat::Lines => RowSource::Lines(LineRows::open(input, encoding)?),
            InputFormat::Whole => RowSource::Whole(Some(read_whole(input, encoding)?)),
        })
    }

    /// The names of the input columns, as they are written back.
    pub fn headers(&self) -> Vec<String> {
        match self {
            RowSource::Csv(rows, _) => rows.headers().to_vec(),
            RowSource::Lines(_) => vec!["line".to_owned(), "text".to_owned()],
            RowSource::Whole(_) => vec!["text".to_owned()],
        }
    }

    /// The next row; with `strict`, a malformed row is an error instead of
    /// a row with a problem.
    ///
    /// # Errors
    /// Input errors, and malformed rows when `strict`.
    pub fn next_row(&mut self, strict: bool) -> Result<Option<InputRow>> {
        let width = self.headers().len();
        let (row, path, text_index, line_column): (_, PathBuf, _, _) = match self {
            RowSource::Lines(lines) => (lines.next_row()?, lines.path().into(), 1, true),
            RowSource::Csv(rows, text_index) => {
                (rows.next_row()?, rows.path().into(), *text_index, false)
            }
            RowSource::Whole(text) => {
                return Ok(text.take().map(|text| InputRow {
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
            Some(Row::Fields { line, fields }) => Some(InputRow {
                fields: with_line(line, fields),
                text_index,
                problem: None,
                blank: false,
            }),
            Some(Row::Blank { .. }) => Some(InputRow {
                fields: vec![String::new(); width],
                text_index,
                problem: None,
                blank: true,
            }),
            Some(Row::Malformed { fields, problem }) => {
                if strict {
                    return Err(Error::Csv {
                        at: Location::new(&path, Some(problem.line)),
                        reason: problem.reason,
                    });
                }
                Some(InputRow {
                    fields: with_line(problem.line, fields),
                    text_index,
                    problem: Some(format!("line {}: {}", problem.line, problem.reason)),
                    blank: false,
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_rows(source: &mut RowSource, strict: bool) -> Result<Vec<InputRow>> {
        let mut rows = Vec::new();
        while let Some(row) = source.next_row(strict)? {
            rows.push(row);
        }
        Ok(rows)
    }

    #[test]
    fn lines_get_their_line_number_and_csv_keeps_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let lines = dir.path().join("m.txt");
        std::fs::write(&lines, "一行目\n二行目\n").unwrap();
        let mut source =
            RowSource::open(Some(&lines), InputFormat::Lines, Encoding::Utf8, "text").unwrap();
        assert_eq!(source.headers(), ["line", "text"]);
        let rows = all_rows(&mut source, false).unwrap();
        assert_eq!(rows[1].fields, ["2", "二行目"]);
        assert_eq!(rows[1].text(), "二行目");

        let csv = dir.path().join("m.csv");
        std::fs::write(&csv, "id,body\n1,こんにちは\n\n2,\"a,b\",extra\n").unwrap();
        let mut source =
            RowSource::open(Some(&csv), InputFormat::Csv, Encoding::Utf8, "body").unwrap();
        assert_eq!(source.headers(), ["id", "body"]);
        let rows = all_rows(&mut source, false).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].text(), "こんにちは");
        assert!(rows[1].blank && rows[1].fields == ["", ""]);
        assert!(rows[2].problem.as_deref().unwrap().starts_with("line 4"));
        let mut strict =
            RowSource::open(Some(&csv), InputFormat::Csv, Encoding::Utf8, "body").unwrap();
        assert!(all_rows(&mut strict, true).is_err());
    }

    #[test]
    fn format_names_parse_and_paths_suggest_a_format() {
        assert_eq!("tsv".parse::<InputFormat>().unwrap(), InputFormat::Tsv);
        assert!("xml".parse::<InputFormat>().is_err());
        assert_eq!(
            InputFormat::for_path(Some(Path::new("a.CSV"))),
            InputFormat::Csv
        );
        assert_eq!(InputFormat::for_path(None), InputFormat::Lines);
    }
}
