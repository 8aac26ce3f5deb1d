//! What an evaluation reports: the metrics of scored labeled rows (pooled,
//! per fold, per category and file), the threshold table and the worst errors.

use std::collections::BTreeMap;

use serde::Serialize;

use super::CrossValidation;
use crate::data::LabeledData;
use crate::metrics::{self, CurvePoint, Metric, MetricValues, ReliabilityBin, Summary};

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

/// Version of the evaluation's JSON layout (and of `report.md`); raised
/// whenever a key is renamed or removed.
pub const REPORT_SCHEMA: u32 = 2;

/// What produced an evaluation, for CI logs and audits: filled in by the
/// binary that runs it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunInfo {
    /// The command line, arguments quoted where needed.
    pub command_line: String,
    /// jscam version.
    pub jscam_version: String,
    /// Git commit the binary was built from ("unknown" outside a checkout).
    pub commit: String,
    /// The model evaluated (for a model given or embedded).
    pub model: Option<ModelIdentity>,
    /// Every data file read, with its SHA-256.
    pub data_files: Vec<DataFile>,
    /// Warnings about the run (also printed on stderr unless quiet).
    pub warnings: Vec<String>,
}

/// Which model was evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct ModelIdentity {
    /// The model file as given, or `embedded`.
    pub source: String,
    /// SHA-256 of the model file's bytes.
    pub sha256: String,
    /// Day it was trained.
    pub trained: String,
    /// Rows it was trained on.
    pub training_rows: usize,
    /// SHA-256 of its training (text, label) pairs.
    pub training_data_sha256: String,
}

/// One data file an evaluation read.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    /// The path as given.
    pub path: String,
    /// What it was used for: `evaluated`, `training`, `also-train`.
    pub role: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// Precision, recall and false-positive rate at one threshold. A rate that
/// is undefined (nothing flagged, no positives, no negatives) is `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// Messages with P(positive) at or above this are flagged.
    pub threshold: f64,
    /// Share of flagged messages that are positive.
    pub precision: Option<f64>,
    /// Share of positive messages flagged.
    pub recall: Option<f64>,
    /// Share of negative messages flagged.
    pub false_positive_rate: Option<f64>,
    /// Share of all messages flagged.
    pub share_flagged: Option<f64>,
    /// Why this threshold is listed besides the grid: `model threshold`,
    /// `false-positive rate <= 1%`, …
    pub marks: Vec<String>,
}

impl OperatingPoint {
    /// The rates at `threshold` (pooled over every row).
    pub fn at(truth: &[bool], scores: &[f64], threshold: f64) -> Self {
        let c = crate::metrics::Confusion::at(truth, scores, threshold);
        let rate = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
        OperatingPoint {
            threshold,
            precision: rate(c.tp, c.tp + c.fp),
            recall: rate(c.tp, c.tp + c.fn_),
            false_positive_rate: rate(c.fp, c.fp + c.tn),
            share_flagged: rate(c.tp + c.fp, c.total()),
            marks: Vec::new(),
        }
    }
}

/// The threshold that reaches a false-positive budget.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FalsePositiveTarget {
    /// The budget: at most this share of negatives flagged.
    pub max_false_positive_rate: f64,
    /// The lowest threshold (most recall) within the budget and its rates;
    /// `None` when the rows have no negatives (or no usable threshold).
    pub point: Option<OperatingPoint>,
}

/// The false-positive budgets every evaluation reports a threshold for.
pub const FALSE_POSITIVE_BUDGETS: [f64; 2] = [0.01, 0.001];

/// Thresholds every evaluation's table lists.
const THRESHOLD_GRID: [f64; 12] = [
    0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99,
];

/// Metrics of one cross-validation fold (decided at its own threshold).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoldMetrics {
    /// 0-based fold.
    pub fold: usize,
    /// Rows in the fold.
    pub rows: usize,
    /// Positive rows in the fold.
    pub positives: usize,
    /// The threshold fitted on the fold's training side.
    pub threshold: f64,
    /// Precision (NaN/`null` when nothing is flagged).
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// False-positive rate.
    pub false_positive_rate: f64,
    /// F1.
    pub f1: f64,
    /// ROC-AUC.
    pub roc_auc: f64,
    /// Average precision.
    pub average_precision: f64,
}

impl MetricValues for FoldMetrics {
    /// The fold's value of each of [`Metric::PER_FOLD`]; NaN for the others.
    fn value(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Precision => self.precision,
            Metric::Recall => self.recall,
            Metric::FalsePositiveRate => self.false_positive_rate,
            Metric::F1 => self.f1,
            Metric::RocAuc => self.roc_auc,
            Metric::AveragePrecision => self.average_precision,
            _ => f64::NAN,
        }
    }
}

