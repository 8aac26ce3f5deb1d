//! Input data: rows as they are read ([`read`]) and the labeled data set
//! training and evaluation work on ([`labeled`]).
#![doc(hidden)]

pub mod labeled;
pub mod read;

pub use labeled::{LabeledCsvOptions, LabeledData, read_labeled_csv, read_labeled_csvs};
pub use read::{
    CsvRows, Encoding, LineRows, Row, RowProblem, display_path, open_input, read_whole,
};
