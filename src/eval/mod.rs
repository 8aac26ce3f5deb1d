//! Accuracy evaluation: cross-validation (stratified, optionally grouped)
//! and train/test evaluation, with per-category rates and the worst errors.
#![doc(hidden)]

pub mod report;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::LabeledData;
use crate::error::{Error, Location, Result};
use crate::metrics::{self, CurvePoint, ReliabilityBin, Summary};
use crate::model::Model;
use crate::train::{TrainOptions, stratified_folds};

/// Positive-label rate within one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRate {
    /// Category name.
    pub category: String,
    /// Rows in the category.
    pub rows: usize,
    /// Rows whose true label is positive.
    pub positives: usize,
    /// Rows flagged positive at the threshold.
    pub flagged: usize,
    /// Recall over the positive rows (if any).
    pub recall: Option<f64>,
    /// False-positive rate over the negative rows (if any).
    pub false_positive_rate: Option<f64>,
}

/// A misclassified message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The input file (when rows came from more than one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Line in the input file.
    pub line: u64,
    /// P(positive).
    pub score: f64,
    /// Category, when known.
    pub category: Option<String>,
    /// The message.
    pub text: String,
}

/// Everything an evaluation reports.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// What was evaluated, in words.
    pub protocol: String,
    /// Positive label.
    pub positive_label: String,
    /// Headline metrics at the threshold.
    pub summary: Summary,
    /// The threshold fitted inside each cross-validation fold, when the
    /// protocol fits one (then `summary.threshold` is their median and each
    /// row is decided at its own fold's threshold).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fold_thresholds: Vec<f64>,
    /// Rates per input file, when rows came from more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<CategoryRate>,
    /// Calibration table.
    pub reliability: Vec<ReliabilityBin>,
    /// Per-category rates.
    pub categories: Vec<CategoryRate>,
    /// Negatives with the highest scores.
    pub worst_false_positives: Vec<Example>,
    /// Positives with the lowest scores.
    pub worst_false_negatives: Vec<Example>,
    /// The ROC curve (skipped in JSON output).
    #[serde(skip)]
    pub roc: Vec<CurvePoint>,
    /// True labels (skipped in JSON output).
    #[serde(skip)]
    pub truth: Vec<bool>,
    /// Scores (skipped in JSON output).
    #[serde(skip)]
    pub scores: Vec<f64>,
}

impl Evaluation {
    /// Computes every metric for `scores` on `data`.
    pub fn new(
        data: &LabeledData,
        positive_label: &str,
        scores: Vec<f64>,
        threshold: f64,
        protocol: String,
    ) -> Self {
        Self::build(
            data,
            positive_label,
            scores,
            (threshold, Vec::new(), Vec::new()),
            protocol,
        )
    }

    /// Computes every metric for out-of-fold `scores` where row `i` is
    /// decided at `fold_thresholds[folds[i]]`, its own fold's threshold.
    pub fn with_fold_thresholds(
        data: &LabeledData,
        positive_label: &str,
        scores: Vec<f64>,
        folds: &[usize],
        fold_thresholds: Vec<f64>,
        protocol: String,
    ) -> Self {
        let mut sorted = fold_thresholds.clone();
        sorted.sort_by(f64::total_cmp);
        let median = match sorted.len() {
            0 => 0.5,
            n if n % 2 == 1 => sorted[n / 2],
            n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
        };
        let per_row = folds.iter().map(|&f| fold_thresholds[f]).collect();
        Self::build(
            data,
            positive_label,
            scores,
            (median, per_row, fold_thresholds),
            protocol,
        )
    }

    fn build(
        data: &LabeledData,
        positive_label: &str,
        scores: Vec<f64>,
        (threshold, per_row, fold_thresholds): (f64, Vec<f64>, Vec<f64>),
        protocol: String,
    ) -> Self {
        let truth = data.targets(positive_label);
        let threshold_of = |i: usize| per_row.get(i).copied().unwrap_or(threshold);
        let flagged = |i: usize| scores[i] >= threshold_of(i);
        let confusion = crate::metrics::Confusion::at_each(&truth, &scores, threshold_of);
        let summary = Summary::from_confusion(&truth, &scores, threshold, confusion);
        let rates_by = |key: &dyn Fn(usize) -> String| {
            let mut by: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
            for (i, &t) in truth.iter().enumerate() {
                let e = by.entry(key(i)).or_default();
                e.0 += 1;
                e.1 += usize::from(t);
                e.2 += usize::from(flagged(i) && t);
                e.3 += usize::from(flagged(i) && !t);
            }
            by.into_iter()
                .map(|(c, (rows, positives, tp, fp))| {
                    let negatives = rows - positives;
                    CategoryRate {
                        category: c,
                        rows,
                        positives,
                        flagged: tp + fp,
                        recall: (positives > 0).then(|| tp as f64 / positives as f64),
                        false_positive_rate: (negatives > 0).then(|| fp as f64 / negatives as f64),
                    }
                })
                .collect::<Vec<_>>()
        };
        let categories = match &data.categories {
            Some(cats) => rates_by(&|i| cats[i].clone()),
            None => Vec::new(),
        };
        let files = if data.files.len() > 1 {
            rates_by(&|i| data.file_of(i).display().to_string())
        } else {
            Vec::new()
        };
        let example = |i: usize| Example {
            file: (data.files.len() > 1).then(|| data.file_of(i).display().to_string()),
            line: data.lines.get(i).copied().unwrap_or(0),
            score: scores[i],
            category: data.categories.as_ref().map(|c| c[i].clone()),
            text: data.texts[i].clone(),
        };
        let mut negatives: Vec<usize> = (0..truth.len())
            .filter(|&i| !truth[i] && flagged(i))
            .collect();
        negatives.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let mut positives: Vec<usize> = (0..truth.len())
            .filter(|&i| truth[i] && !flagged(i))
            .collect();
        positives.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
        Evaluation {
            protocol,
            positive_label: positive_label.to_owned(),
            reliability: metrics::reliability(&truth, &scores, 10),
            roc: metrics::roc_curve(&truth, &scores),
            categories,
            files,
            fold_thresholds,
            worst_false_positives: negatives.into_iter().take(10).map(example).collect(),
            worst_false_negatives: positives.into_iter().take(10).map(example).collect(),
            summary,
            truth,
            scores,
        }
    }

