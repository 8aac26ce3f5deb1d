//! The labeled data set: messages with their labels (and groups,
//! categories, files), read whole from one or more labeled CSVs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::data::read::{CsvRows, Encoding, Row, delimiter_for_path, display_path};
use crate::error::{Error, Location, Result};

/// Options for reading a labeled CSV.
#[derive(Debug, Clone)]
pub struct LabeledCsvOptions {
    /// Column holding the message.
    pub text_column: String,
    /// Column holding the label.
    pub label_column: String,
    /// Optional column holding a group (for grouped cross-validation).
    pub group_column: Option<String>,
    /// Optional column holding a category (for per-category metrics).
    pub category_column: Option<String>,
    /// Optional column holding each row's id, shown in reports and score
    /// files (default: `id` when the header has it).
    pub id_column: Option<String>,
    /// Encoding of the file.
    pub encoding: Encoding,
    /// Rows with one of these labels (compared after `label_map`) are
    /// skipped and counted ([`LabeledData::skipped`]); by default
    /// `unsure`, the label `predict --unsure` writes, so that its reviewed
    /// output can be read back; `--ignore-label` adds to the list. The one
    /// place where labels are left out of the data.
    pub skip_labels: Vec<String>,
    /// Field delimiter; `None` picks it from the file name (`.tsv`: tab,
    /// anything else: comma), the rule `predict` follows.
    pub delimiter: Option<u8>,
    /// Labels renamed as they are read (`1` → `scam`); other labels stay.
    pub label_map: Vec<(String, String)>,
}

impl Default for LabeledCsvOptions {
    fn default() -> Self {
        LabeledCsvOptions {
            text_column: "text".into(),
            label_column: "label".into(),
            group_column: None,
            category_column: None,
            id_column: None,
            encoding: Encoding::Utf8,
            skip_labels: vec![crate::model::UNSURE_LABEL.to_owned()],
            delimiter: None,
            label_map: Vec::new(),
        }
    }
}

/// A labeled data set read into memory.
#[derive(Debug, Clone, Default)]
pub struct LabeledData {
    /// The file it came from.
    pub path: PathBuf,
    /// Messages.
    pub texts: Vec<String>,
    /// Labels, as written.
    pub labels: Vec<String>,
    /// Group of each row, when a group column was named.
    pub groups: Option<Vec<String>>,
    /// Category of each row, when a category column was named (or present).
    pub categories: Option<Vec<String>>,
    /// Id of each row, when an id column was named (or present).
    pub ids: Option<Vec<String>>,
    /// Line where each row starts (in its own file).
    pub lines: Vec<u64>,
    /// Every file read, in order (empty for data built in memory).
    pub files: Vec<PathBuf>,
    /// Index into `files` of each row's file (empty when `files` is).
    pub file_of_row: Vec<usize>,
    /// Rows skipped per label ([`LabeledCsvOptions::skip_labels`]).
    pub skipped: BTreeMap<String, usize>,
}

impl LabeledData {
    /// The file row `i` came from.
    pub fn file_of(&self, i: usize) -> &Path {
        self.file_of_row
            .get(i)
            .and_then(|&f| self.files.get(f))
            .unwrap_or(&self.path)
    }

