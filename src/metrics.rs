//! Accuracy metrics for the positive class.
//!
//! Everything here works on (true label, P(positive)) pairs. Threshold
//! metrics use "positive when p ≥ threshold". Ranking metrics (ROC-AUC,
//! average precision, recall at a false-positive rate) treat tied scores as
//! one step, so their value does not depend on the order of tied rows.

use serde::Serialize;

/// Counts at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Confusion {
    /// True positives.
    #[serde(rename = "true_positives")]
    pub tp: usize,
    /// False positives.
    #[serde(rename = "false_positives")]
    pub fp: usize,
    /// True negatives.
    #[serde(rename = "true_negatives")]
    pub tn: usize,
    /// False negatives.
    #[serde(rename = "false_negatives")]
    pub fn_: usize,
}

fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

impl Confusion {
    /// Counts for `scores` against `truth` at `threshold`.
    pub fn at(truth: &[bool], scores: &[f64], threshold: f64) -> Confusion {
        Confusion::at_each(truth, scores, |_| threshold)
    }

    /// Counts where row `i` is decided at `threshold_of(i)` (for example a
    /// threshold fitted inside each cross-validation fold).
    pub fn at_each(
        truth: &[bool],
        scores: &[f64],
        threshold_of: impl Fn(usize) -> f64,
    ) -> Confusion {
        let mut c = Confusion::default();
        for (i, (&t, &s)) in truth.iter().zip(scores).enumerate() {
            match (t, s >= threshold_of(i)) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
                (true, false) => c.fn_ += 1,
            }
        }
        c
    }

    /// All rows.
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// (TP + TN) / all.
    pub fn accuracy(&self) -> f64 {
        ratio((self.tp + self.tn) as f64, self.total() as f64)
    }

    /// TP / (TP + FP); 0 when nothing is predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fp) as f64)
    }

    /// TP / (TP + FN).
    pub fn recall(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fn_) as f64)
    }

    /// FP / (FP + TN).
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.fp as f64, (self.fp + self.tn) as f64)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        ratio(
            2.0 * self.tp as f64,
            (2 * self.tp + self.fp + self.fn_) as f64,
        )
    }

    /// Matthews correlation coefficient; 0 when undefined.
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let den = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        ratio(tp * tn - fp * fn_, den)
    }

    /// [[TN, FP], [FN, TP]].
    pub fn matrix(&self) -> [[usize; 2]; 2] {
        [[self.tn, self.fp], [self.fn_, self.tp]]
    }
}

/// One point of the ROC curve (and of the precision–recall curve).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Scores ≥ this are positive.
    pub threshold: f64,
    /// False-positive rate.
    pub fpr: f64,
    /// True-positive rate (recall).
    pub tpr: f64,
    /// Precision.
    pub precision: f64,
}

/// The ROC curve from the strictest threshold to the loosest, one point per
/// distinct score, starting at (0, 0).
pub fn roc_curve(truth: &[bool], scores: &[f64]) -> Vec<CurvePoint> {
    let positives = truth.iter().filter(|&&t| t).count() as f64;
    let negatives = truth.len() as f64 - positives;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut points = vec![CurvePoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
        precision: 1.0,
    }];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let score = scores[order[i]];
        // Tied scores move together: one step, possibly diagonal.
        while i < order.len() && scores[order[i]] == score {
            if truth[order[i]] {
                tp += 1.0
            } else {
                fp += 1.0
            }
            i += 1;
        }
        points.push(CurvePoint {
            threshold: score,
            fpr: ratio(fp, negatives),
            tpr: ratio(tp, positives),
            precision: ratio(tp, tp + fp),
        });
    }
    points
}

/// True when both classes are present; ranking metrics need both.
fn both_classes(truth: &[bool]) -> bool {
    truth.iter().any(|&t| t) && truth.iter().any(|&t| !t)
}

/// Area under the ROC curve (trapezoids, so ties count one half); NaN
/// when only one class is present.
pub fn roc_auc(truth: &[bool], scores: &[f64]) -> f64 {
    if !both_classes(truth) {
        return f64::NAN;
    }
    let curve = roc_curve(truth, scores);
    curve
        .windows(2)
        .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
        .sum()
}

