//! Reading rows: CSV, TSV and plain-text input, record by record.
//!
//! Input is CSV with a header (or plain text, one message per line), in
//! UTF-8 with or without a byte-order mark, or CP932 (Shift_JIS as Excel
//! writes it) when asked. The encoding is never guessed: bytes that are
//! invalid in the declared encoding stop the run with the file, the line and
//! a hint to try the other encoding. CSV is parsed on raw bytes (CP932 trail
//! bytes never collide with `,`, `"` or line breaks) and each field is then
//! decoded, so line numbers stay exact.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{Error, Location, Result};

/// Character encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    Utf8,
    /// CP932 / Windows-31J (Shift_JIS with Microsoft extensions).
    Cp932,
}

impl std::str::FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "cp932" | "shift-jis" | "sjis" | "windows-31j" | "ms932" => Ok(Encoding::Cp932),
            other => Err(format!("unknown encoding {other:?} (utf-8 or cp932)")),
        }
    }
}

impl Encoding {
    fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Cp932 => "CP932",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Encoding::Utf8 => "if the file comes from Excel, try --encoding cp932",
            Encoding::Cp932 => "if the file is UTF-8, drop --encoding cp932",
        }
    }

    /// Decodes one field; `Err` means invalid bytes.
    pub fn decode<'a>(
        self,
        bytes: &'a [u8],
        at: impl FnOnce() -> Location,
    ) -> Result<Cow<'a, str>> {
        let decoded = match self {
            Encoding::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
            Encoding::Cp932 => {
                encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes)
            }
        };
        decoded.ok_or_else(|| Error::Encoding {
            at: at(),
            encoding: self.name(),
            hint: self.hint(),
        })
    }
}

/// The field delimiter a file name suggests: tab for `.tsv`, else comma
/// (the same rule for `train`, `evaluate` and `predict`).
pub fn delimiter_for_path(path: &Path) -> u8 {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") => b'\t',
        _ => b',',
    }
}

/// SHA-256 of a file's bytes, in hex (to name data in reports).
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Display name for a path, `-` meaning stdin.
pub fn display_path(path: Option<&Path>) -> PathBuf {
    match path {
        None => PathBuf::from("<stdin>"),
        Some(p) if p == Path::new("-") => PathBuf::from("<stdin>"),
        Some(p) => p.to_path_buf(),
    }
}

/// The longest record (a CSV row or a line) that is read into memory, 16 MiB.
/// A longer one is skipped to its end without being held whole, and
/// reported as a malformed row.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// Opens a file, or stdin for `None` / `-`, skipping a UTF-8 byte-order mark.
///
/// # Errors
/// [`Error::Io`] naming the file; [`Error::Input`] for a file that starts
/// with a UTF-16 byte-order mark (UTF-16 is not read).
pub fn open_input(path: Option<&Path>) -> Result<Box<dyn BufRead + Send>> {
    let name = display_path(path);
    let mut reader: Box<dyn BufRead + Send> = match path {
        Some(p) if p != Path::new("-") => Box::new(BufReader::with_capacity(
            1 << 16,
            File::open(p).map_err(|e| Error::io(p, e))?,
        )),
        _ => Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
    };
    // A BOM only ever appears at the very start.
    let head = reader.fill_buf().map_err(|e| Error::io(&name, e))?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    } else if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::Input {
            at: Location::new(&name, Some(1)),
            reason: "the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8 (Excel: \"CSV UTF-8\") or CP932".into(),
        });
    }
    Ok(reader)
}

/// A CSV reader that yields decoded rows with their line numbers.
///
/// It drives the `csv_core` parser itself (as the `csv` crate's reader
/// does inside), so that every byte passes through [`CsvRows::read_item`]:
/// blank lines, which the parser skips silently, line numbers, and records
/// too long to keep are all seen there.
pub struct CsvRows {
    input: Box<dyn BufRead + Send>,
    parser: csv_core::Reader,
    /// Field bytes of the last record read.
    fields: Vec<u8>,
    /// Where each field of the last record ends in `fields`.
    ends: Vec<usize>,
    /// Fields in the last record (`ends` may be longer).
    field_count: usize,
    encoding: Encoding,
    delimiter: u8,
    path: PathBuf,
    headers: Vec<String>,
}

