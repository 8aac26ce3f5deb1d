//! Folds: which data rows a fit trains on and which it scores. Every fit of
//! training and evaluation (held-out split, threshold folds, cross-validation
//! folds, the final fit) is a [`Fold`], fitted by
//! `TrainingRows::fit_folds` on the thread pool.

/// One fit's data rows: it trains on `train` (the always-train rows are
/// added by the fit) and scores `test`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fold {
    /// Data rows on the training side, in ascending order.
    pub train: Vec<usize>,
    /// Rows scored by the fit.
    pub test: Vec<usize>,
}

/// The folds of a fold assignment, in fold order (in the spirit of linfa's
/// `iter_fold`): `assignment[j]` is the fold of `rows[j]`, and fold `f` tests
/// the rows assigned `f` and trains on the others, both in `rows`' order.
/// Folds without rows are yielded too; the number of folds is the highest
/// assigned fold plus one.
pub fn iter_folds<'a>(
    rows: &'a [usize],
    assignment: &'a [usize],
) -> impl Iterator<Item = Fold> + 'a {
    let k = assignment.iter().copied().max().map_or(0, |m| m + 1);
    (0..k).map(move |fold| {
        let mut split = Fold::default();
        for (&row, &f) in rows.iter().zip(assignment) {
            if f == fold {
                split.test.push(row);
            } else {
                split.train.push(row);
            }
        }
        split
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_tested_once_and_trained_on_elsewhere() {
        let rows = [3, 5, 8, 9, 12];
        let folds: Vec<Fold> = iter_folds(&rows, &[1, 0, 1, 2, 0]).collect();
        assert_eq!(folds.len(), 3);
        assert_eq!(folds[0].test, [5, 12]);
        assert_eq!(folds[0].train, [3, 8, 9]);
        assert_eq!(folds[1].test, [3, 8]);
        assert_eq!(folds[2].test, [9]);
        assert_eq!(folds[2].train, [3, 5, 8, 12]);
        assert_eq!(iter_folds(&[], &[]).count(), 0);
    }
}