/// Average precision: Σ (recallₖ − recallₖ₋₁) · precisionₖ over
/// thresholds; NaN when only one class is present.
pub fn average_precision(truth: &[bool], scores: &[f64]) -> f64 {
    if !both_classes(truth) {
        return f64::NAN;
    }
    let curve = roc_curve(truth, scores);
    curve
        .windows(2)
        .map(|w| (w[1].tpr - w[0].tpr) * w[1].precision)
        .sum()
}

/// The highest recall whose false-positive rate stays at or below
/// `max_fpr`; NaN when only one class is present.
pub fn recall_at_fpr(truth: &[bool], scores: &[f64], max_fpr: f64) -> f64 {
    if !both_classes(truth) {
        return f64::NAN;
    }
    roc_curve(truth, scores)
        .iter()
        .filter(|p| p.fpr <= max_fpr + 1e-12)
        .map(|p| p.tpr)
        .fold(0.0, f64::max)
}

/// The lowest threshold (most recall) whose false-positive rate is at most
/// `max_fpr`. When every score threshold breaks it (a negative scores
/// highest and there are few negatives), the threshold just above the
/// highest negative score, which flags no negative; `None` only when that is
/// above 1 or a score is not a number.
pub fn threshold_for_fpr(truth: &[bool], scores: &[f64], max_fpr: f64) -> Option<f64> {
    roc_curve(truth, scores)
        .iter()
        .skip(1)
        .filter(|p| p.fpr <= max_fpr + 1e-12)
        .map(|p| p.threshold)
        .fold(None, |best: Option<f64>, t| {
            Some(best.map_or(t, |b| b.min(t)))
        })
        .or_else(|| {
            let highest_negative = truth
                .iter()
                .zip(scores)
                .filter(|&(&t, _)| !t)
                .map(|(_, &s)| s)
                .fold(f64::NEG_INFINITY, f64::max);
            let above = highest_negative.next_up();
            (above.is_finite() && above <= 1.0).then_some(above)
        })
}

/// The threshold with the best F1 among those whose false-positive rate is
/// at most `max_fpr` (ties go to the stricter threshold); when none is, the
/// fallback of [`threshold_for_fpr`].
pub fn threshold_for_f1_within_fpr(truth: &[bool], scores: &[f64], max_fpr: f64) -> Option<f64> {
    let f1 = |p: &CurvePoint| {
        if p.precision + p.tpr > 0.0 {
            2.0 * p.precision * p.tpr / (p.precision + p.tpr)
        } else {
            0.0
        }
    };
    let mut best: Option<(f64, f64)> = None;
    for point in roc_curve(truth, scores).iter().skip(1) {
        if point.fpr > max_fpr + 1e-12 {
            break;
        }
        let value = f1(point);
        if best.is_none_or(|(b, _)| value > b) {
            best = Some((value, point.threshold));
        }
    }
    best.map(|(_, t)| t)
        .or_else(|| threshold_for_fpr(truth, scores, max_fpr))
}

/// The lowest threshold whose precision is at least `min_precision`.
pub fn threshold_for_precision(truth: &[bool], scores: &[f64], min_precision: f64) -> Option<f64> {
    roc_curve(truth, scores)
        .iter()
        .skip(1)
        .filter(|p| p.precision >= min_precision - 1e-12)
        .map(|p| p.threshold)
        .fold(None, |best: Option<f64>, t| {
            Some(best.map_or(t, |b| b.min(t)))
        })
}

/// Mean squared error of the probabilities.
pub fn brier_score(truth: &[bool], scores: &[f64]) -> f64 {
    let sum: f64 = truth
        .iter()
        .zip(scores)
        .map(|(&t, &s)| (s - if t { 1.0 } else { 0.0 }).powi(2))
        .sum();
    ratio(sum, truth.len() as f64)
}

/// One bin of a reliability table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the bin.
    pub low: f64,
    /// Upper edge of the bin.
    pub high: f64,
    /// Rows whose probability falls in the bin.
    pub rows: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Share of positives in the bin.
    pub observed: f64,
}