    /// The threshold in words: the fixed one, or the ones fitted per fold
    /// with their median.
    pub fn threshold_text(&self) -> String {
        if self.fold_thresholds.is_empty() {
            return self.summary.threshold.to_string();
        }
        let each: Vec<String> = self
            .fold_thresholds
            .iter()
            .map(|t| format!("{t:.4}"))
            .collect();
        format!(
            "fitted inside each fold: {} (median {:.4})",
            each.join(", "),
            self.summary.threshold
        )
    }
}

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
/// rows (grouped by `data.groups` when `grouped`), with every row of
/// `also_train` on each fold's training side and never evaluated.
/// Everything fitted — vocabulary, weights and, for a threshold rule, the
/// threshold (by inner cross-validation on the fold's training side) — sees
/// only the fold's training side.
///
/// # Errors
/// Label problems, invalid settings or solver failure.
pub fn cross_validate(
    data: &LabeledData,
    also_train: Option<&LabeledData>,
    options: &TrainOptions,
    k: usize,
    grouped: bool,
) -> Result<CrossValidation> {
    cross_validate_unnamed(data, also_train, options, k, grouped).map_err(|e| e.in_file(&data.path))
}

fn cross_validate_unnamed(
    data: &LabeledData,
    also_train: Option<&LabeledData>,
    options: &TrainOptions,
    k: usize,
    grouped: bool,
) -> Result<CrossValidation> {
    options.check_settings()?;
    let negative = data.check_two_classes(&options.positive_label)?;
    if let Some(also) = also_train {
        also.check_labels_within(&options.positive_label, &negative)?;
    }
    let (training_rows, _) = options.prepare(data, also_train)?;
    let n = data.texts.len();
    let groups = if grouped {
        data.groups.as_deref()
    } else {
        None
    };
    data.check_has_text()?;
    let folds = stratified_folds(&training_rows.positive[..n], k, options.seed, groups);
    let mut also_labels = [false; 2];
    for &p in &training_rows.positive[n..] {
        also_labels[usize::from(p)] = true;
    }
    check_folds(data, &training_rows.positive[..n], &folds, also_labels)?;
    check_no_empty_fold(data, &folds, k.max(2), groups)?;
    let always: Vec<usize> = (n..training_rows.docs.len()).collect();
    let mut scores = vec![f64::NAN; n];
    let mut thresholds = Vec::with_capacity(k);
    for fold in 0..k.max(2) {
        let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| folds[i] == fold);
        if test.is_empty() {
            thresholds.push(f64::NAN);
            continue;
        }
        let threshold = training_rows.choose_threshold(
            options.threshold,
            &train,
            &always,
            groups,
            options.threshold_folds,
            options.seed,
            &options.features,
            &options.fit,
        )?;
        let mut train_side = train;
        train_side.extend_from_slice(&always);
        let (vocabulary, weights) =
            training_rows.fit(&train_side, &options.features, &options.fit)?;
        for (&i, s) in test
            .iter()
            .zip(training_rows.score(&test, &vocabulary, &weights))
        {
            scores[i] = s;
        }
        thresholds.push(threshold);
    }
    Ok(CrossValidation {
        scores,
        folds,
        thresholds,
    })
}

/// Checks that each of the `k` folds has rows to test: with more folds
/// than rows (or groups) some are empty, and their metrics would be NaN.
fn check_no_empty_fold(
    data: &LabeledData,
    folds: &[usize],
    k: usize,
    groups: Option<&[String]>,
) -> Result<()> {
    let mut used = vec![false; k];
    for &f in folds {
        used[f] = true;
    }
    let empty = used.iter().filter(|&&u| !u).count();
    if empty == 0 {
        return Ok(());
    }
    let units = match groups {
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
