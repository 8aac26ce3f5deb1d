//! The model file's self-describing header: labels, threshold, versions,
//! feature and fit settings, and how the model was trained. `inspect`
//! prints it through its [`Display`](std::fmt::Display).

use serde::{Deserialize, Serialize};

use crate::features::FeatureConfig;
use crate::metrics::{Metric, MetricValues, metrics_inline};
use crate::solver::FitParams;
use crate::terminal::escape_controls as safe;

/// The two labels, and which one the probability refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    /// The label whose probability is reported (for example `scam`).
    pub positive: String,
    /// The other label (for example `legit`).
    pub negative: String,
}

/// A metric that may be undefined (NaN, for example ROC-AUC when the
/// held-out rows have one class): written as `null`, read back as NaN.
/// Finite values are written exactly as a plain `f64` field would be.
mod metric {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            serializer.serialize_f64(*value)
        } else {
            serializer.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

/// Precision, recall and friends on held-out rows, stored in the model.
/// A metric that is undefined on the held-out rows (one class only) is NaN
/// in memory and `null` in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOutMetrics {
    /// Rows held out.
    pub rows: usize,
    /// Share of rows held out.
    #[serde(with = "metric")]
    pub fraction: f64,
    /// Positive-class precision.
    #[serde(with = "metric")]
    pub precision: f64,
    /// Positive-class recall.
    #[serde(with = "metric")]
    pub recall: f64,
    /// Positive-class F1.
    #[serde(with = "metric")]
    pub f1: f64,
    /// Accuracy.
    #[serde(with = "metric")]
    pub accuracy: f64,
    /// ROC-AUC.
    #[serde(with = "metric")]
    pub roc_auc: f64,
    /// [[true negatives, false positives], [false negatives, true positives]].
    pub confusion: [[usize; 2]; 2],
}

impl MetricValues for HeldOutMetrics {
    /// The value of each of [`Metric::HELD_OUT`]; NaN for the others.
    fn value(&self, metric: Metric) -> f64 {
        match metric {
            Metric::Precision => self.precision,
            Metric::Recall => self.recall,
            Metric::F1 => self.f1,
            Metric::Accuracy => self.accuracy,
            Metric::RocAuc => self.roc_auc,
            _ => f64::NAN,
        }
    }
}

/// What the model was trained on, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Rows used for the final fit.
    pub rows: usize,
    /// Rows per label.
    pub rows_per_label: std::collections::BTreeMap<String, usize>,
    /// SHA-256 of the (text, label) pairs, in order.
    pub data_sha256: String,
    /// Seed of the held-out split and any resampling.
    pub seed: u64,
    /// Day of training (UTC, `YYYY-MM-DD`; from `SOURCE_DATE_EPOCH` when set).
    pub date: String,
    /// L-BFGS iterations of the final fit.
    pub iterations: u64,
    /// Whether the final fit converged before its iteration limit.
    pub converged: bool,
    /// How the threshold was chosen.
    pub threshold_rule: String,
    /// Metrics on the held-out split, before the final fit on all rows.
    pub held_out: Option<HeldOutMetrics>,
    /// Why a held-out split that was asked for was skipped: too few rows,
    /// a fraction leaving one side empty, or a training side of one label
    /// (shown as "held-out split skipped: REASON"); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_out_skipped: Option<String>,
    /// Each training file: its path as given, role, rows and hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<TrainingFile>,
}

/// One file a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingFile {
    /// The path as given to `train`.
    pub path: String,
    /// `data` (split for the held-out report and threshold folds) or
    /// `also-train` (always on the training side).
    pub role: String,
    /// Weight of each of its rows in the loss.
    pub weight: f64,
    /// Rows per label.
    pub rows_per_label: std::collections::BTreeMap<String, usize>,
    /// SHA-256 of its (text, label) pairs, in order.
    pub sha256: String,
}

/// The self-describing header of a model file (stored as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Version of the tool that wrote the file.
    pub tool_version: String,
    /// The labels.
    pub labels: Labels,
    /// P(positive) at or above which a message gets the positive label.
    pub threshold: f64,
    /// Version of the normalization rules.
    pub normalization_version: u32,
    /// Identity of the tokenizer dictionary.
    pub dictionary: String,
    /// Feature extraction settings.
    pub features: FeatureConfig,
    /// Fit hyperparameters.
    pub fit: FitParams,
    /// Number of features (columns).
    pub n_features: usize,
    /// The training run.
    pub training: TrainingInfo,
}