/// Calibration in `bins` equal-width probability bins.
pub fn reliability(truth: &[bool], scores: &[f64], bins: usize) -> Vec<ReliabilityBin> {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0.0, 0usize); bins];
    for (&t, &s) in truth.iter().zip(scores) {
        let b = ((s * bins as f64) as usize).min(bins - 1);
        sums[b].0 += 1;
        sums[b].1 += s;
        sums[b].2 += usize::from(t);
    }
    sums.iter()
        .enumerate()
        .map(|(i, &(rows, sum, positives))| ReliabilityBin {
            low: i as f64 / bins as f64,
            high: (i + 1) as f64 / bins as f64,
            rows,
            mean_predicted: ratio(sum, rows as f64),
            observed: ratio(positives as f64, rows as f64),
        })
        .collect()
}

/// The headline numbers of an evaluation. A metric that is undefined on
/// the rows (precision when nothing is flagged, the false-positive rate
/// without negatives, ranking metrics with one class) is NaN, printed
/// `n/a` and written `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Rows evaluated.
    pub rows: usize,
    /// Threshold used for the threshold metrics.
    pub threshold: f64,
    /// Counts at the threshold.
    pub confusion: Confusion,
    /// Accuracy.
    pub accuracy: f64,
    /// Precision of the positive class.
    pub precision: f64,
    /// Recall of the positive class.
    pub recall: f64,
    /// Share of negative rows flagged positive.
    pub false_positive_rate: f64,
    /// F1 of the positive class.
    pub f1: f64,
    /// Matthews correlation coefficient.
    #[serde(rename = "matthews_correlation")]
    pub mcc: f64,
    /// Area under the ROC curve.
    pub roc_auc: f64,
    /// Average precision (area under the precision–recall curve).
    #[serde(rename = "average_precision")]
    pub pr_auc: f64,
    /// Recall at a false-positive rate of at most 1%.
    #[serde(rename = "recall_at_false_positive_rate_1_percent")]
    pub recall_at_fpr_1pct: f64,
    /// Recall at a false-positive rate of at most 0.1%.
    #[serde(rename = "recall_at_false_positive_rate_0_1_percent")]
    pub recall_at_fpr_01pct: f64,
    /// Brier score.
    #[serde(rename = "brier_score")]
    pub brier: f64,
}

impl Summary {
    /// Computes every headline metric.
    pub fn compute(truth: &[bool], scores: &[f64], threshold: f64) -> Summary {
        Summary::from_confusion(
            truth,
            scores,
            threshold,
            Confusion::at(truth, scores, threshold),
        )
    }

    /// Every headline metric, with the threshold metrics taken from
    /// `confusion` (decided elsewhere, for example per fold) and `threshold`
    /// as the one to report.
    pub fn from_confusion(
        truth: &[bool],
        scores: &[f64],
        threshold: f64,
        confusion: Confusion,
    ) -> Summary {
        let c = confusion;
        let defined = |ok: bool, value: f64| if ok { value } else { f64::NAN };
        let (tp, fp, tn, fn_) = (c.tp, c.fp, c.tn, c.fn_);
        Summary {
            rows: truth.len(),
            threshold,
            confusion,
            accuracy: defined(c.total() > 0, c.accuracy()),
            precision: defined(tp + fp > 0, c.precision()),
            recall: defined(tp + fn_ > 0, c.recall()),
            false_positive_rate: defined(fp + tn > 0, c.false_positive_rate()),
            f1: defined(tp + fp + fn_ > 0, c.f1()),
            // Undefined when a row or column of the matrix is empty.
            mcc: defined(
                tp + fp > 0 && tp + fn_ > 0 && tn + fp > 0 && tn + fn_ > 0,
                c.mcc(),
            ),
            roc_auc: roc_auc(truth, scores),
            pr_auc: average_precision(truth, scores),
            recall_at_fpr_1pct: recall_at_fpr(truth, scores, 0.01),
            recall_at_fpr_01pct: recall_at_fpr(truth, scores, 0.001),
            brier: defined(!truth.is_empty(), brier_score(truth, scores)),
        }
    }
}

