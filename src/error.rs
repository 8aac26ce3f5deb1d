//! The library's error type. Every input error names the file and, where
//! there is one, the line, so that the binaries can print one useful line.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a problem was found: a file (or `<stdin>`) and an optional 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, or `<stdin>` / `<memory>`.
    pub path: PathBuf,
    /// 1-based line number, when the problem is tied to one line.
    pub line: Option<u64>,
}

impl Location {
    /// A location in `path`, at `line` if known.
    pub fn new(path: impl Into<PathBuf>, line: Option<u64>) -> Self {
        Location {
            path: path.into(),
            line,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading a file failed.
    #[error("{path}: {cause}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// Writing output (a model, a report, stdout) failed.
    #[error("writing {path}: {cause}")]
    Write {
        /// The file written (`<stdout>` for standard output).
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// A CSV file could not be parsed at some line.
    #[error("{at}: malformed CSV: {reason}")]
    Csv {
        /// File and line.
        at: Location,
        /// What the CSV parser reported.
        reason: String,
    },
    /// The input is not valid in the declared encoding.
    #[error("{at}: invalid {encoding} ({hint})")]
    Encoding {
        /// File and line.
        at: Location,
        /// The declared encoding.
        encoding: &'static str,
        /// A suggestion such as "try --encoding cp932".
        hint: &'static str,
    },
    /// A required column is not in the header.
    #[error("{at}: no column named \"{column}\" (columns: {found}){hint}")]
    MissingColumn {
        /// File (line 1).
        at: Location,
        /// The missing column name.
        column: String,
        /// The header's column names, each quoted, comma-separated.
        found: String,
        /// What may fix it (starts with "; "), or empty.
        hint: String,
    },
    /// A row's label is empty.
    #[error("{at}: empty label")]
    EmptyLabel {
        /// File and line.
        at: Location,
    },
    /// The training data does not have exactly two classes, or lacks the positive one.
    #[error("{at}: {reason}")]
    Labels {
        /// The file.
        at: Location,
        /// What is wrong, with the labels found and their counts.
        reason: String,
    },
    /// The input cannot be used as it is, for a reason other than those
    /// above (an ambiguous column, a UTF-16 file, texts without features,
    /// groups that cannot be split into folds).
    #[error("{at}: {reason}")]
    Input {
        /// File, and line where there is one.
        at: Location,
        /// What is wrong.
        reason: String,
    },
    /// The input has no data rows.
    #[error("{at}: no data rows")]
    Empty {
        /// The file.
        at: Location,
    },
    /// A model file is unreadable, foreign, corrupted or too new.
    #[error("{path}: not a usable model file: {reason}")]
    Model {
        /// The model file (`<embedded>` for the built-in one).
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
    /// Rows cannot be dealt into folds that each leave training rows of
    /// both labels (groups holding one label each, too few groups); the
    /// caller names the file ([`Error::in_file`]).
    #[error("{0}")]
    Folds(String),
    /// An option value is out of range.
    #[error("invalid setting: {0}")]
    Config(String),
    /// The optimizer failed.
    #[error("training failed: {0}")]
    Training(String),
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
}

impl Error {
    /// Wraps an I/O error with the file it concerns.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }

    /// Wraps an output error with the file it concerns.
    pub fn write(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Write {
            path: path.into(),
            cause,
        }
    }

    /// A [`Error::Folds`] as an [`Error::Input`] naming `path`; other errors as they are.
    pub fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            Error::Folds(reason) => Error::Input {
                at: Location::new(path, None),
                reason,
            },
            other => other,
        }
    }

    /// True when the error is a closed output pipe (for example `| head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { cause, .. } | Error::Write { cause, .. }
            if cause.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