/// What comes next in the input.
enum Item {
    /// An empty line (nothing between two line breaks outside quotes).
    Blank(u64),
    /// A record, now held in [`CsvRows`]: its first line, and whether the
    /// end of input came inside a quoted field.
    Record { line: u64, unclosed: bool },
    /// A record longer than [`MAX_RECORD_BYTES`], read to its end without
    /// being held; its first line.
    Oversized(u64),
}

/// A problem with one row that `predict` can report and move past.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    /// 1-based line where the row starts.
    pub line: u64,
    /// What is wrong.
    pub reason: String,
}

/// One row as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A well-formed row: its line and fields (as many as the header).
    Fields {
        /// 1-based line where the row starts.
        line: u64,
        /// Decoded fields.
        fields: Vec<String>,
    },
    /// A malformed row: the fields that could be read, padded or cut to the
    /// header's width, and the reason. A record longer than
    /// [`MAX_RECORD_BYTES`] is one, with empty fields.
    Malformed {
        /// Fields as far as they could be read.
        fields: Vec<String>,
        /// What is wrong, and where.
        problem: RowProblem,
    },
    /// A blank line: nothing on it (or only a `\r`, or `""`). It has no
    /// fields; `predict` still gives it an output row, `train` and
    /// `evaluate` skip it.
    Blank {
        /// 1-based line.
        line: u64,
    },
}

impl CsvRows {
    /// Opens `path` (or stdin) and reads the header.
    ///
    /// # Errors
    /// [`Error::Io`] (also for a header longer than [`MAX_RECORD_BYTES`]),
    /// [`Error::Empty`] for a file without a header, [`Error::Encoding`]
    /// for a bad header.
    pub fn open(path: Option<&Path>, encoding: Encoding, delimiter: u8) -> Result<Self> {
        let input = open_input(path)?;
        Self::from_reader(input, display_path(path), encoding, delimiter)
    }

    /// Reads CSV from any reader; `path` is used in messages.
    ///
    /// # Errors
    /// As [`CsvRows::open`].
    pub fn from_reader(
        input: Box<dyn BufRead + Send>,
        path: PathBuf,
        encoding: Encoding,
        delimiter: u8,
    ) -> Result<Self> {
        let parser = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            // Records end at `\n` only, so that line numbers of CRLF files
            // (as Excel writes them) are right; a trailing `\r` is removed
            // from the last field.
            .terminator(csv_core::Terminator::Any(b'\n'))
            // TSV has no quoting: quotes are part of the text.
            .quoting(delimiter != b'\t')
            .build();
        let mut rows = CsvRows {
            input,
            parser,
            fields: vec![0; 1 << 10],
            ends: vec![0; 16],
            field_count: 0,
            encoding,
            delimiter,
            path,
            headers: Vec::new(),
        };
        // Blank lines before the header are not rows.
        let line = loop {
            match rows.read_item()? {
                Some(Item::Record { line, .. }) if !rows.is_blank() => break line,
                Some(Item::Blank(_) | Item::Record { .. }) => {}
                Some(Item::Oversized(_)) => {
                    return Err(Error::io(
                        &rows.path,
                        std::io::Error::other(format!(
                            "record longer than {MAX_RECORD_BYTES} bytes"
                        )),
                    ));
                }
                None => {
                    return Err(Error::Empty {
                        at: Location::new(&rows.path, None),
                    });
                }
            }
        };
        let headers: Result<Vec<String>> = rows
            .record_fields()
            .map(|f| {
                rows.encoding
                    .decode(f, || Location::new(&rows.path, Some(line)))
                    .map(|s| s.trim().to_owned())
            })
            .collect();
        rows.headers = headers?;
        Ok(rows)
    }

