//! The columns `predict` writes: the input's, then the ones it adds
//! ([`OutputColumn`]), each added one under a name no input column has
//! ([`OutputHeader`]).
//!
//! Every writer matches on [`OutputColumn`] without a wildcard, so a new
//! column does not compile until each writer has a value for it.

use std::collections::HashSet;

/// A column `predict` adds after the input's, in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputColumn {
    /// The label given to the row (empty when it was not scored).
    Label,
    /// P(positive label), when the row was scored.
    Probability,
    /// Something to know about the score ([`Note`](crate::predict::score::Note)).
    Note,
    /// Why the row was not scored.
    Error,
    /// The strongest contributions each way (only with `--explain`).
    Explanation,
}

impl OutputColumn {
    /// Every added column, in the order written.
    pub const ALL: [OutputColumn; 5] = [
        OutputColumn::Label,
        OutputColumn::Probability,
        OutputColumn::Note,
        OutputColumn::Error,
        OutputColumn::Explanation,
    ];

    /// The column's name when the input has no column of that name.
    pub fn name(self) -> &'static str {
        match self {
            OutputColumn::Label => "label",
            OutputColumn::Probability => "probability",
            OutputColumn::Note => "note",
            OutputColumn::Error => "error",
            OutputColumn::Explanation => "explanation",
        }
    }

    /// Whether a run writes this column; `explain`: explanations were asked for.
    fn is_written(self, explain: bool) -> bool {
        match self {
            OutputColumn::Label
            | OutputColumn::Probability
            | OutputColumn::Note
            | OutputColumn::Error => true,
            OutputColumn::Explanation => explain,
        }
    }
}

/// The header of the output: the input's columns, then each added column
/// under the first free name (`label`, else `predicted_label`, else
/// `predicted_label_2`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputHeader {
    /// Every column's name, the input's first.
    names: Vec<String>,
    /// The added columns, in order; their names end `names`.
    added: Vec<OutputColumn>,
}

impl OutputHeader {
    /// The header for `input` columns; the explanation column is added
    /// when `explain` is set. Names are looked up in a hash set, so a
    /// header holding thousands of `predicted_label_N` names takes linear
    /// time, not quadratic.
    pub fn new(input: &[String], explain: bool) -> OutputHeader {
        let added: Vec<OutputColumn> = OutputColumn::ALL
            .into_iter()
            .filter(|column| column.is_written(explain))
            .collect();
        let mut names = input.to_vec();
        let mut taken: HashSet<String> = input.iter().cloned().collect();
        for column in &added {
            let base = column.name();
            let name = std::iter::once(base.to_owned())
                .chain(std::iter::once(format!("predicted_{base}")))
                .chain((2..).map(|i| format!("predicted_{base}_{i}")))
                .find(|candidate| !taken.contains(candidate))
                .expect("an unbounded list of names has a free one");
            taken.insert(name.clone());
            names.push(name);
        }
        OutputHeader { names, added }
    }

    /// Every column's name, in order: the input's, then the added ones.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// How many columns come from the input.
    pub fn input_width(&self) -> usize {
        self.names.len() - self.added.len()
    }

    /// The added columns, in order.
    pub fn added(&self) -> &[OutputColumn] {
        &self.added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn all_lists_each_column_once_in_declaration_order() {
        for (i, column) in OutputColumn::ALL.into_iter().enumerate() {
            assert_eq!(column as usize, i, "{column:?} is out of place in ALL");
        }
        let names: HashSet<&str> = OutputColumn::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), OutputColumn::ALL.len(), "names are unique");
    }

    #[test]
    fn the_explanation_column_is_added_only_when_asked_for() {
        let input = strings(&["text"]);
        let plain = OutputHeader::new(&input, false);
        assert_eq!(
            plain.names(),
            strings(&["text", "label", "probability", "note", "error"])
        );
        assert_eq!(plain.input_width(), 1);
        assert!(!plain.added().contains(&OutputColumn::Explanation));
        let explained = OutputHeader::new(&input, true);
        assert_eq!(explained.names()[5], "explanation");
        assert_eq!(explained.added(), OutputColumn::ALL);
    }

    #[test]
    fn added_columns_take_the_first_free_name() {
        let input = strings(&["label", "predicted_label"]);
        let header = OutputHeader::new(&input, false);
        assert_eq!(
            header.names()[2..],
            ["predicted_label_2", "probability", "note", "error"]
        );
    }

    #[test]
    fn every_added_column_is_renamed_on_a_clash_and_names_stay_unique() {
        let input = strings(&["note", "predicted_explanation", "explanation", "error"]);
        let header = OutputHeader::new(&input, true);
        assert_eq!(
            header.names()[4..],
            [
                "label",
                "probability",
                "predicted_note",
                "predicted_error",
                "predicted_explanation_2"
            ]
        );
        assert_eq!(header.input_width(), 4);
        let unique: HashSet<&String> = header.names().iter().collect();
        assert_eq!(unique.len(), header.names().len());
    }

    /// Issue 20, N65: a header full of the names the added columns would
    /// take; the next free one is found (the set keeps this linear).
    #[test]
    fn added_columns_skip_a_crowded_header() {
        let mut input = strings(&["label", "predicted_label"]);
        input.extend((2..20_000).map(|i| format!("predicted_label_{i}")));
        let header = OutputHeader::new(&input, false);
        assert_eq!(header.names()[input.len()], "predicted_label_20000");
        assert_eq!(header.names().len(), input.len() + 4);
    }
}
