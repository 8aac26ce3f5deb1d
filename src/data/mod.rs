//! Input data: rows as they are read ([`read`]) and the labeled data set
//! training and evaluation work on ([`labeled`]).

pub mod labeled;
pub mod read;

pub use labeled::{
    LabeledCsvOptions, LabeledData, parse_label_map, read_labeled_csv, read_labeled_csvs,
};
pub use read::{CsvRows, Encoding, LineRows, Row, RowProblem, file_sha256, read_whole};