    /// Reads the next record or blank line; `None` at the end of input.
    fn read_item(&mut self) -> Result<Option<Item>> {
        use csv_core::ReadRecordResult;
        let line = self.parser.line();
        // Bytes of this record read so far, and the last two of them.
        let mut taken = 0;
        let mut tail = [0u8; 2];
        let (mut out, mut field_count) = (0, 0);
        let mut unclosed = false;
        loop {
            let input = self
                .input
                .fill_buf()
                .map_err(|e| Error::io(&self.path, e))?;
            // The parser would skip an empty line without a trace.
            if taken == 0 && input.first() == Some(&b'\n') {
                self.input.consume(1);
                self.parser.set_line(line + 1);
                return Ok(Some(Item::Blank(line)));
            }
            // Of the bytes taken, at most a final `\r` can belong to the line
            // break: past this the record is too long whatever follows, and
            // its fields are dropped as they come.
            let oversized = taken > MAX_RECORD_BYTES + 1;
            let input = if oversized {
                out = 0;
                field_count = 0;
                input
            } else {
                &input[..input.len().min(MAX_RECORD_BYTES + 2 - taken)]
            };
            if out == self.fields.len() {
                self.fields.resize(out * 2, 0);
            }
            if field_count == self.ends.len() {
                self.ends.resize(field_count * 2, 0);
            }
            let at_end = input.is_empty();
            // When the input ends inside a record, the parser first gets a
            // line break: it ends the record, unless a quoted field is left
            // open and takes it as text (removed again below). (A copy of
            // the parser cannot be asked instead: csv_core 0.1.13 clones
            // its tables only in part.)
            let probe = at_end && taken > 0 && !unclosed;
            let (result, nin, nout, nends) = self.parser.read_record(
                if probe { b"\n" } else { input },
                &mut self.fields[out..],
                &mut self.ends[field_count..],
            );
            if !probe {
                tail = match nin {
                    0 => tail,
                    1 => [tail[1], input[0]],
                    _ => [input[nin - 2], input[nin - 1]],
                };
                self.input.consume(nin);
                taken += nin;
            }
            out += nout;
            field_count += nends;
            match result {
                ReadRecordResult::InputEmpty if probe => unclosed = true,
                ReadRecordResult::InputEmpty
                | ReadRecordResult::OutputFull
                | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::End => return Ok(None),
                ReadRecordResult::Record => {
                    if unclosed {
                        self.ends[field_count - 1] -= 1;
                    }
                    // The line break (`\n` or `\r\n`) is not part of the
                    // record's length, so that a record has the same room
                    // with CRLF and LF line ends.
                    let newline = usize::from(!at_end);
                    let cr = usize::from(tail[1 - newline] == b'\r');
                    self.field_count = field_count;
                    return Ok(Some(if taken - newline - cr > MAX_RECORD_BYTES {
                        Item::Oversized(line)
                    } else {
                        Item::Record { line, unclosed }
                    }));
                }
            }
        }
    }

    /// The fields of the last record read, without the `\r` a CRLF line
    /// ending leaves on the last one.
    fn record_fields(&self) -> impl Iterator<Item = &[u8]> {
        let ends = &self.ends[..self.field_count];
        ends.iter().enumerate().map(move |(i, &end)| {
            let start = if i == 0 { 0 } else { ends[i - 1] };
            match &self.fields[start..end] {
                [head @ .., b'\r'] if i + 1 == ends.len() => head,
                field => field,
            }
        })
    }

    /// True when the last record has nothing in it: one field, empty once
    /// a CRLF's `\r` is removed (a line holding only `\r` or `""`).
    fn is_blank(&self) -> bool {
        self.field_count == 1 && self.record_fields().all(<[u8]>::is_empty)
    }

    /// Column names from the header.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The file's display name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Index of a column, or an error listing the columns.
    ///
    /// # Errors
    /// As [`CsvRows::column_for`], without naming a flag.
    #[cfg(test)]
    pub fn column(&self, name: &str) -> Result<usize> {
        self.column_for(name, "")
    }

