//! Rows in: the input file opened in its layout, one [`InputRow`] at a time.

use std::borrow::Cow;
use std::path::Path;

use crate::data::{CsvRows, Encoding, LineRows, Row, RowProblem, read_whole};
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

/// One input row, waiting to be scored: the row as the reader gave it,
/// and where its message is.
#[derive(Debug, Clone, PartialEq)]
pub struct InputRow {
    row: Row,
    /// Which of the row's fields holds the message.
    text_index: usize,
    /// Plain-text input: the line number is written back as a first column.
    line_column: bool,
}

impl InputRow {
    /// `row` as read, its message in field `text_index`; with
    /// `line_column`, its line number is written back before its fields.
    pub fn new(row: Row, text_index: usize, line_column: bool) -> InputRow {
        InputRow {
            row,
            text_index,
            line_column,
        }
    }

    /// The message (empty for a blank line).
    pub fn text(&self) -> &str {
        match &self.row {
            Row::Fields { fields, .. } | Row::Malformed { fields, .. } => &fields[self.text_index],
            Row::Blank { .. } => "",
        }
    }

    /// Why the row could not be read, when it could not.
    pub fn problem(&self) -> Option<&RowProblem> {
        match &self.row {
            Row::Malformed { problem, .. } => Some(problem),
            Row::Fields { .. } | Row::Blank { .. } => None,
        }
    }

    /// A blank line of CSV/TSV input (scored as nothing).
    pub fn is_blank(&self) -> bool {
        matches!(self.row, Row::Blank { .. })
    }

    /// Bytes of input text the row holds (what bounds a chunk).
    pub fn text_bytes(&self) -> usize {
        match &self.row {
            Row::Fields { fields, .. } | Row::Malformed { fields, .. } => {
                fields.iter().map(String::len).sum()
            }
            Row::Blank { .. } => 0,
        }
    }

    /// The input fields as they are written back, `width` of them: plain
    /// text gets its line number first, a blank line empty fields.
    pub fn written_fields(&self, width: usize) -> impl Iterator<Item = Cow<'_, str>> {
        let (line, fields, blanks): (Option<u64>, &[String], usize) = match &self.row {
            Row::Fields { line, fields } => (Some(*line), fields, 0),
            Row::Malformed { fields, problem } => (Some(problem.line), fields, 0),
            Row::Blank { .. } => (None, &[], width),
        };
        let number = line
            .filter(|_| self.line_column)
            .map(|line| Cow::Owned(line.to_string()));
        number
            .into_iter()
            .chain(fields.iter().map(|field| Cow::Borrowed(field.as_str())))
            .chain(std::iter::repeat_n(Cow::Borrowed(""), blanks))
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
        let (row, path, text_index, line_column): (_, &Path, _, _) = match self {
            RowSource::Lines(lines) => (lines.next_row()?, lines.path(), 0, true),
            RowSource::Csv(rows, text_index) => (rows.next_row()?, rows.path(), *text_index, false),
            RowSource::Whole(text) => {
                return Ok(text.take().map(|text| {
                    InputRow::new(
                        Row::Fields {
                            line: 1,
                            fields: vec![text],
                        },
                        0,
                        false,
                    )
                }));
            }
        };
        match row {
            Some(Row::Malformed { problem, .. }) if strict => Err(Error::Csv {
                at: Location::new(path, Some(problem.line)),
                reason: problem.reason,
            }),
            row => Ok(row.map(|row| InputRow::new(row, text_index, line_column))),
        }
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
        let written: Vec<_> = rows[1].written_fields(2).collect();
        assert_eq!(written, ["2", "二行目"]);
        assert_eq!(rows[1].text(), "二行目");

        let csv = dir.path().join("m.csv");
        std::fs::write(&csv, "id,body\n1,こんにちは\n\n2,\"a,b\",extra\n").unwrap();
        let mut source =
            RowSource::open(Some(&csv), InputFormat::Csv, Encoding::Utf8, "body").unwrap();
        assert_eq!(source.headers(), ["id", "body"]);
        let rows = all_rows(&mut source, false).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].text(), "こんにちは");
        let written: Vec<_> = rows[1].written_fields(2).collect();
        assert!(rows[1].is_blank() && written == ["", ""]);
        assert_eq!(rows[2].problem().unwrap().line, 4);
        let written: Vec<_> = rows[2].written_fields(2).collect();
        assert_eq!(
            written,
            ["2", "a,b"],
            "a malformed row is cut to the header"
        );
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