    /// Appends the rows of `other` (another file), keeping each row's file.
    /// Groups and categories are kept when both sides have them; a side
    /// without categories contributes empty ones.
    pub fn append(&mut self, other: LabeledData) {
        let n = self.texts.len();
        if self.files.is_empty() && n > 0 {
            self.files.push(self.path.clone());
            self.file_of_row = vec![0; n];
        }
        let offset = self.files.len();
        if other.files.is_empty() {
            self.files.push(other.path.clone());
            self.file_of_row
                .extend(std::iter::repeat_n(offset, other.texts.len()));
        } else {
            self.files.extend(other.files.iter().cloned());
            self.file_of_row
                .extend(other.file_of_row.iter().map(|f| f + offset));
        }
        if n == 0 {
            self.path = other.path.clone();
        }
        self.groups = match (self.groups.take(), other.groups) {
            (Some(mut a), Some(b)) if n > 0 => {
                a.extend(b);
                Some(a)
            }
            (_, b) if n == 0 => b,
            _ => None,
        };
        let merge = |a: Option<Vec<String>>, b: Option<Vec<String>>| match (a, b) {
            (None, None) => None,
            (a, b) => {
                let mut a = a.unwrap_or_else(|| vec![String::new(); n]);
                a.extend(b.unwrap_or_else(|| vec![String::new(); other.texts.len()]));
                Some(a)
            }
        };
        self.categories = merge(self.categories.take(), other.categories);
        self.ids = merge(self.ids.take(), other.ids);
        self.texts.extend(other.texts);
        self.labels.extend(other.labels);
        self.lines.extend(other.lines);
        for (label, n) in other.skipped {
            *self.skipped.entry(label).or_insert(0) += n;
        }
    }

