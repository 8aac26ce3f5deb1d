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
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

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

/// Where the CSV quoting state machine is, tracked on the raw bytes with
/// the same rules as the CSV parser: a `"` opens a quoted field only at the
/// start of a field, `""` inside one is an escaped quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// What the [`QuoteTracker`] tells the CSV reader about the bytes it passed on.
#[derive(Debug)]
struct Tracked {
    /// Quoting state after the last byte passed on.
    state: Cell<QuoteState>,
    /// Empty lines (nothing between two line breaks outside quotes), by
    /// line number; the CSV parser skips them silently.
    blank_lines: RefCell<BlankLines>,
    /// The line where a record longer than [`MAX_RECORD_BYTES`] starts,
    /// once the tracker has started skipping it.
    oversized: Cell<Option<u64>>,
    /// Line breaks before the first byte of the current CSV reader (which
    /// counts lines from 1); changes when the reader is rebuilt after an
    /// oversized record.
    line_base: Cell<u64>,
}

/// Line numbers of blank lines, ascending, kept as runs of consecutive
/// lines: a file of millions of blank lines takes one entry, not millions.
#[derive(Debug, Default)]
struct BlankLines {
    /// (first line, number of lines), ascending and not touching.
    runs: VecDeque<(u64, u64)>,
}

impl BlankLines {
    /// Adds `line`, which is after every line held.
    fn push(&mut self, line: u64) {
        if let Some((first, count)) = self.runs.back_mut()
            && *first + *count == line
        {
            *count += 1;
            return;
        }
        self.runs.push_back((line, 1));
    }

    /// The first line held.
    fn front(&self) -> Option<u64> {
        self.runs.front().map(|&(first, _)| first)
    }

    /// Removes and returns the first line held.
    fn pop_front(&mut self) -> Option<u64> {
        let (first, count) = self.runs.front_mut()?;
        let line = *first;
        *first += 1;
        *count -= 1;
        if *count == 0 {
            self.runs.pop_front();
        }
        Some(line)
    }

    /// Forgets the lines up to and including `line`.
    fn forget_through(&mut self, line: u64) {
        while let Some((first, count)) = self.runs.front_mut() {
            let last = *first + *count - 1;
            if last <= line {
                self.runs.pop_front();
                continue;
            }
            if *first <= line {
                *count = last - line;
                *first = line + 1;
            }
            break;
        }
    }

    /// The first line from `line` on that is not blank.
    fn next_non_blank(&self, line: u64) -> u64 {
        let i = self
            .runs
            .partition_point(|&(first, count)| first + count <= line);
        match self.runs.get(i) {
            Some(&(first, count)) if first <= line => first + count,
            _ => line,
        }
    }
}

/// Marks the I/O error the tracker raises to stop the CSV parser at an
/// oversized record.
#[derive(Debug)]
struct RecordTooLong;

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "record longer than {MAX_RECORD_BYTES} bytes")
    }
}

impl std::error::Error for RecordTooLong {}

/// Follows the bytes the CSV parser reads: the quoting state (so that a
/// quote left open at the end of input, which the parser silently closes,
/// can be reported), empty lines (which the parser skips), line numbers,
/// and the size of the current record. A record longer than
/// [`MAX_RECORD_BYTES`] is cut off: the parser gets an error, and the rest
/// of the record is read and dropped without being kept.
struct QuoteTracker<R> {
    inner: R,
    delimiter: u8,
    /// False for TSV, which has no quoting: quotes are then plain text.
    quoting: bool,
    shared: Rc<Tracked>,
    /// Bytes of the current record so far (line breaks inside quotes included).
    record_bytes: usize,
    /// Line breaks seen so far.
    lines: u64,
    /// Line breaks seen before the current record started.
    record_start: u64,
    /// Dropping the rest of an oversized record.
    skipping: bool,
    /// The parser has not yet been told about the oversized record.
    pending_error: bool,
    /// Bytes read past the end of a skipped record, not yet passed on.
    carry: Vec<u8>,
    /// The last byte was a `\r`, not yet counted in `record_bytes`: it is
    /// part of the line break if a `\n` ending the record follows, so that
    /// a record has the same room with CRLF and LF line ends.
    pending_cr: bool,
}

