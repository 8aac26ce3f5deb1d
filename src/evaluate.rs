//! Accuracy evaluation: cross-validation (stratified, optionally grouped)
//! and train/test evaluation, with per-category rates and the worst errors.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::io::LabeledData;
use crate::metrics::{self, CurvePoint, ReliabilityBin, Summary};
use crate::model::Model;
use crate::trainer::{Prepared, TrainOptions, stratified_folds};

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
        let truth: Vec<bool> = data.labels.iter().map(|l| l == positive_label).collect();
        let summary = Summary::compute(&truth, &scores, threshold);
        let mut categories = Vec::new();
        if let Some(cats) = &data.categories {
            let mut by: BTreeMap<&str, (usize, usize, usize, usize)> = BTreeMap::new();
            for ((c, &t), &s) in cats.iter().zip(&truth).zip(&scores) {
                let e = by.entry(c.as_str()).or_default();
                e.0 += 1;
                e.1 += usize::from(t);
                let flagged = s >= threshold;
                e.2 += usize::from(flagged && t);
                e.3 += usize::from(flagged && !t);
            }
            for (c, (rows, positives, tp, fp)) in by {
                let negatives = rows - positives;
                categories.push(CategoryRate {
                    category: c.to_owned(),
                    rows,
                    positives,
                    flagged: tp + fp,
                    recall: (positives > 0).then(|| tp as f64 / positives as f64),
                    false_positive_rate: (negatives > 0).then(|| fp as f64 / negatives as f64),
                });
            }
        }
        let example = |i: usize| Example {
            line: data.lines.get(i).copied().unwrap_or(0),
            score: scores[i],
            category: data.categories.as_ref().map(|c| c[i].clone()),
            text: data.texts[i].clone(),
        };
        let mut negatives: Vec<usize> = (0..truth.len())
            .filter(|&i| !truth[i] && scores[i] >= threshold)
            .collect();
        negatives.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let mut positives: Vec<usize> = (0..truth.len())
            .filter(|&i| truth[i] && scores[i] < threshold)
            .collect();
        positives.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
        Evaluation {
            protocol,
            positive_label: positive_label.to_owned(),
            reliability: metrics::reliability(&truth, &scores, 10),
            roc: metrics::roc_curve(&truth, &scores),
            categories,
            worst_false_positives: negatives.into_iter().take(10).map(example).collect(),
            worst_false_negatives: positives.into_iter().take(10).map(example).collect(),
            summary,
            truth,
            scores,
        }
    }

    /// A plain-text report.
    pub fn to_text(&self) -> String {
        let na = |v: f64| {
            if v.is_nan() {
                "n/a (one class only)".to_owned()
            } else {
                format!("{v:.4}")
            }
        };
        use std::fmt::Write;
        let s = &self.summary;
        let c = s.confusion;
        let mut out = String::new();
        let _ = writeln!(out, "protocol:        {}", self.protocol);
        let _ = writeln!(
            out,
            "rows:            {} ({} {}, {} other)",
            s.rows,
            c.tp + c.fn_,
            self.positive_label,
            c.tn + c.fp
        );
        let _ = writeln!(out, "threshold:       {}", s.threshold);
        let _ = writeln!(out, "accuracy:        {}", na(s.accuracy));
        let _ = writeln!(out, "precision:       {}", na(s.precision));
        let _ = writeln!(out, "recall:          {}", na(s.recall));
        let _ = writeln!(out, "F1:              {}", na(s.f1));
        let _ = writeln!(out, "MCC:             {}", na(s.mcc));
        let _ = writeln!(out, "ROC-AUC:         {}", na(s.roc_auc));
        let _ = writeln!(out, "PR-AUC (AP):     {}", na(s.pr_auc));
        let _ = writeln!(out, "recall@FPR<=1%:  {}", na(s.recall_at_fpr_1pct));
        let _ = writeln!(out, "recall@FPR<=0.1%: {}", na(s.recall_at_fpr_01pct));
        let _ = writeln!(out, "Brier:           {}", na(s.brier));
        let _ = writeln!(out, "confusion:       truth\\pred  negative  positive");
        let _ = writeln!(out, "                 negative   {:>8}  {:>8}", c.tn, c.fp);
        let _ = writeln!(out, "                 positive   {:>8}  {:>8}", c.fn_, c.tp);
        let _ = writeln!(out, "calibration:     bin  rows  mean-predicted  observed");
        for b in self.reliability.iter().filter(|b| b.rows > 0) {
            let _ = writeln!(
                out,
                "                 {:.1}-{:.1} {:>5}  {:>14.3}  {:>8.3}",
                b.low, b.high, b.rows, b.mean_predicted, b.observed
            );
        }
        if !self.categories.is_empty() {
            let _ = writeln!(
                out,
                "per category:    category  rows  recall  false-positive-rate"
            );
            for r in &self.categories {
                let fmt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
                let _ = writeln!(
                    out,
                    "                 {}  {}  {}  {}",
                    r.category,
                    r.rows,
                    fmt(r.recall),
                    fmt(r.false_positive_rate)
                );
            }
        }
        for (title, list) in [
            ("worst false positives", &self.worst_false_positives),
            ("worst false negatives", &self.worst_false_negatives),
        ] {
            let _ = writeln!(out, "{title}:");
            for e in list {
                let text: String = e
                    .text
                    .chars()
                    .take(100)
                    .collect::<String>()
                    .replace('\n', " ");
                let _ = writeln!(
                    out,
                    "  line {:>5}  {:.3}  {}  {}",
                    e.line,
                    e.score,
                    e.category.as_deref().unwrap_or(""),
                    text
                );
            }
        }
        out
    }
}

/// Cross-validated scores: `k` stratified folds (grouped when `groups` is
/// given); returns the out-of-fold scores and the fold of every row.
///
/// # Errors
/// Label problems, invalid settings or solver failure.
pub fn cross_validate(
    data: &LabeledData,
    options: &TrainOptions,
    k: usize,
    seed: u64,
    grouped: bool,
) -> Result<(Vec<f64>, Vec<usize>)> {
    data.check_two_classes(&options.positive_label)?;
    let positive: Vec<bool> = data
        .labels
        .iter()
        .map(|l| *l == options.positive_label)
        .collect();
    let groups = if grouped {
        data.groups.as_deref()
    } else {
        None
    };
    data.check_has_text()?;
    let folds = stratified_folds(&positive, k, seed, groups);
    check_folds(data, &positive, &folds)?;
    let prepared = Prepared::new(&data.texts, positive, &options.features)?;
    let scores = prepared.cross_validate(&folds, &options.features, &options.fit)?;
    Ok((scores, folds))
}

/// Checks that every fold leaves training rows of both labels (grouped
/// folds may not: one group, or all of one label in one group).
fn check_folds(data: &LabeledData, positive: &[bool], folds: &[usize]) -> Result<()> {
    let k = folds.iter().copied().max().map_or(0, |m| m + 1);
    for fold in 0..k {
        let mut seen = [false; 2];
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
    use rayon::prelude::*;
    data.texts
        .par_chunks(256)
        .map(|chunk| {
            let mut scorer = model.scorer()?;
            chunk
                .iter()
                .map(|t| scorer.score(t).map(|s| s.probability))
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<Vec<Vec<f64>>>>()
        .map(|v| v.concat())
}