    /// "2 rows labeled \"unsure\"", or `None` when no row was skipped.
    pub fn skipped_text(&self) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .skipped
            .iter()
            .map(|(label, n)| {
                let rows = if *n == 1 { "row" } else { "rows" };
                format!("{n} {rows} labeled {label:?}")
            })
            .collect();
        Some(parts.join(", "))
    }

    /// The files as one display string (`a.csv + b.csv`).
    pub fn files_display(&self) -> String {
        if self.files.is_empty() {
            return self.path.display().to_string();
        }
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// Row `i`'s id, when the data has an id column.
    pub fn id_of(&self, i: usize) -> Option<&str> {
        self.ids
            .as_ref()
            .and_then(|ids| ids.get(i))
            .map(String::as_str)
    }

    /// Rows per file, in file order (one entry for data built in memory).
    pub fn file_row_ranges(&self) -> Vec<(PathBuf, Vec<usize>)> {
        let n_files = self.files.len().max(1);
        (0..n_files)
            .map(|f| {
                let rows = (0..self.texts.len())
                    .filter(|&i| self.file_of_row.get(i).copied().unwrap_or(0) == f)
                    .collect();
                (self.files.get(f).unwrap_or(&self.path).clone(), rows)
            })
            .collect()
    }

    /// Each row's target: true where its label is `positive`.
    pub fn targets(&self, positive: &str) -> Vec<bool> {
        self.labels.iter().map(|l| l == positive).collect()
    }

    /// Rows per label, sorted by label.
    pub fn label_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for label in &self.labels {
            *counts.entry(label.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Checks that there are exactly two labels and that `positive` is one
    /// of them; returns the negative label.
    ///
    /// # Errors
    /// [`Error::Labels`] listing the labels found with their counts.
    pub fn check_two_classes(&self, positive: &str) -> Result<String> {
        let counts = self.label_counts();
        let listing = counts
            .iter()
            .map(|(l, n)| format!("{l:?} ({n})"))
            .collect::<Vec<_>>()
            .join(", ");
        let at = Location::new(&self.path, None);
        if counts.len() != 2 {
            return Err(Error::Labels {
                at,
                reason: format!("need exactly two labels, found {}: {listing}", counts.len()),
            });
        }
        if !counts.contains_key(positive) {
            return Err(Error::Labels {
                at,
                reason: format!("positive label {positive:?} not found; labels are {listing}"),
            });
        }
        Ok(counts
            .into_keys()
            .find(|l| l != positive)
            .expect("two labels"))
    }
}

impl LabeledData {
    /// Checks that at least one text is not blank: a model needs words.
    ///
    /// # Errors
    /// [`Error::Input`] naming the file.
    pub fn check_has_text(&self) -> Result<()> {
        if self.texts.iter().any(|t| !t.trim().is_empty()) {
            return Ok(());
        }
        Err(Error::Input {
            at: Location::new(&self.path, None),
            reason: format!(
                "every text is empty ({} rows): nothing to learn from; is the text column right?",
                self.texts.len()
            ),
        })
    }

    /// Checks that every label is `positive` or `negative` (test data may
    /// hold only one of them).
    ///
    /// # Errors
    /// [`Error::Labels`] listing the unexpected labels with their counts.
    pub fn check_labels_within(&self, positive: &str, negative: &str) -> Result<()> {
        let unexpected: Vec<String> = self
            .label_counts()
            .into_iter()
            .filter(|(l, _)| l != positive && l != negative)
            .map(|(l, n)| format!("{l:?} ({n})"))
            .collect();
        if unexpected.is_empty() {
            return Ok(());
        }
        Err(Error::Labels {
            at: Location::new(&self.path, None),
            reason: format!(
                "labels must be {positive:?} or {negative:?} (the model's), found {}",
                unexpected.join(", ")
            ),
        })
    }
}

/// Reads several labeled CSVs into one data set, in order. Columns are
/// matched by name in each file; every row remembers its file
/// ([`LabeledData::file_of`]).
///
/// # Errors
/// As [`read_labeled_csv`], for the first file that fails; also when no
/// path is given.
pub fn read_labeled_csvs(paths: &[PathBuf], options: &LabeledCsvOptions) -> Result<LabeledData> {
    let mut data = LabeledData::default();
    if paths.is_empty() {
        return Err(Error::Config("no input file given".into()));
    }
    for path in paths {
        data.append(read_labeled_csv(path, options)?);
    }
    Ok(data)
}

/// Parses `--label-map SRC=DST,SRC=DST` (e.g. `1=scam,0=legit` or
/// `迷惑=scam,正常=legit`).
///
/// # Errors
/// [`Error::Config`] for a pair without `=`, an empty side, or a source
/// label given twice.
pub fn parse_label_map(s: &str) -> Result<Vec<(String, String)>> {
    let mut map: Vec<(String, String)> = Vec::new();
    for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
        let (from, to) = pair.split_once('=').ok_or_else(|| {
            Error::Config(format!(
                "--label-map takes SOURCE=LABEL pairs separated by commas (e.g. 1=scam,0=legit), got {pair:?}"
            ))
        })?;
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() || to.is_empty() {
            return Err(Error::Config(format!(
                "--label-map: {pair:?} has an empty side"
            )));
        }
        if map.iter().any(|(f, _)| f == from) {
            return Err(Error::Config(format!("--label-map maps {from:?} twice")));
        }
        map.push((from.to_owned(), to.to_owned()));
    }
    if map.is_empty() {
        return Err(Error::Config(
            "--label-map is empty; give SOURCE=LABEL pairs, e.g. 1=scam,0=legit".into(),
        ));
    }
    Ok(map)
}

/// Where the columns a labeled CSV is read from are in its header.
struct LabeledColumns {
    text: usize,
    label: usize,
    group: Option<usize>,
    category: Option<usize>,
    id: Option<usize>,
}

impl LabeledColumns {
    /// Finds the columns `options` names in the header of `rows`; without
    /// a name, `category` and `id` are used when the header has them.
    fn locate(rows: &CsvRows, options: &LabeledCsvOptions) -> Result<LabeledColumns> {
        let named_or = |name: Option<&str>, flag: &str, default: &str| match name {
            Some(c) => rows.column_for(c, flag).map(Some),
            None => Ok(rows.headers().iter().position(|h| h == default)),
        };
        Ok(LabeledColumns {
            text: rows.column_for(&options.text_column, "--text-column")?,
            label: rows.column_for(&options.label_column, "--label-column")?,
            group: options
                .group_column
                .as_deref()
                .map(|g| rows.column_for(g, "--group-column"))
                .transpose()?,
            category: named_or(
                options.category_column.as_deref(),
                "--category-column",
                "category",
            )?,
            id: named_or(options.id_column.as_deref(), "--id-column", "id")?,
        })
    }
}

/// The label of a row as the data set keeps it: trimmed, then renamed by
/// `--label-map`.
///
/// # Errors
/// [`Error::EmptyLabel`] at `path`, `line` when the label is empty.
fn row_label(value: &str, options: &LabeledCsvOptions, path: &Path, line: u64) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::EmptyLabel {
            at: Location::new(path, Some(line)),
        });
    }
    let mapped = options
        .label_map
        .iter()
        .find(|(from, _)| from == value)
        .map_or(value, |(_, to)| to.as_str());
    Ok(mapped.to_owned())
}