impl<R: Read> QuoteTracker<R> {
    fn new(inner: R, delimiter: u8, quoting: bool, shared: Rc<Tracked>) -> Self {
        QuoteTracker {
            inner,
            delimiter,
            quoting,
            shared,
            record_bytes: 0,
            lines: 0,
            record_start: 0,
            skipping: false,
            pending_error: false,
            carry: Vec::new(),
            pending_cr: false,
        }
    }

    fn read_raw(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.carry.is_empty() {
            return self.inner.read(buf);
        }
        let n = self.carry.len().min(buf.len());
        buf[..n].copy_from_slice(&self.carry[..n]);
        self.carry.drain(..n);
        Ok(n)
    }

    /// Follows one byte; true when it ends a record.
    fn step(&mut self, state: &mut QuoteState, b: u8) -> bool {
        let ends = if self.quoting {
            let boundary = b == self.delimiter || b == b'\n';
            *state = match (*state, b) {
                (QuoteState::FieldStart, b'"') => QuoteState::Quoted,
                (QuoteState::Quoted, b'"') => QuoteState::QuoteInQuoted,
                (QuoteState::Quoted, _) => QuoteState::Quoted,
                (QuoteState::QuoteInQuoted, b'"') => QuoteState::Quoted,
                (_, _) if boundary => QuoteState::FieldStart,
                (QuoteState::FieldStart | QuoteState::Unquoted | QuoteState::QuoteInQuoted, _) => {
                    QuoteState::Unquoted
                }
            };
            b == b'\n' && *state == QuoteState::FieldStart
        } else {
            b == b'\n'
        };
        if b == b'\n' {
            self.lines += 1;
        }
        let cr_before = std::mem::replace(&mut self.pending_cr, false);
        if ends {
            // A line holding only `\r` is a record for the parser (which
            // `is_blank` recognizes), not a line it skips.
            if self.record_bytes == 0 && !cr_before && !self.skipping {
                self.shared.blank_lines.borrow_mut().push(self.lines);
            }
            self.record_bytes = 0;
            self.record_start = self.lines;
        } else {
            self.record_bytes += usize::from(cr_before);
            if b == b'\r' {
                self.pending_cr = true;
            } else {
                self.record_bytes += 1;
            }
        }
        ends
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending_error {
            self.pending_error = false;
            return Err(std::io::Error::other(RecordTooLong));
        }
        let mut state = self.shared.state.get();
        while self.skipping {
            let n = self.read_raw(buf)?;
            if n == 0 {
                self.skipping = false;
                self.shared.state.set(state);
                return Ok(0);
            }
            if let Some(end) = (0..n).find(|&i| self.step(&mut state, buf[i])) {
                self.skipping = false;
                let mut rest = buf[end + 1..n].to_vec();
                rest.extend_from_slice(&self.carry);
                self.carry = rest;
                self.shared.line_base.set(self.lines);
            }
        }
        // Never read past the byte that makes the record too long.
        let room = (MAX_RECORD_BYTES - self.record_bytes.min(MAX_RECORD_BYTES)) + 1;
        let want = buf.len().min(room);
        let n = self.read_raw(&mut buf[..want])?;
        for (i, &b) in buf[..n].iter().enumerate() {
            self.step(&mut state, b);
            if self.record_bytes > MAX_RECORD_BYTES {
                // buf[i] is the last byte read (see `room`).
                self.skipping = true;
                self.shared.oversized.set(Some(self.record_start + 1));
                self.shared.state.set(state);
                if i == 0 {
                    return Err(std::io::Error::other(RecordTooLong));
                }
                self.pending_error = true;
                return Ok(i);
            }
        }
        self.shared.state.set(state);
        Ok(n)
    }
}

/// The fields of a record, without the `\r` a CRLF line ending leaves on the last one.
fn fields_without_cr(record: &csv::ByteRecord) -> impl Iterator<Item = &[u8]> {
    let last = record.len().saturating_sub(1);
    record
        .iter()
        .enumerate()
        .map(move |(i, field)| match field {
            [head @ .., b'\r'] if i == last => head,
            _ => field,
        })
}