/// Mean and standard deviation of one metric over the folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// The metric.
    pub metric: String,
    /// Mean over the folds where it is defined.
    pub mean: f64,
    /// Sample standard deviation (n − 1) over those folds.
    pub standard_deviation: f64,
    /// Folds where it is defined.
    pub folds: usize,
}

/// A misclassified message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The input file.
    pub file: String,
    /// Line in the input file.
    pub line: u64,
    /// The row's id, when the data has an id column.
    pub id: Option<String>,
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
    /// Version of this layout ([`REPORT_SCHEMA`]).
    pub schema: u32,
    /// What produced it.
    pub run: RunInfo,
    /// What was evaluated, in words.
    pub protocol: String,
    /// Positive label.
    pub positive_label: String,
    /// The other label (the most common one that is not positive), when
    /// the rows have one.
    pub negative_label: Option<String>,
    /// Headline metrics at the threshold.
    pub summary: Summary,
    /// Precision, recall, false-positive rate and share flagged on a grid
    /// of thresholds, with the model's threshold and those of
    /// `false_positive_targets` marked; strictest first.
    pub thresholds: Vec<OperatingPoint>,
    /// The thresholds that keep the false-positive rate at or below 1% and 0.1%.
    pub false_positive_targets: Vec<FalsePositiveTarget>,
    /// Metrics of each cross-validation fold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<FoldMetrics>,
    /// Mean and standard deviation of the fold metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fold_spread: Vec<Spread>,
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
    /// Fold of each row, for cross-validation (skipped in JSON output).
    #[serde(skip)]
    pub row_folds: Vec<usize>,
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

    /// Computes every metric for the out-of-fold scores of `cv`, a
    /// cross-validation of `data`, each row decided at its own fold's
    /// threshold.
    pub fn from_cross_validation(
        data: &LabeledData,
        positive_label: &str,
        cv: CrossValidation,
        protocol: String,
    ) -> Self {
        Self::with_fold_thresholds(
            data,
            positive_label,
            cv.scores,
            &cv.folds,
            cv.thresholds,
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
        let mut evaluation = Self::build(
            data,
            positive_label,
            scores,
            (median, per_row, fold_thresholds),
            protocol,
        );
        evaluation.row_folds = folds.to_vec();
        evaluation.folds = (0..evaluation.fold_thresholds.len())
            .filter_map(|fold| evaluation.fold_metrics(fold))
            .collect();
        evaluation.fold_spread = spread(&evaluation.folds);
        evaluation
    }

    /// Metrics of one fold at its own threshold; `None` for an empty fold.
    fn fold_metrics(&self, fold: usize) -> Option<FoldMetrics> {
        let rows: Vec<usize> = (0..self.truth.len())
            .filter(|&i| self.row_folds[i] == fold)
            .collect();
        if rows.is_empty() {
            return None;
        }
        let truth: Vec<bool> = rows.iter().map(|&i| self.truth[i]).collect();
        let scores: Vec<f64> = rows.iter().map(|&i| self.scores[i]).collect();
        let threshold = self.fold_thresholds[fold];
        let s = Summary::compute(&truth, &scores, threshold);
        Some(FoldMetrics {
            fold,
            rows: rows.len(),
            positives: truth.iter().filter(|&&t| t).count(),
            threshold,
            precision: s.precision,
            recall: s.recall,
            false_positive_rate: s.false_positive_rate,
            f1: s.f1,
            roc_auc: s.roc_auc,
            average_precision: s.pr_auc,
        })
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
        let categories = match &data.categories {
            Some(cats) => rates_by(&truth, &flagged, &|i| cats[i].clone()),
            None => Vec::new(),
        };
        let files = if data.files.len() > 1 {
            rates_by(&truth, &flagged, &|i| data.file_of(i).display().to_string())
        } else {
            Vec::new()
        };
        let (worst_false_positives, worst_false_negatives) =
            worst_errors(data, &truth, &scores, &flagged);
        let false_positive_targets = false_positive_targets(&truth, &scores);
        let own_mark = if fold_thresholds.is_empty() {
            "model threshold"
        } else {
            "median of the fold thresholds"
        };
        let thresholds = threshold_table(
            &truth,
            &scores,
            (threshold, own_mark),
            &false_positive_targets,
        );
        Evaluation {
            schema: REPORT_SCHEMA,
            run: RunInfo::default(),
            protocol,
            positive_label: positive_label.to_owned(),
            negative_label: negative_label(data, positive_label),
            thresholds,
            false_positive_targets,
            folds: Vec::new(),
            fold_spread: Vec::new(),
            row_folds: Vec::new(),
            reliability: metrics::reliability(&truth, &scores, 10),
            roc: metrics::roc_curve(&truth, &scores),
            categories,
            files,
            fold_thresholds,
            worst_false_positives,
            worst_false_negatives,
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

/// Rates per value of `key` (a category, a file), in the key's order.
fn rates_by(
    truth: &[bool],
    flagged: &dyn Fn(usize) -> bool,
    key: &dyn Fn(usize) -> String,
) -> Vec<CategoryRate> {
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
        .collect()
}

/// The ten worst false positives (highest scores first) and false
/// negatives (lowest first); ties in row order.
fn worst_errors(
    data: &LabeledData,
    truth: &[bool],
    scores: &[f64],
    flagged: &dyn Fn(usize) -> bool,
) -> (Vec<Example>, Vec<Example>) {
    let example = |i: usize| Example {
        file: data.file_of(i).display().to_string(),
        line: data.lines.get(i).copied().unwrap_or(0),
        id: data.id_of(i).map(str::to_owned),
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
    (
        negatives.into_iter().take(10).map(example).collect(),
        positives.into_iter().take(10).map(example).collect(),
    )
}

/// The most common label of `data` that is not `positive_label`.
fn negative_label(data: &LabeledData, positive_label: &str) -> Option<String> {
    data.label_counts()
        .into_iter()
        .filter(|(l, _)| l != positive_label)
        .max_by_key(|&(_, n)| n)
        .map(|(l, _)| l)
}

/// The threshold reaching each of [`FALSE_POSITIVE_BUDGETS`]; none
/// without negative rows.
fn false_positive_targets(truth: &[bool], scores: &[f64]) -> Vec<FalsePositiveTarget> {
    FALSE_POSITIVE_BUDGETS
        .iter()
        .map(|&budget| FalsePositiveTarget {
            max_false_positive_rate: budget,
            point: truth
                .iter()
                .any(|&t| !t)
                .then(|| metrics::threshold_for_fpr(truth, scores, budget))
                .flatten()
                .map(|t| OperatingPoint::at(truth, scores, t)),
        })
        .collect()
}

/// The percentage a false-positive budget is written as (`1%`, `0.1%`).
pub fn percent(rate: f64) -> String {
    let text = format!("{:.3}", rate * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// The threshold table: the grid, the model's own threshold and those that
/// reach each false-positive budget, strictest first, equal thresholds merged.
fn threshold_table(
    truth: &[bool],
    scores: &[f64],
    (own, own_mark): (f64, &str),
    targets: &[FalsePositiveTarget],
) -> Vec<OperatingPoint> {
    let mut marked: Vec<(f64, String)> = vec![(own, own_mark.to_owned())];
    for target in targets {
        if let Some(p) = &target.point {
            marked.push((
                p.threshold,
                format!(
                    "false-positive rate <= {}",
                    percent(target.max_false_positive_rate)
                ),
            ));
        }
    }
    let mut all: Vec<f64> = THRESHOLD_GRID
        .iter()
        .copied()
        .chain(marked.iter().map(|(t, _)| *t))
        .filter(|t| t.is_finite())
        .collect();
    all.sort_by(|a, b| b.total_cmp(a));
    all.dedup();
    all.into_iter()
        .map(|t| {
            let mut point = OperatingPoint::at(truth, scores, t);
            point.marks = marked
                .iter()
                .filter(|(m, _)| *m == t)
                .map(|(_, name)| name.clone())
                .collect();
            point
        })
        .collect()
}

/// Mean and standard deviation of each fold metric, over the folds where it is defined.
fn spread(folds: &[FoldMetrics]) -> Vec<Spread> {
    Metric::PER_FOLD
        .iter()
        .map(|&metric| {
            let values: Vec<f64> = folds
                .iter()
                .map(|f| f.value(metric))
                .filter(|v| v.is_finite())
                .collect();
            let n = values.len() as f64;
            let mean = if values.is_empty() {
                f64::NAN
            } else {
                values.iter().sum::<f64>() / n
            };
            let standard_deviation = if values.len() < 2 {
                f64::NAN
            } else {
                (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            };
            Spread {
                metric: metric.info().key.to_owned(),
                mean,
                standard_deviation,
                folds: values.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(labels: &[&str]) -> LabeledData {
        LabeledData {
            path: "t.csv".into(),
            texts: labels.iter().map(|_| "x".to_owned()).collect(),
            labels: labels.iter().map(|&l| l.to_owned()).collect(),
            lines: (2..).take(labels.len()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn threshold_table_marks_the_model_threshold_and_the_fpr_budgets() {
        // 200 negatives scored 0.000..0.199 and 10 positives at 0.9..0.99.
        let mut labels = vec!["legit"; 200];
        let mut scores: Vec<f64> = (0..200).map(|i| f64::from(i) / 1000.0).collect();
        labels.extend(["scam"; 10]);
        scores.extend((0..10).map(|i| 0.9 + f64::from(i) / 100.0));
        let e = Evaluation::new(&data(&labels), "scam", scores, 0.5, "test".into());
        let own: Vec<_> = e
            .thresholds
            .iter()
            .filter(|p| p.marks.iter().any(|m| m == "model threshold"))
            .collect();
        assert_eq!(own.len(), 1);
        assert_eq!(own[0].threshold, 0.5);
        assert_eq!(own[0].recall, Some(1.0));
        assert_eq!(own[0].false_positive_rate, Some(0.0));
        assert!((own[0].share_flagged.unwrap() - 10.0 / 210.0).abs() < 1e-12);
        // FPR <= 1% allows 2 of 200 negatives: the lowest such threshold is 0.198.
        let one = e.false_positive_targets[0].point.as_ref().unwrap();
        assert_eq!(one.threshold, 0.198);
        assert_eq!(one.false_positive_rate, Some(0.01));
        // 0.1% allows none: just above the highest negative.
        let tenth = e.false_positive_targets[1].point.as_ref().unwrap();
        assert_eq!(tenth.false_positive_rate, Some(0.0));
        assert!(
            e.thresholds
                .iter()
                .any(|p| p.marks.iter().any(|m| m == "false-positive rate <= 0.1%"))
        );
        // Strictest first.
        assert!(
            e.thresholds
                .windows(2)
                .all(|w| w[0].threshold > w[1].threshold)
        );
        assert_eq!(e.negative_label.as_deref(), Some("legit"));
    }

    #[test]
    fn one_class_rows_have_no_fpr_target_and_undefined_rates() {
        let e = Evaluation::new(
            &data(&["scam", "scam"]),
            "scam",
            vec![0.9, 0.2],
            0.5,
            "t".into(),
        );
        assert!(e.false_positive_targets.iter().all(|t| t.point.is_none()));
        assert!(e.thresholds.iter().all(|p| p.false_positive_rate.is_none()));
        let json = serde_json::to_value(&e).unwrap();
        assert!(json["summary"]["false_positive_rate"].is_null(), "{json}");
        assert_eq!(json["schema"], REPORT_SCHEMA);
        assert!(
            json["summary"]["confusion"]["false_negatives"].is_number(),
            "{json}"
        );
    }

    #[test]
    fn folds_get_their_own_metrics_and_a_spread() {
        let labels = ["scam", "legit", "scam", "legit"];
        let e = Evaluation::with_fold_thresholds(
            &data(&labels),
            "scam",
            vec![0.9, 0.1, 0.4, 0.6],
            &[0, 0, 1, 1],
            vec![0.5, 0.5],
            "t".into(),
        );
        assert_eq!(e.folds.len(), 2);
        assert_eq!(e.folds[0].recall, 1.0);
        assert_eq!(e.folds[1].recall, 0.0);
        let recall = e.fold_spread.iter().find(|s| s.metric == "recall").unwrap();
        assert_eq!(recall.mean, 0.5);
        assert!((recall.standard_deviation - 0.5f64.sqrt()).abs() < 1e-12);
        // Fold 1 flags only its negative: precision 0, defined.
        assert_eq!(e.folds[1].precision, 0.0);
    }

    #[test]
    fn fold_metrics_hold_each_per_fold_metric_of_their_rows() {
        let labels = ["scam", "legit", "scam", "legit", "scam", "legit"];
        let scores = vec![0.9, 0.1, 0.4, 0.6, 0.7, 0.3];
        let folds = [0, 0, 1, 1, 2, 2];
        let cv = CrossValidation {
            scores: scores.clone(),
            folds: folds.to_vec(),
            thresholds: vec![0.5, 0.5, 0.8],
        };
        let e = Evaluation::from_cross_validation(&data(&labels), "scam", cv, "t".into());
        assert_eq!(e.folds.len(), 3);
        assert_eq!(e.fold_thresholds, [0.5, 0.5, 0.8]);
        for fold in &e.folds {
            let rows: Vec<usize> = (0..labels.len())
                .filter(|&i| folds[i] == fold.fold)
                .collect();
            let truth: Vec<bool> = rows.iter().map(|&i| labels[i] == "scam").collect();
            let fold_scores: Vec<f64> = rows.iter().map(|&i| scores[i]).collect();
            let want = Summary::compute(&truth, &fold_scores, fold.threshold);
            for metric in Metric::PER_FOLD {
                let (got, want) = (fold.value(metric), want.value(metric));
                assert!(
                    got == want || (got.is_nan() && want.is_nan()),
                    "fold {} {metric:?}: want {want}, got {got}",
                    fold.fold
                );
            }
        }
        let spread: Vec<&str> = e.fold_spread.iter().map(|s| s.metric.as_str()).collect();
        let keys: Vec<&str> = Metric::PER_FOLD.iter().map(|m| m.info().key).collect();
        assert_eq!(spread, keys);
    }

    #[test]
    fn percent_is_short() {
        assert_eq!(percent(0.01), "1%");
        assert_eq!(percent(0.001), "0.1%");
    }
}