impl LabeledData {
    /// Appends one row read from the file at index 0 of `files`; its
    /// fields are taken, not copied, where no other column reads them.
    fn push_row(
        &mut self,
        columns: &LabeledColumns,
        mut fields: Vec<String>,
        label: String,
        line: u64,
    ) {
        // Two options may name the same column (the group may be the
        // category, or even the text): every other column is copied, and
        // the text, taken last, is the only field moved out.
        if let (Some(ids), Some(i)) = (self.ids.as_mut(), columns.id) {
            ids.push(fields[i].clone());
        }
        if let (Some(groups), Some(g)) = (self.groups.as_mut(), columns.group) {
            groups.push(fields[g].clone());
        }
        if let (Some(categories), Some(c)) = (self.categories.as_mut(), columns.category) {
            categories.push(fields[c].clone());
        }
        self.texts.push(std::mem::take(&mut fields[columns.text]));
        self.labels.push(label);
        self.lines.push(line);
        self.file_of_row.push(0);
    }
}

/// Reads a whole labeled CSV (or TSV), stopping at the first malformed row.
/// Rows whose fields are all empty (what a spreadsheet writes after
/// cleared cells) are skipped like blank lines.
///
/// # Errors
/// Missing file or column, malformed row, empty label, bad encoding, or no rows.
pub fn read_labeled_csv(path: &Path, options: &LabeledCsvOptions) -> Result<LabeledData> {
    if options.text_column == options.label_column {
        return Err(Error::Config(format!(
            "the text column and the label column are both {:?}; name two different columns",
            options.text_column
        )));
    }
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| delimiter_for_path(path));
    let mut rows = CsvRows::open(Some(path), options.encoding, delimiter)?;
    let columns = LabeledColumns::locate(&rows, options)?;
    let mut data = LabeledData {
        path: display_path(Some(path)),
        files: vec![display_path(Some(path))],
        groups: columns.group.map(|_| Vec::new()),
        categories: columns.category.map(|_| Vec::new()),
        ids: columns.id.map(|_| Vec::new()),
        ..Default::default()
    };
    while let Some(row) = rows.next_row()? {
        let (line, fields) = match row {
            Row::Fields { line, fields } => (line, fields),
            // Blank lines carry no example (an Excel file may end in some).
            Row::Blank { .. } => continue,
            Row::Malformed { problem, .. } => {
                return Err(Error::Csv {
                    at: Location::new(&data.path, Some(problem.line)),
                    reason: problem.reason,
                });
            }
        };
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let label = row_label(&fields[columns.label], options, &data.path, line)?;
        if options.skip_labels.contains(&label) {
            *data.skipped.entry(label).or_insert(0) += 1;
            continue;
        }
        data.push_row(&columns, fields, label, line);
    }
    if data.texts.is_empty() {
        return Err(Error::Empty {
            at: Location::new(&data.path, None),
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_mark_the_positive_label() {
        let data = LabeledData {
            labels: vec!["scam".into(), "legit".into(), "scam".into()],
            ..Default::default()
        };
        assert_eq!(data.targets("scam"), [true, false, true]);
        assert_eq!(data.targets("legit"), [false, true, false]);
    }

    #[test]
    fn two_class_check_lists_labels() {
        let data = LabeledData {
            path: "d.csv".into(),
            labels: vec!["scam".into(), "ham".into(), "spam".into()],
            ..Default::default()
        };
        let err = data.check_two_classes("scam").unwrap_err().to_string();
        assert!(
            err.contains("\"ham\" (1)") && err.contains("found 3"),
            "{err}"
        );
    }

    #[test]
    fn unsure_rows_are_skipped_and_counted() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "text,label\nx,scam\ny,unsure\nz,legit\n").unwrap();
        std::fs::write(&b, "text,label\nw, unsure \nv,legit\n").unwrap();
        let data = read_labeled_csvs(&[a, b], &LabeledCsvOptions::default()).unwrap();
        assert_eq!(data.texts, ["x", "z", "v"]);
        assert_eq!(data.lines, [2, 4, 3]);
        assert_eq!(data.skipped["unsure"], 2);
        assert_eq!(data.skipped_text().unwrap(), "2 rows labeled \"unsure\"");
    }

    #[test]
    fn the_text_column_cannot_be_the_label_column() {
        let options = LabeledCsvOptions {
            text_column: "label".into(),
            ..Default::default()
        };
        let err = read_labeled_csv(Path::new("none.csv"), &options).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err}");
    }

    #[test]
    fn several_files_keep_their_rows_files_and_columns() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "text,label,category\nx,scam,c1\ny,legit,c2\n").unwrap();
        std::fs::write(&b, "label,id,text\nlegit,1,z\n").unwrap();
        let data =
            read_labeled_csvs(&[a.clone(), b.clone()], &LabeledCsvOptions::default()).unwrap();
        assert_eq!(data.texts, ["x", "y", "z"]);
        assert_eq!(data.labels, ["scam", "legit", "legit"]);
        assert_eq!(data.lines, [2, 3, 2]);
        assert_eq!(data.file_of(0), a.as_path());
        assert_eq!(data.file_of(2), b.as_path());
        assert_eq!(
            data.categories.as_deref().unwrap(),
            ["c1".to_owned(), "c2".to_owned(), String::new()]
        );
        let grouped = LabeledCsvOptions {
            group_column: Some("category".into()),
            ..Default::default()
        };
        let err = read_labeled_csvs(&[a, b.clone()], &grouped)
            .unwrap_err()
            .to_string();
        assert!(err.contains("b.csv") && err.contains("category"), "{err}");
    }

    #[test]
    fn labels_are_trimmed_then_mapped_and_an_empty_one_names_its_line() {
        let options = LabeledCsvOptions {
            label_map: vec![("1".into(), "scam".into())],
            ..Default::default()
        };
        let at = Path::new("d.csv");
        assert_eq!(row_label(" 1 ", &options, at, 2).unwrap(), "scam");
        assert_eq!(row_label("0", &options, at, 2).unwrap(), "0");
        let err = row_label(" \t", &options, at, 7).unwrap_err();
        assert!(matches!(err, Error::EmptyLabel { .. }), "{err}");
        assert!(err.to_string().contains("d.csv:7"), "{err}");
    }

    /// Category and id are used when the header has them; one column
    /// named as both id and group, group and category, or group and text
    /// gives each list its value.
    #[test]
    fn columns_are_found_by_name_and_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, "id,text,label,category,g\nr1,x,scam,c1,g1\n").unwrap();
        let data = read_labeled_csv(&path, &LabeledCsvOptions::default()).unwrap();
        assert_eq!(data.ids.as_deref().unwrap(), ["r1"]);
        assert_eq!(data.categories.as_deref().unwrap(), ["c1"]);
        assert!(data.groups.is_none());
        let shared = LabeledCsvOptions {
            group_column: Some("g".into()),
            id_column: Some("g".into()),
            ..Default::default()
        };
        let data = read_labeled_csv(&path, &shared).unwrap();
        assert_eq!(data.ids.as_deref().unwrap(), ["g1"]);
        assert_eq!(data.groups.as_deref().unwrap(), ["g1"]);
        assert_eq!(data.categories.as_deref().unwrap(), ["c1"]);
        // A group column that is also the category or the text column
        // leaves that column's own value in place.
        for (column, value) in [("category", "c1"), ("text", "x")] {
            let options = LabeledCsvOptions {
                group_column: Some(column.into()),
                ..Default::default()
            };
            let data = read_labeled_csv(&path, &options).unwrap();
            assert_eq!(data.groups.as_deref().unwrap(), [value], "{column}");
            assert_eq!(data.categories.as_deref().unwrap(), ["c1"], "{column}");
            assert_eq!(data.texts, ["x"], "{column}");
        }
    }
}