/// A metric as reports print it: four decimals, or `n/a` for a metric
/// that is undefined (NaN) on the rows, such as precision when nothing is
/// flagged or ROC-AUC when the rows hold one class.
pub fn format_metric(value: f64) -> String {
    if value.is_nan() {
        "n/a".to_owned()
    } else {
        format!("{value:.4}")
    }
}

/// A metric the reports show. Its names, precision and value are in
/// [`Metric::info`], the one place to define a metric; the lists below
/// ([`Metric::HEADLINE`] and the others) say which outputs show which, in
/// their order, and every output iterates one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// (TP + TN) / all.
    Accuracy,
    /// TP / (TP + FP).
    Precision,
    /// TP / (TP + FN).
    Recall,
    /// FP / (FP + TN).
    FalsePositiveRate,
    /// F1 of the positive class.
    F1,
    /// Matthews correlation coefficient.
    Mcc,
    /// Area under the ROC curve.
    RocAuc,
    /// Average precision (area under the precision–recall curve).
    AveragePrecision,
    /// Recall at a false-positive rate of at most 1%.
    RecallAtFpr1Pct,
    /// Recall at a false-positive rate of at most 0.1%.
    RecallAtFpr01Pct,
    /// Brier score.
    Brier,
}

/// How a [`Metric`] is named, written and read from a [`Summary`].
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// Name where a program reads it: `--fail-under`, the fold spread.
    pub key: &'static str,
    /// Name in the headline metrics of every report, and in held-out lines.
    pub label: &'static str,
    /// Name as a column of the Markdown per-fold table.
    pub column: &'static str,
    /// Shortest name, for the terminal's per-fold table.
    pub abbreviation: &'static str,
    /// Decimals written.
    pub decimals: usize,
    /// Whether larger is better (such a metric can be a `--fail-under` floor).
    pub higher_is_better: bool,
    /// Its value in a [`Summary`].
    pub of_summary: fn(&Summary) -> f64,
}

impl Metric {
    /// The headline metrics, in the order every report (terminal text,
    /// Markdown, `--fail-under`) lists them.
    pub const HEADLINE: [Metric; 11] = [
        Metric::Accuracy,
        Metric::Precision,
        Metric::Recall,
        Metric::FalsePositiveRate,
        Metric::F1,
        Metric::Mcc,
        Metric::RocAuc,
        Metric::AveragePrecision,
        Metric::RecallAtFpr1Pct,
        Metric::RecallAtFpr01Pct,
        Metric::Brier,
    ];

    /// Metrics of each cross-validation fold (the Markdown per-fold table
    /// and the mean ± standard deviation over the folds).
    pub const PER_FOLD: [Metric; 6] = [
        Metric::Precision,
        Metric::Recall,
        Metric::FalsePositiveRate,
        Metric::F1,
        Metric::RocAuc,
        Metric::AveragePrecision,
    ];

    /// The terminal's narrower per-fold table: [`Metric::PER_FOLD`] but
    /// average precision.
    pub const PER_FOLD_TERMINAL: [Metric; 5] = [
        Metric::Precision,
        Metric::Recall,
        Metric::FalsePositiveRate,
        Metric::F1,
        Metric::RocAuc,
    ];

    /// Held-out metrics stored in a model and printed by `inspect`.
    pub const HELD_OUT: [Metric; 5] = [
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::Accuracy,
        Metric::RocAuc,
    ];

    /// Held-out metrics `train` prints when it finishes.
    pub const HELD_OUT_TRAIN: [Metric; 4] = [
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::RocAuc,
    ];