    /// Index of a column, or an error listing the columns (quoted) and
    /// suggesting what fixes it: the same name in other case through
    /// `flag`, or the delimiter the header seems to use.
    ///
    /// # Errors
    /// [`Error::MissingColumn`]; [`Error::Input`] when the header has the
    /// name more than once (which one is meant would be a guess).
    pub fn column_for(&self, name: &str, flag: &str) -> Result<usize> {
        let mut found = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| *h == name)
            .map(|(i, _)| i);
        let first = found.next().ok_or_else(|| Error::MissingColumn {
            at: Location::new(&self.path, Some(1)),
            column: name.to_owned(),
            found: self
                .headers
                .iter()
                .map(|h| format!("{h:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            hint: self.missing_column_hint(name, flag),
        })?;
        if let Some(second) = found.next() {
            return Err(Error::Input {
                at: Location::new(&self.path, Some(1)),
                reason: format!(
                    "the header names column \"{name}\" more than once (columns {} and {}); rename one",
                    first + 1,
                    second + 1
                ),
            });
        }
        Ok(first)
    }

    /// What may fix a missing column `name` (see [`CsvRows::column_for`]).
    fn missing_column_hint(&self, name: &str, flag: &str) -> String {
        if let Some(other) = self
            .headers
            .iter()
            .find(|h| h.to_lowercase() == name.to_lowercase())
        {
            let how = if flag.is_empty() {
                String::new()
            } else {
                format!(" (use {flag} {other:?})")
            };
            return format!("; did you mean `{other}`?{how}");
        }
        let [only] = self.headers.as_slice() else {
            return String::new();
        };
        let spelled = match self.delimiter {
            b'\t' => [(',', "a comma"), (';', "a semicolon")]
                .into_iter()
                .find(|(c, _)| only.contains(*c))
                .map(|(_, what)| {
                    format!("; the header is one column holding {what}: is this CSV? name it .csv or pass --input-format csv")
                }),
            _ => [('\t', "a tab"), (';', "a semicolon")]
                .into_iter()
                .find(|(c, _)| only.contains(*c))
                .map(|(_, what)| {
                    if *what == *"a tab" {
                        "; the header is one column holding a tab: is this TSV? name it .tsv or pass --input-format tsv".to_owned()
                    } else {
                        format!("; the header is one column holding {what}; only comma- and tab-separated files are read")
                    }
                }),
        };
        spelled.unwrap_or_default()
    }

    /// Reads the next row. Encoding errors are fatal; a wrong number of
    /// fields, an unclosed quote or an oversized record gives
    /// [`Row::Malformed`], a blank line [`Row::Blank`].
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Encoding`].
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        let width = self.headers.len();
        let (line, unclosed) = match self.read_item()? {
            None => return Ok(None),
            Some(Item::Blank(line)) => return Ok(Some(Row::Blank { line })),
            Some(Item::Oversized(line)) => {
                return Ok(Some(Row::Malformed {
                    fields: vec![String::new(); width],
                    problem: RowProblem {
                        line,
                        reason: format!(
                            "record longer than {} MiB, skipped",
                            MAX_RECORD_BYTES >> 20
                        ),
                    },
                }));
            }
            Some(Item::Record { line, unclosed }) => (line, unclosed),
        };
        if self.is_blank() {
            return Ok(Some(Row::Blank { line }));
        }
        let mut fields = Vec::with_capacity(width);
        for field in self.record_fields() {
            let text = self
                .encoding
                .decode(field, || Location::new(&self.path, Some(line)))?;
            fields.push(text.into_owned());
        }
        let problem = if unclosed {
            Some(format!(
                "a quoted field starting on line {line} is never closed"
            ))
        } else if fields.len() != width {
            Some(format!("expected {width} fields, found {}", fields.len()))
        } else {
            None
        };
        Ok(Some(match problem {
            None => Row::Fields { line, fields },
            Some(reason) => {
                fields.resize(width, String::new());
                Row::Malformed {
                    fields,
                    problem: RowProblem { line, reason },
                }
            }
        }))
    }
}

/// Reads plain text, one message per line.
pub struct LineRows {
    input: Box<dyn BufRead + Send>,
    buffer: Vec<u8>,
    encoding: Encoding,
    path: PathBuf,
    line: u64,
}

impl LineRows {
    /// Opens `path` (or stdin).
    ///
    /// # Errors
    /// [`Error::Io`] naming the file.
    pub fn open(path: Option<&Path>, encoding: Encoding) -> Result<Self> {
        Ok(LineRows {
            input: open_input(path)?,
            buffer: Vec::new(),
            encoding,
            path: display_path(path),
            line: 0,
        })
    }

    /// The file's display name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next line (without its line break) as a row with one field.
    /// A line longer than [`MAX_RECORD_BYTES`] is skipped to its end
    /// without being held in memory and comes back as [`Row::Malformed`].
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Encoding`].
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        self.buffer.clear();
        let mut any = false;
        let mut oversized = false;
        loop {
            let chunk = self
                .input
                .fill_buf()
                .map_err(|e| Error::io(&self.path, e))?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            // Room for the line break (`\r\n`) on top of the longest line.
            if !oversized && self.buffer.len() + take <= MAX_RECORD_BYTES + 2 {
                self.buffer.extend_from_slice(&chunk[..take]);
            } else if !oversized {
                oversized = true;
                self.buffer = Vec::new();
            }
            self.input.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        let line = self.line;
        while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
            self.buffer.pop();
        }
        if oversized || self.buffer.len() > MAX_RECORD_BYTES {
            self.buffer = Vec::new();
            return Ok(Some(Row::Malformed {
                fields: vec![String::new()],
                problem: RowProblem {
                    line,
                    reason: format!("line longer than {} MiB, skipped", MAX_RECORD_BYTES >> 20),
                },
            }));
        }
        let text = self
            .encoding
            .decode(&self.buffer, || Location::new(&self.path, Some(line)))?;
        Ok(Some(Row::Fields {
            line,
            fields: vec![text.into_owned()],
        }))
    }
}