/// A CSV reader that yields decoded rows with their line numbers.
pub struct CsvRows {
    reader: csv::Reader<Tracker>,
    tracked: Rc<Tracked>,
    record: csv::ByteRecord,
    /// The row after the current one, read ahead so that the last row is
    /// known to be last (an unclosed quote can only be seen there).
    next: Option<Next>,
    encoding: Encoding,
    delimiter: u8,
    path: PathBuf,
    headers: Vec<String>,
    last_line: u64,
}

/// A record read ahead.
enum Next {
    Record(csv::ByteRecord, u64),
    /// A record longer than [`MAX_RECORD_BYTES`], skipped; its first line.
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

type Tracker = QuoteTracker<Box<dyn BufRead + Send>>;

fn csv_reader(tracker: Tracker) -> csv::Reader<Tracker> {
    let delimiter = tracker.delimiter;
    let mut builder = csv::ReaderBuilder::new();
    builder
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // Records end at `\n` only, so that line numbers of CRLF files
        // (as Excel writes them) are right; a trailing `\r` is removed
        // from the last field.
        .terminator(csv::Terminator::Any(b'\n'));
    if delimiter == b'\t' {
        // TSV has no quoting: quotes are part of the text.
        builder.quoting(false);
    }
    builder.from_reader(tracker)
}

/// True for a record with nothing in it: one field, empty once a CRLF's `\r` is removed.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && matches!(record.get(0), Some(b"" | b"\r"))
}