/// "scam 2124, legit 2741".
fn label_counts(per_label: &std::collections::BTreeMap<String, usize>) -> String {
    per_label
        .iter()
        .map(|(l, n)| format!("{} {n}", safe(l)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header as `inspect` prints it, one `name: value` line each. Text
/// from the file has its control characters escaped (a forged file must
/// not write escape sequences or fake lines to a terminal).
impl std::fmt::Display for ModelHeader {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &self.training;
        let f = &self.features;
        writeln!(
            out,
            "labels:           positive {:?}, negative {:?}",
            self.labels.positive, self.labels.negative
        )?;
        writeln!(
            out,
            "threshold:        {} ({})",
            self.threshold,
            safe(&crate::train::ThresholdRule::stored_in_words(
                &t.threshold_rule
            ))
        )?;
        writeln!(
            out,
            "features:         {} (word n-grams 1..{}, character n-grams {}..{}, min_df {}, max {})",
            self.n_features,
            f.word_ngrams,
            f.char_ngram_min,
            f.char_ngram_max,
            f.min_df,
            f.max_features
        )?;
        writeln!(
            out,
            "normalization:    v{}; dictionary: {}",
            self.normalization_version,
            safe(&self.dictionary)
        )?;
        writeln!(
            out,
            "fit:              alpha {}, solver {}, {} iterations, converged {}",
            self.fit.alpha, self.fit.solver, t.iterations, t.converged
        )?;
        writeln!(
            out,
            "training data:    {} rows ({}), sha256 {}",
            t.rows,
            label_counts(&t.rows_per_label),
            safe(&t.data_sha256)
        )?;
        for file in &t.files {
            writeln!(
                out,
                "  file:           {} ({}, weight {}; {}), sha256 {}",
                safe(&file.path),
                safe(&file.role),
                file.weight,
                label_counts(&file.rows_per_label),
                safe(&file.sha256)
            )?;
        }
        writeln!(out, "seed, date:       {}, {}", t.seed, safe(&t.date))?;
        write_held_out(out, t)
    }
}

/// The `held-out metrics:` line: [`Metric::HELD_OUT`] and the confusion
/// matrix, or why there are none.
fn write_held_out(out: &mut std::fmt::Formatter<'_>, t: &TrainingInfo) -> std::fmt::Result {
    match &t.held_out {
        Some(h) => writeln!(
            out,
            "held-out metrics: {} rows ({:.0}%): {}; confusion [[TN FP] [FN TP]] = [[{} {}] [{} {}]]",
            h.rows,
            h.fraction * 100.0,
            metrics_inline(&Metric::HELD_OUT, h),
            h.confusion[0][0],
            h.confusion[0][1],
            h.confusion[1][0],
            h.confusion[1][1]
        ),
        None => match &t.held_out_skipped {
            Some(reason) => writeln!(
                out,
                "held-out metrics: none (held-out split skipped: {})",
                safe(reason)
            ),
            None => writeln!(out, "held-out metrics: none (trained with --holdout 0)"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(held_out: Option<HeldOutMetrics>) -> TrainingInfo {
        TrainingInfo {
            rows: 10,
            rows_per_label: Default::default(),
            data_sha256: String::new(),
            seed: 0,
            date: String::new(),
            iterations: 1,
            converged: true,
            threshold_rule: String::new(),
            held_out,
            held_out_skipped: None,
            files: Vec::new(),
        }
    }

    /// The `held-out metrics:` line of `t`.
    fn held_out_line(t: &TrainingInfo) -> String {
        struct Line<'a>(&'a TrainingInfo);
        impl std::fmt::Display for Line<'_> {
            fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write_held_out(out, self.0)
            }
        }
        Line(t).to_string()
    }

    #[test]
    fn held_out_line_names_each_stored_metric_with_its_own_value() {
        let h = HeldOutMetrics {
            rows: 5,
            fraction: 0.2,
            precision: 0.1,
            recall: 0.2,
            f1: 0.3,
            accuracy: 0.4,
            roc_auc: f64::NAN,
            confusion: [[1, 2], [3, 4]],
        };
        assert_eq!(
            held_out_line(&training(Some(h))),
            "held-out metrics: 5 rows (20%): precision 0.1000 recall 0.2000 F1 0.3000 \
             accuracy 0.4000 ROC-AUC n/a; confusion [[TN FP] [FN TP]] = [[1 2] [3 4]]\n"
        );
        assert_eq!(
            held_out_line(&training(None)),
            "held-out metrics: none (trained with --holdout 0)\n"
        );
    }
}