/// The most bytes [`read_whole`] accepts: far more than any message (which
/// is scored on its first 64 KiB), little enough to hold in memory.
pub const MAX_WHOLE_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Reads all of `path` (or stdin) as one message, without a final line
/// break (a UTF-8 byte-order mark is skipped).
///
/// # Errors
/// [`Error::Io`] naming the file, [`Error::Encoding`], or input longer than
/// [`MAX_WHOLE_INPUT_BYTES`].
pub fn read_whole(path: Option<&Path>, encoding: Encoding) -> Result<String> {
    let shown = display_path(path);
    let mut bytes = Vec::new();
    open_input(path)?
        .take(MAX_WHOLE_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(&shown, e))?;
    if bytes.len() as u64 > MAX_WHOLE_INPUT_BYTES {
        return Err(Error::io(
            &shown,
            std::io::Error::other(format!(
                "longer than {} MiB, too long to read as one message",
                MAX_WHOLE_INPUT_BYTES >> 20
            )),
        ));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = encoding.decode(body, || Location::new(&shown, None))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn rows_of(bytes: &[u8], encoding: Encoding) -> Result<(Vec<String>, Vec<Row>)> {
        let input: Box<dyn BufRead + Send> = Box::new(Cursor::new(bytes.to_vec()));
        let mut rows = CsvRows::from_reader(input, "t.csv".into(), encoding, b',')?;
        let mut out = Vec::new();
        while let Some(row) = rows.next_row()? {
            out.push(row);
        }
        Ok((rows.headers().to_vec(), out))
    }

    #[test]
    fn reads_rows_with_line_numbers_including_multiline_fields() {
        let (headers, rows) = rows_of(b"id,text\n1,\"a\nb\"\n2,c\n", Encoding::Utf8).unwrap();
        assert_eq!(headers, ["id", "text"]);
        assert_eq!(
            rows[0],
            Row::Fields {
                line: 2,
                fields: vec!["1".into(), "a\nb".into()]
            }
        );
        assert_eq!(
            rows[1],
            Row::Fields {
                line: 4,
                fields: vec!["2".into(), "c".into()]
            }
        );
    }

    #[test]
    fn wrong_field_count_is_a_malformed_row() {
        let (_, rows) = rows_of(b"id,text\n1,a,extra\n2,b\n", Encoding::Utf8).unwrap();
        match &rows[0] {
            Row::Malformed { problem, fields } => {
                assert_eq!(problem.line, 2);
                assert!(problem.reason.contains("expected 2 fields, found 3"));
                assert_eq!(fields.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(rows[1], Row::Fields { line: 3, .. }));
    }

    #[test]
    fn unclosed_quote_at_end_is_reported() {
        let (_, rows) = rows_of(b"id,text\n1,ok\n2,\"never closed\n3,x\n", Encoding::Utf8).unwrap();
        match rows.last().unwrap() {
            Row::Malformed { problem, .. } => {
                assert!(problem.reason.contains("never closed"), "{problem:?}")
            }
            other => panic!("{other:?}"),
        }
    }

    /// The line break given to the parser at the end of input (to learn
    /// whether a quote is open) never shows in the fields, and a quote
    /// closed at the very end is no problem.
    #[test]
    fn the_end_of_input_keeps_the_last_fields_as_written() {
        let (_, rows) = rows_of(b"id,text\n2,\"open\n3,x", Encoding::Utf8).unwrap();
        match &rows[..] {
            [Row::Malformed { fields, problem }] => {
                assert_eq!(fields, &["2", "open\n3,x"]);
                assert_eq!(problem.line, 2);
            }
            other => panic!("{other:?}"),
        }
        for (input, last) in [
            (&b"id,text\n2,\"closed\""[..], "closed"),
            (b"id,text\n2,\"a\"\"\"", "a\""),
            (b"id,text\n2,plain\r", "plain"),
        ] {
            let (_, rows) = rows_of(input, Encoding::Utf8).unwrap();
            assert_eq!(
                rows,
                [Row::Fields {
                    line: 2,
                    fields: vec!["2".into(), last.into()]
                }]
            );
        }
    }

    #[test]
    fn tsv_has_no_quoting() {
        let input: Box<dyn BufRead + Send> = Box::new(Cursor::new(
            "id\ttext\n1\t\"未閉\n2\tふつう\n".as_bytes().to_vec(),
        ));
        let mut rows = CsvRows::from_reader(input, "t.tsv".into(), Encoding::Utf8, b'\t').unwrap();
        assert_eq!(
            rows.next_row().unwrap(),
            Some(Row::Fields {
                line: 2,
                fields: vec!["1".into(), "\"未閉".into()]
            })
        );
        assert_eq!(
            rows.next_row().unwrap(),
            Some(Row::Fields {
                line: 3,
                fields: vec!["2".into(), "ふつう".into()]
            })
        );
    }

    #[test]
    fn utf8_bom_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.csv");
        std::fs::write(&path, b"\xEF\xBB\xBFtext\nhi\n").unwrap();
        let rows = CsvRows::open(Some(&path), Encoding::Utf8, b',').unwrap();
        assert_eq!(rows.headers(), ["text"]);
    }

    #[test]
    fn cp932_decodes_and_invalid_utf8_names_the_line() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("text\n未納金①\n");
        let (_, rows) = rows_of(&sjis, Encoding::Cp932).unwrap();
        assert_eq!(
            rows[0],
            Row::Fields {
                line: 2,
                fields: vec!["未納金①".into()]
            }
        );
        let err = rows_of(&sjis, Encoding::Utf8).unwrap_err().to_string();
        assert!(
            err.contains("t.csv:2") && err.contains("--encoding cp932"),
            "{err}"
        );
    }

    #[test]
    fn lf_and_crlf_blank_lines_are_both_blank_rows_in_line_order() {
        let input = b"\n\r\nid,text\n1,a\n\n2,\"b\n\nc\"\r\n\r\n3,d\n\n";
        let (headers, rows) = rows_of(input, Encoding::Utf8).unwrap();
        assert_eq!(headers, ["id", "text"]);
        let shape: Vec<(u64, bool)> = rows
            .iter()
            .map(|r| match r {
                Row::Fields { line, .. } => (*line, false),
                Row::Blank { line } => (*line, true),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            shape,
            [
                (4, false),
                (5, true),
                (6, false),
                (9, true),
                (10, false),
                (11, true)
            ]
        );
        assert_eq!(
            rows[2],
            Row::Fields {
                line: 6,
                fields: vec!["2".into(), "b\n\nc".into()]
            }
        );
    }

    #[test]
    fn a_column_named_twice_is_ambiguous() {
        let input: Box<dyn BufRead + Send> = Box::new(Cursor::new(b"text,id,text\n".to_vec()));
        let rows = CsvRows::from_reader(input, "t.csv".into(), Encoding::Utf8, b',').unwrap();
        let err = rows.column("text").unwrap_err().to_string();
        assert!(
            err.contains("t.csv:1") && err.contains("columns 1 and 3"),
            "{err}"
        );
        assert_eq!(rows.column("id").unwrap(), 1);
    }

    #[test]
    fn empty_input_is_an_error() {
        assert!(matches!(
            rows_of(b"", Encoding::Utf8),
            Err(Error::Empty { .. })
        ));
    }

    /// Issue 20, N69: a long run of LF blank lines comes out one row per
    /// line, in order, with the rows around it.
    #[test]
    fn long_runs_of_blank_lines_are_rows_in_order() {
        const BLANK: u64 = 200_000;
        let mut input = b"text\n".to_vec();
        input.extend(std::iter::repeat_n(b'\n', BLANK as usize));
        input.extend_from_slice(b"msg\n\n\nlast\n");
        let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(input));
        let mut rows = CsvRows::from_reader(reader, "t.csv".into(), Encoding::Utf8, b',').unwrap();
        let mut expected_line = 2;
        while let Some(row) = rows.next_row().unwrap() {
            let line = match row {
                Row::Blank { line } => line,
                Row::Fields { line, fields } => {
                    let want = if line == BLANK + 2 { "msg" } else { "last" };
                    assert_eq!(fields, [want]);
                    line
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(line, expected_line);
            expected_line += 1;
        }
        assert_eq!(expected_line, BLANK + 6);
    }

    /// Issue 20, N61: a record of exactly the longest length is kept with
    /// CRLF line ends as with LF (the `\r` belongs to the line break), and
    /// one byte more is skipped with both.
    #[test]
    fn the_longest_record_fits_with_lf_and_crlf() {
        for end in [&b"\n"[..], b"\r\n"] {
            for (extra, kept) in [(0, true), (1, false)] {
                let mut input = b"text".to_vec();
                input.extend_from_slice(end);
                input.extend(std::iter::repeat_n(b'a', MAX_RECORD_BYTES + extra));
                input.extend_from_slice(end);
                input.extend_from_slice(b"next");
                input.extend_from_slice(end);
                let (_, rows) = rows_of(&input, Encoding::Utf8).unwrap();
                assert_eq!(rows.len(), 2);
                match &rows[0] {
                    Row::Fields { line: 2, fields } if kept => {
                        assert_eq!(fields[0].len(), MAX_RECORD_BYTES);
                    }
                    Row::Malformed { problem, .. } if !kept => assert_eq!(problem.line, 2),
                    other => panic!("end {end:?}, extra {extra}: {:?}", other_kind(other)),
                }
                assert_eq!(
                    rows[1],
                    Row::Fields {
                        line: 3,
                        fields: vec!["next".into()]
                    }
                );
            }
        }
    }

    fn other_kind(row: &Row) -> String {
        match row {
            Row::Fields { line, fields } => format!("fields at {line}, {} bytes", fields[0].len()),
            Row::Malformed { problem, .. } => format!("malformed: {problem:?}"),
            Row::Blank { line } => format!("blank at {line}"),
        }
    }
}