impl CsvRows {
    /// Opens `path` (or stdin) and reads the header.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Empty`] for a file without a header,
    /// [`Error::Encoding`] or [`Error::Csv`] for a bad header.
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
        let tracked = Rc::new(Tracked {
            state: Cell::new(QuoteState::FieldStart),
            blank_lines: RefCell::new(BlankLines::default()),
            oversized: Cell::new(None),
            line_base: Cell::new(0),
        });
        let reader = csv_reader(QuoteTracker::new(
            input,
            delimiter,
            delimiter != b'\t',
            tracked.clone(),
        ));
        let mut rows = CsvRows {
            reader,
            tracked,
            record: csv::ByteRecord::new(),
            next: None,
            encoding,
            delimiter,
            path,
            headers: Vec::new(),
            last_line: 0,
        };
        // Blank lines before the header are not rows.
        let mut got_header = rows.read_record()?;
        while got_header && is_blank(&rows.record) {
            got_header = rows.read_record()?;
        }
        if !got_header || rows.record.iter().all(|f| f.is_empty()) && rows.record.len() <= 1 {
            return Err(Error::Empty {
                at: Location::new(&rows.path, None),
            });
        }
        let line = rows.last_line;
        rows.tracked.blank_lines.borrow_mut().forget_through(line);
        let headers: Result<Vec<String>> = fields_without_cr(&rows.record)
            .map(|f| {
                rows.encoding
                    .decode(f, || Location::new(&rows.path, Some(line)))
                    .map(|s| s.trim().to_owned())
            })
            .collect();
        rows.headers = headers?;
        rows.prefetch()?;
        Ok(rows)
    }

    /// Reads the next record; `Ok(false)` at the end. An oversized record
    /// is an error here (see [`CsvRows::prefetch`]).
    fn read_record(&mut self) -> Result<bool> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                let base = self.tracked.line_base.get();
                let line = self
                    .record
                    .position()
                    .map_or(self.last_line + 1, |p| base + p.line());
                // The parser dates a record from where it started looking,
                // before the blank lines it skipped.
                let line = self.tracked.blank_lines.borrow().next_non_blank(line);
                self.last_line = line;
                Ok(more)
            }
            Err(err) => {
                let line = err
                    .position()
                    .map(|p| self.tracked.line_base.get() + p.line())
                    .unwrap_or(self.last_line + 1);
                let reason = err.to_string();
                match err.into_kind() {
                    csv::ErrorKind::Io(e) => Err(Error::io(&self.path, e)),
                    _ => Err(Error::Csv {
                        at: Location::new(&self.path, Some(line)),
                        reason,
                    }),
                }
            }
        }
    }

    /// Reads the following record into `self.next`. After an oversized
    /// record the CSV parser has stopped; a new one continues after it.
    fn prefetch(&mut self) -> Result<()> {
        self.next = match self.read_record() {
            Ok(true) => Some(Next::Record(
                std::mem::take(&mut self.record),
                self.last_line,
            )),
            Ok(false) => None,
            Err(err) => match self.tracked.oversized.take() {
                Some(line) => {
                    // The tracker raised the error and the parser's buffer
                    // is empty: the tracker, skipping the rest of the
                    // record, continues under a fresh parser.
                    let placeholder = csv_reader(QuoteTracker::new(
                        Box::new(std::io::empty()),
                        self.delimiter,
                        false,
                        self.tracked.clone(),
                    ));
                    let dead = std::mem::replace(&mut self.reader, placeholder);
                    self.reader = csv_reader(dead.into_inner());
                    self.last_line = line;
                    Some(Next::Oversized(line))
                }
                None => return Err(err),
            },
        };
        Ok(())
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
    /// [`Error::Io`], [`Error::Encoding`], [`Error::Csv`].
    pub fn next_row(&mut self) -> Result<Option<Row>> {
        // Blank lines that the parser skipped come out in line order.
        let next_line = match &self.next {
            Some(Next::Record(_, line) | Next::Oversized(line)) => *line,
            None => u64::MAX,
        };
        let blank = {
            let mut blanks = self.tracked.blank_lines.borrow_mut();
            match blanks.front() {
                Some(line) if line < next_line => blanks.pop_front(),
                _ => None,
            }
        };
        if let Some(line) = blank {
            return Ok(Some(Row::Blank { line }));
        }
        let width = self.headers.len();
        let (record, line) = match self.next.take() {
            None => return Ok(None),
            Some(Next::Oversized(line)) => {
                self.prefetch()?;
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
            Some(Next::Record(record, line)) => (record, line),
        };
        self.prefetch()?;
        if is_blank(&record) {
            return Ok(Some(Row::Blank { line }));
        }
        let is_last = self.next.is_none();
        let mut fields = Vec::with_capacity(width);
        for field in fields_without_cr(&record) {
            let text = self
                .encoding
                .decode(field, || Location::new(&self.path, Some(line)))?;
            fields.push(text.into_owned());
        }
        let problem = if is_last && self.tracked.state.get() == QuoteState::Quoted {
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

    /// Issue 20, N69: LF blank lines are held as one run, not one entry
    /// each, and still come out one row per line, in order.
    #[test]
    fn blank_lines_are_counted_as_runs() {
        const BLANK: u64 = 200_000;
        let mut input = b"text\n".to_vec();
        input.extend(std::iter::repeat_n(b'\n', BLANK as usize));
        input.extend_from_slice(b"msg\n\n\nlast\n");
        let reader: Box<dyn BufRead + Send> = Box::new(Cursor::new(input));
        let mut rows = CsvRows::from_reader(reader, "t.csv".into(), Encoding::Utf8, b',').unwrap();
        // The record after the blank lines has been read ahead: all of
        // them are held, as a single run (the parser's buffer may have
        // reached the two blank lines after it too).
        let runs = rows.tracked.blank_lines.borrow().runs.clone();
        assert_eq!(runs[0], (2, BLANK), "{runs:?}");
        assert!(runs.len() <= 2, "{runs:?}");
        let mut expected_line = 2;
        let mut most_runs = 0;
        while let Some(row) = rows.next_row().unwrap() {
            most_runs = most_runs.max(rows.tracked.blank_lines.borrow().runs.len());
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
        assert!(most_runs <= 2, "{most_runs} runs held");
    }

    #[test]
    fn blank_line_runs_forget_and_skip() {
        let mut blanks = BlankLines::default();
        for line in [2, 3, 4, 7, 8, 10] {
            blanks.push(line);
        }
        assert_eq!(blanks.runs, [(2, 3), (7, 2), (10, 1)]);
        assert_eq!(blanks.next_non_blank(3), 5);
        assert_eq!(blanks.next_non_blank(5), 5);
        assert_eq!(blanks.next_non_blank(7), 9);
        blanks.forget_through(7);
        assert_eq!(blanks.runs, [(8, 1), (10, 1)]);
        assert_eq!(blanks.pop_front(), Some(8));
        assert_eq!(blanks.front(), Some(10));
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
