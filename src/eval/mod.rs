//! Accuracy evaluation: cross-validation (stratified, optionally grouped)
//! and train/test evaluation, with per-category rates and the worst errors.

mod evaluation;
pub mod report;

use rayon::prelude::*;

use crate::data::LabeledData;
use crate::error::{Error, Location, Result};
use crate::model::Model;
use crate::train::{FittedFold, Fold, TrainOptions, iter_folds};

pub use evaluation::{
    CategoryRate, DataFile, Evaluation, Example, FalsePositiveTarget, FoldMetrics, ModelIdentity,
    OperatingPoint, RunInfo, Spread,
};

/// Out-of-fold scores of a cross-validation, and what was fitted per fold.
#[derive(Debug, Clone)]
pub struct CrossValidation {
    /// P(positive) of every row of the evaluated data, from the model of
    /// the fold that did not see it.
    pub scores: Vec<f64>,
    /// Fold of every row.
    pub folds: Vec<usize>,
    /// The decision threshold fitted on each fold's training side (the
    /// fixed threshold for every fold when the rule is fixed).
    pub thresholds: Vec<f64>,
}

/// Cross-validates `options` on `data`: `k` stratified folds over `data`'s
/// rows (grouped by `data.groups` when present), with every row of
/// `also_train` on each fold's training side and never evaluated.
/// Everything fitted — vocabulary, weights and, for a threshold rule, the
/// threshold (by inner cross-validation on the fold's training side) — sees
/// only the fold's training side. The folds run on the thread pool.
///
/// # Errors
/// Label problems, invalid settings or solver failure.
pub fn cross_validate(
    data: &LabeledData,
    also_train: Option<&LabeledData>,
    options: &TrainOptions,
    k: usize,
) -> Result<CrossValidation> {
    cross_validate_unnamed(data, also_train, options, k).map_err(|e| e.in_file(&data.path))
}

fn cross_validate_unnamed(
    data: &LabeledData,
    also_train: Option<&LabeledData>,
    options: &TrainOptions,
    k: usize,
) -> Result<CrossValidation> {
    options.check()?;
    let negative = data.check_two_classes(&options.positive_label)?;
    if let Some(also) = also_train {
        also.check_labels_within(&options.positive_label, &negative)?;
    }
    let (training_rows, _) = options.prepare(data, also_train)?;
    let n = training_rows.n_data;
    data.check_has_text()?;
    let rows: Vec<usize> = (0..n).collect();
    let folds = training_rows.assign_folds(&rows, k, options.seed);
    let mut also_labels = [false; 2];
    for &p in &training_rows.positive[n..] {
        also_labels[usize::from(p)] = true;
    }
    check_folds(data, &training_rows.positive[..n], &folds, also_labels)?;
    check_no_empty_fold(data, &folds, k.max(2))?;
    let outer: Vec<Fold> = iter_folds(&rows, &folds).collect();
    // Each fold chooses its threshold on its own training side while it
    // fits; results are collected in fold order.
    let fitted: Vec<Result<(f64, FittedFold)>> = outer
        .par_iter()
        .map(|fold| {
            let (threshold, fit) = rayon::join(
                || options.choose_threshold(&training_rows, &fold.train),
                || training_rows.fit_fold(fold, &options.features, &options.fit),
            );
            Ok((threshold?, fit?))
        })
        .collect();
    let mut thresholds = Vec::with_capacity(outer.len());
    let mut fits = Vec::with_capacity(outer.len());
    for result in fitted {
        let (threshold, fit) = result?;
        thresholds.push(threshold);
        fits.push(fit);
    }
    Ok(CrossValidation {
        scores: training_rows.out_of_fold(&rows, &outer, &fits),
        folds,
        thresholds,
    })
}

/// Checks that each of the `k` folds has rows to test: with more folds
/// than rows (or groups) some are empty, and their metrics would be NaN.
fn check_no_empty_fold(data: &LabeledData, folds: &[usize], k: usize) -> Result<()> {
    let mut used = vec![false; k];
    for &f in folds {
        used[f] = true;
    }
    let empty = used.iter().filter(|&&u| !u).count();
    if empty == 0 {
        return Ok(());
    }
    let units = match data.groups.as_deref() {
        Some(g) => {
            let distinct = g.iter().collect::<std::collections::BTreeSet<_>>().len();
            format!("{} rows in {distinct} groups", folds.len())
        }
        None => format!("{} rows", folds.len()),
    };
    Err(Error::Input {
        at: Location::new(&data.path, None),
        reason: format!(
            "{k} folds leave {empty} of them without rows ({units}); use --k {} or fewer",
            k - empty
        ),
    })
}

/// Checks that every fold leaves training rows of both labels (grouped
/// folds may not: one group, or all of one label in one group), counting
/// the labels of the always-train rows (`also_labels`).
fn check_folds(
    data: &LabeledData,
    positive: &[bool],
    folds: &[usize],
    also_labels: [bool; 2],
) -> Result<()> {
    let k = folds.iter().copied().max().map_or(0, |m| m + 1);
    for fold in 0..k {
        let mut seen = also_labels;
        for (&f, &p) in folds.iter().zip(positive) {
            if f != fold {
                seen[usize::from(p)] = true;
            }
        }
        if seen != [true, true] {
            let groups = data
                .groups
                .as_ref()
                .map(|g| g.iter().collect::<std::collections::BTreeSet<_>>().len());
            let reason = match groups {
                Some(1) => "every row has the same group value: grouped cross-validation needs at least 2 groups".to_owned(),
                Some(n) => format!(
                    "the {n} groups cannot be split into folds that each leave training rows of both labels; use fewer folds (--k) or more groups"
                ),
                None => "a fold leaves training rows of only one label; use fewer folds (--k)".to_owned(),
            };
            return Err(Error::Input {
                at: Location::new(&data.path, None),
                reason,
            });
        }
    }
    Ok(())
}

/// Scores every row of `data` with `model`, in parallel.
///
/// # Errors
/// Tokenizer failure.
pub fn score_with_model(model: &Model, data: &LabeledData) -> Result<Vec<f64>> {
    crate::model::ScorerPool::new(model)?.probabilities(&data.texts)
}