    /// Its names, precision and value: the one table of metrics.
    pub fn info(self) -> MetricInfo {
        let info = |key, label, of_summary: fn(&Summary) -> f64| MetricInfo {
            key,
            label,
            column: label,
            abbreviation: label,
            decimals: 4,
            higher_is_better: true,
            of_summary,
        };
        match self {
            Metric::Accuracy => info("accuracy", "accuracy", |s| s.accuracy),
            Metric::Precision => info("precision", "precision", |s| s.precision),
            Metric::Recall => info("recall", "recall", |s| s.recall),
            Metric::FalsePositiveRate => MetricInfo {
                abbreviation: "FPR",
                higher_is_better: false,
                ..info("false_positive_rate", "false-positive rate", |s| {
                    s.false_positive_rate
                })
            },
            Metric::F1 => info("f1", "F1", |s| s.f1),
            Metric::Mcc => info("mcc", "MCC", |s| s.mcc),
            Metric::RocAuc => info("roc_auc", "ROC-AUC", |s| s.roc_auc),
            Metric::AveragePrecision => MetricInfo {
                column: "average precision",
                abbreviation: "AP",
                ..info("average_precision", "PR-AUC (average precision)", |s| {
                    s.pr_auc
                })
            },
            Metric::RecallAtFpr1Pct => info("recall_at_fpr_1pct", "recall at FPR ≤ 1%", |s| {
                s.recall_at_fpr_1pct
            }),
            Metric::RecallAtFpr01Pct => {
                info("recall_at_fpr_0_1pct", "recall at FPR ≤ 0.1%", |s| {
                    s.recall_at_fpr_01pct
                })
            }
            Metric::Brier => MetricInfo {
                higher_is_better: false,
                ..info("brier_score", "Brier score", |s| s.brier)
            },
        }
    }

    /// The metrics `evaluate --fail-under` can set a floor on: the headline
    /// ones where higher is better (its `--help` lists their keys).
    pub fn gates() -> impl Iterator<Item = Metric> {
        Metric::HEADLINE
            .into_iter()
            .filter(|m| m.info().higher_is_better)
    }

    /// The metric named `key` ([`MetricInfo::key`]), among the headline ones.
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::HEADLINE.into_iter().find(|m| m.info().key == key)
    }

    /// `value` written with the metric's decimals; `n/a` when undefined (NaN).
    pub fn format(self, value: f64) -> String {
        if value.is_nan() {
            "n/a".to_owned()
        } else {
            format!("{value:.*}", self.info().decimals)
        }
    }

    /// Its value in `values`, written as [`Metric::format`] does.
    pub fn format_of(self, values: &impl MetricValues) -> String {
        self.format(values.value(self))
    }
}

/// Something holding values of some [`Metric`]s: a [`Summary`] (all of
/// them), one fold's metrics, a model's held-out metrics.
pub trait MetricValues {
    /// The value of `metric`: NaN when undefined on the rows or not held.
    fn value(&self, metric: Metric) -> f64;
}

impl MetricValues for Summary {
    fn value(&self, metric: Metric) -> f64 {
        (metric.info().of_summary)(self)
    }
}

/// "precision 0.9100 recall 0.8000 F1 …": `metrics` with their labels, on one line.
pub fn metrics_inline(metrics: &[Metric], values: &impl MetricValues) -> String {
    metrics
        .iter()
        .map(|m| format!("{} {}", m.info().label, m.format_of(values)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn confusion_metrics_by_hand() {
        // truth:  P P P N N N N ; predicted positive: P P N P N N N
        let truth = [true, true, true, false, false, false, false];
        let scores = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.4];
        let c = Confusion::at(&truth, &scores, 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 3,
                fn_: 1
            }
        );
        assert!(close(c.precision(), 2.0 / 3.0));
        assert!(close(c.recall(), 2.0 / 3.0));
        assert!(close(c.f1(), 2.0 / 3.0));
        assert!(close(c.accuracy(), 5.0 / 7.0));
        // (2·3 − 1·1) / sqrt(3·3·4·4) = 5/12
        assert!(close(c.mcc(), 5.0 / 12.0));
        assert_eq!(c.matrix(), [[3, 1], [1, 2]]);
    }

    #[test]
    fn auc_by_hand_without_ties() {
        // Pairs (pos, neg): 3 × 4 = 12; pos 0.3 beats only 0.2 and 0.1 → 2;
        // 0.9 and 0.8 beat all 4 → 8. AUC = 10/12.
        let truth = [true, true, true, false, false, false, false];
        let scores = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1, 0.4];
        assert!(close(roc_auc(&truth, &scores), 10.0 / 12.0));
    }

    #[test]
    fn auc_counts_ties_as_one_half() {
        // One positive and one negative with the same score: AUC 0.5.
        assert!(close(roc_auc(&[true, false], &[0.5, 0.5]), 0.5));
        // pos {0.8, 0.5}, neg {0.5, 0.2}: pairs 4; wins: 0.8>0.5, 0.8>0.2, 0.5>0.2,
        // and one tie (0.5 vs 0.5) = 3.5 / 4.
        let truth = [true, true, false, false];
        assert!(close(roc_auc(&truth, &[0.8, 0.5, 0.5, 0.2]), 3.5 / 4.0));
        // The order of tied rows does not matter.
        assert!(close(
            roc_auc(&[false, true, true, false], &[0.5, 0.5, 0.8, 0.2]),
            3.5 / 4.0
        ));
    }

    #[test]
    fn average_precision_by_hand() {
        // Ranked: P(0.9) N(0.8) P(0.7) N(0.1). AP = 0.5·1 + 0.5·(2/3).
        let truth = [true, false, true, false];
        let ap = average_precision(&truth, &[0.9, 0.8, 0.7, 0.1]);
        assert!(close(ap, 0.5 + 0.5 * 2.0 / 3.0));
    }

    #[test]
    fn recall_and_threshold_at_fpr() {
        // 10 negatives, so FPR 10% allows one false positive.
        let mut truth = vec![false; 10];
        let mut scores: Vec<f64> = (0..10).map(|i| f64::from(i) / 20.0).collect(); // 0 .. 0.45
        truth.extend([true, true, true]);
        scores.extend([0.9, 0.4, 0.3]);
        assert!(close(recall_at_fpr(&truth, &scores, 0.0), 1.0 / 3.0));
        assert!(close(recall_at_fpr(&truth, &scores, 0.1), 1.0 / 3.0));
        assert!(close(recall_at_fpr(&truth, &scores, 0.2), 2.0 / 3.0));
        assert_eq!(threshold_for_fpr(&truth, &scores, 0.2), Some(0.4));
        assert_eq!(threshold_for_precision(&truth, &scores, 1.0), Some(0.9));
        // A negative scores highest: no score meets FPR 0, the threshold
        // just above it does (and flags nothing).
        let (truth, scores) = ([false, true, false], [0.8, 0.6, 0.1]);
        let t = threshold_for_fpr(&truth, &scores, 0.0).unwrap();
        assert!(t > 0.8 && t < 0.8 + 1e-12, "{t}");
        assert_eq!(threshold_for_fpr(&[false], &[1.0], 0.0), None);
    }

    #[test]
    fn best_f1_within_a_false_positive_budget() {
        // Scores: P .9, P .8, N .7, P .6, N .5, N .4, P .3, N .2 (4 negatives).
        let truth = [true, true, false, true, false, false, true, false];
        let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        // Budget 0.5 (two negatives): F1 is 3/4 at .6 and 2/3 at .5, the
        // lowest threshold within budget, which MaxFpr would take.
        assert_eq!(threshold_for_f1_within_fpr(&truth, &scores, 0.5), Some(0.6));
        assert_eq!(threshold_for_fpr(&truth, &scores, 0.5), Some(0.5));
        // A tight budget binds: FPR 0 allows only .9 and .8.
        assert_eq!(threshold_for_f1_within_fpr(&truth, &scores, 0.0), Some(0.8));
    }

    #[test]
    fn brier_and_reliability() {
        let truth = [true, false];
        assert!(close(brier_score(&truth, &[0.75, 0.25]), 0.0625));
        let bins = reliability(&[true, false, true], &[0.95, 0.05, 0.55], 2);
        assert_eq!(bins[0].rows, 1);
        assert_eq!(bins[1].rows, 2);
        assert!(close(bins[1].observed, 1.0));
        assert!(close(bins[1].mean_predicted, 0.75));
    }

    #[test]
    fn degenerate_inputs_do_not_divide_by_zero() {
        let s = Summary::compute(&[], &[], 0.5);
        assert!(s.f1.is_nan() && s.accuracy.is_nan(), "{s:?}");
        let one_class = Summary::compute(&[true, true], &[0.9, 0.1], 0.5);
        assert!(one_class.roc_auc.is_nan() && one_class.pr_auc.is_nan());
        assert!(one_class.recall_at_fpr_1pct.is_nan());
        assert_eq!(one_class.recall, 0.5);
        // No negatives: FPR and MCC are undefined, not 0.
        assert!(one_class.false_positive_rate.is_nan() && one_class.mcc.is_nan());
        assert_eq!(format_metric(one_class.mcc), "n/a");
        // Nothing flagged: precision is undefined, recall is 0.
        let none_flagged = Summary::compute(&[true, false], &[0.1, 0.2], 0.5);
        assert!(none_flagged.precision.is_nan(), "{none_flagged:?}");
        assert_eq!(none_flagged.recall, 0.0);
    }

    /// A summary whose every metric has a different value.
    fn distinct_summary() -> Summary {
        Summary {
            rows: 10,
            threshold: 0.5,
            confusion: Confusion::default(),
            accuracy: 0.01,
            precision: 0.02,
            recall: 0.03,
            false_positive_rate: 0.04,
            f1: 0.05,
            mcc: 0.06,
            roc_auc: 0.07,
            pr_auc: 0.08,
            recall_at_fpr_1pct: 0.09,
            recall_at_fpr_01pct: 0.10,
            brier: 0.11,
        }
    }

    #[test]
    fn each_metric_reads_its_own_summary_field() {
        let s = distinct_summary();
        let want = [
            (Metric::Accuracy, s.accuracy),
            (Metric::Precision, s.precision),
            (Metric::Recall, s.recall),
            (Metric::FalsePositiveRate, s.false_positive_rate),
            (Metric::F1, s.f1),
            (Metric::Mcc, s.mcc),
            (Metric::RocAuc, s.roc_auc),
            (Metric::AveragePrecision, s.pr_auc),
            (Metric::RecallAtFpr1Pct, s.recall_at_fpr_1pct),
            (Metric::RecallAtFpr01Pct, s.recall_at_fpr_01pct),
            (Metric::Brier, s.brier),
        ];
        assert_eq!(want.len(), Metric::HEADLINE.len());
        for (metric, value) in want {
            assert_eq!(s.value(metric), value, "{metric:?}");
        }
    }

    #[test]
    fn metric_keys_and_labels_are_unique_and_keys_find_their_metric() {
        let mut keys: Vec<_> = Metric::HEADLINE.iter().map(|m| m.info().key).collect();
        let mut labels: Vec<_> = Metric::HEADLINE.iter().map(|m| m.info().label).collect();
        keys.sort_unstable();
        keys.dedup();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(keys.len(), Metric::HEADLINE.len(), "{keys:?}");
        assert_eq!(labels.len(), Metric::HEADLINE.len(), "{labels:?}");
        for m in Metric::HEADLINE {
            assert_eq!(Metric::from_key(m.info().key), Some(m));
        }
        assert_eq!(Metric::from_key("fpr"), None);
        // The keys `evaluate --help` names for --fail-under, in its order.
        let gates: Vec<&str> = Metric::gates().map(|m| m.info().key).collect();
        assert_eq!(
            gates,
            [
                "accuracy",
                "precision",
                "recall",
                "f1",
                "mcc",
                "roc_auc",
                "average_precision",
                "recall_at_fpr_1pct",
                "recall_at_fpr_0_1pct"
            ]
        );
        // Every other list draws from the headline metrics.
        for list in [
            &Metric::PER_FOLD[..],
            &Metric::PER_FOLD_TERMINAL,
            &Metric::HELD_OUT,
            &Metric::HELD_OUT_TRAIN,
        ] {
            assert!(
                list.iter().all(|m| Metric::HEADLINE.contains(m)),
                "{list:?}"
            );
        }
    }

    #[test]
    fn metrics_are_written_like_format_metric_and_inline_with_labels() {
        for m in Metric::HEADLINE {
            for v in [0.0, 0.123_456, 1.0, f64::NAN] {
                assert_eq!(m.format(v), format_metric(v), "{m:?} {v}");
            }
        }
        let s = distinct_summary();
        assert_eq!(
            metrics_inline(&[Metric::F1, Metric::FalsePositiveRate], &s),
            "F1 0.0500 false-positive rate 0.0400"
        );
        assert_eq!(metrics_inline(&[], &s), "");
    }
}
