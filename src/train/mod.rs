//! Training: from labeled messages to a [`Model`], with a held-out report,
//! seeded splits and cross-validation.
//!
//! Messages are normalized, tokenized and turned into feature hashes once,
//! in parallel; every fit (held-out split, cross-validation folds, final
//! fit) then only fits a vocabulary on its training rows and solves.
#![doc(hidden)]

use std::collections::BTreeMap;

use crate::data::LabeledData;
use crate::error::{Error, Result};
use crate::features::FeatureConfig;
use crate::metrics::Summary;
use crate::model::{HeldOutMetrics, Labels, Model, ModelHeader, Threshold, TrainingInfo};
use crate::normalize::NORMALIZATION_VERSION;
use crate::solver::FitParams;
use crate::tokenize::DICTIONARY_ID;

mod provenance;
mod rows;
mod split;

pub use provenance::{data_hash, source_date_epoch};
use provenance::{file_summaries, training_date};
pub use rows::{ALWAYS_TRAIN, TrainingRows};
pub use split::{grouped_split, stratified_folds, stratified_split};

/// How the decision threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdRule {
    /// A fixed probability.
    Fixed(Threshold),
    /// The lowest threshold whose cross-validated false-positive rate is at most this.
    MaxFpr(f64),
    /// The lowest threshold whose cross-validated precision is at least this.
    MinPrecision(f64),
    /// The threshold with the best cross-validated F1 among those whose
    /// false-positive rate is at most this: [`ThresholdRule::MaxFpr`] when
    /// the budget binds, without spending it when it does not.
    BestF1WithinFpr(f64),
}

/// Written into the model's training description, so the text must stay as
/// it is for a retrained model to come out byte for byte the same.
impl ThresholdRule {
    /// The rule in words, for reports ("the best F1 among thresholds with
    /// a false-positive rate of at most 0.04").
    pub fn in_words(&self) -> String {
        match self {
            ThresholdRule::Fixed(t) => format!("a fixed threshold of {t}"),
            ThresholdRule::MaxFpr(v) => {
                format!("the lowest threshold with a false-positive rate of at most {v}")
            }
            ThresholdRule::MinPrecision(v) => {
                format!("the lowest threshold with a precision of at least {v}")
            }
            ThresholdRule::BestF1WithinFpr(v) => {
                format!("the best F1 among thresholds with a false-positive rate of at most {v}")
            }
        }
    }

    /// [`ThresholdRule::in_words`] for a rule as a model file stores it
    /// (`BestF1WithinFpr(0.04) on 5-fold …`): the rule's name in words,
    /// the rest unchanged; text it does not recognize comes back as it is.
    pub fn stored_in_words(stored: &str) -> String {
        let Some((head, rest)) = stored.split_once(')') else {
            return stored.to_owned();
        };
        let parsed = head.split_once('(').and_then(|(name, v)| {
            let v: f64 = v.parse().ok()?;
            Some(match name {
                "Fixed" => ThresholdRule::Fixed(crate::model::Threshold::new(v).ok()?),
                "MaxFpr" => ThresholdRule::MaxFpr(v),
                "MinPrecision" => ThresholdRule::MinPrecision(v),
                "BestF1WithinFpr" => ThresholdRule::BestF1WithinFpr(v),
                _ => return None,
            })
        });
        match parsed {
            Some(rule) => format!("{}{rest}", rule.in_words()),
            None => stored.to_owned(),
        }
    }
}

impl std::fmt::Display for ThresholdRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThresholdRule::Fixed(t) => write!(f, "Fixed({t})"),
            ThresholdRule::MaxFpr(v) => write!(f, "MaxFpr({v})"),
            ThresholdRule::MinPrecision(v) => write!(f, "MinPrecision({v})"),
            ThresholdRule::BestF1WithinFpr(v) => write!(f, "BestF1WithinFpr({v})"),
        }
    }
}

/// The weights `--also-train-weight` accepts: a row of the main data weighs
/// 1, and far outside this range the fit degenerates (at 1e20 every weight
/// comes out 0).
pub const ALSO_TRAIN_WEIGHT_RANGE: std::ops::RangeInclusive<f64> = 1e-3..=1e3;

/// Everything `train` can be told. Unfitted; [`TrainOptions::train`] fits.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Feature extraction settings.
    pub features: FeatureConfig,
    /// Solver settings.
    pub fit: FitParams,
    /// The label whose probability is reported.
    pub positive_label: String,
    /// Seed for the held-out split and cross-validation folds.
    pub seed: u64,
    /// Share of rows held out for the report (0 to skip).
    pub holdout_fraction: f64,
    /// Threshold rule.
    pub threshold: ThresholdRule,
    /// Folds used when the threshold is chosen by cross-validation.
    pub threshold_folds: usize,
    /// Loss weight of each row of the `also_train` data (the rows that are
    /// always on the training side); the main data's rows weigh 1.
    pub also_train_weight: f64,
}

/// The defaults (with [`FeatureConfig`]'s and [`FitParams`]' own) were
/// chosen on the real-data protocol: grouped cross-validation over
/// `real_ja` with the written corpus on every training side
/// (`docs/real-data.md` lists the candidates and their scores).
impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            fit: FitParams::default(),
            positive_label: "scam".into(),
            seed: 0,
            holdout_fraction: 0.2,
            threshold: ThresholdRule::BestF1WithinFpr(0.04),
            threshold_folds: 5,
            also_train_weight: 0.25,
        }
    }
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    /// The model fitted on all rows.
    pub model: Model,
    /// Metrics on the held-out split (fitted on the rest), if one was held out.
    pub held_out: Option<Summary>,
    /// Rows per label.
    pub label_counts: BTreeMap<String, usize>,
}

impl TrainOptions {
    /// Trains a model on `data`.
    ///
    /// # Errors
    /// Label problems (not exactly two classes, positive label missing),
    /// invalid settings, or solver failure.
    pub fn train(&self, data: &LabeledData) -> Result<TrainOutcome> {
        self.train_with(data, None)
    }

    /// Trains a model on `data` plus `also_train`: the latter's rows are on
    /// the training side of every split (held-out report, threshold folds)
    /// and weigh [`TrainOptions::also_train_weight`] each. Folds and the
    /// held-out split run over `data` alone, grouped by `data.groups` when
    /// present, so a threshold chosen by a rule is chosen on `data`'s rows.
    ///
    /// # Errors
    /// Label problems (not exactly two classes, positive label missing),
    /// invalid settings, or solver failure.
    pub fn train_with(
        &self,
        data: &LabeledData,
        also_train: Option<&LabeledData>,
    ) -> Result<TrainOutcome> {
        self.train_unnamed(data, also_train)
            .map_err(|e| e.in_file(&data.path))
    }

    fn train_unnamed(
        &self,
        data: &LabeledData,
        also_train: Option<&LabeledData>,
    ) -> Result<TrainOutcome> {
        self.features.validate()?;
        if !(0.0..1.0).contains(&self.holdout_fraction) {
            return Err(Error::Config(format!(
                "held-out fraction must be in [0, 1), got {}",
                self.holdout_fraction
            )));
        }
        self.check_settings()?;
        let negative = data.check_two_classes(&self.positive_label)?;
        data.check_has_text()?;
        if let Some(also) = also_train {
            also.check_labels_within(&self.positive_label, &negative)?;
        }
        let n_data = data.texts.len();
        let (training_rows, all) = self.prepare(data, also_train)?;
        let data_rows: Vec<usize> = (0..n_data).collect();
        let always: Vec<usize> = (n_data..training_rows.docs.len()).collect();

        let mut held_out_skipped = None;
        let held_out = if self.holdout_fraction > 0.0 {
            let (train, test) = match data.groups.as_deref() {
                Some(groups) => grouped_split(
                    &training_rows.positive[..n_data],
                    self.holdout_fraction,
                    self.seed,
                    groups,
                ),
                None => stratified_split(
                    &training_rows.positive[..n_data],
                    self.holdout_fraction,
                    self.seed,
                ),
            };
            let train_positives = train
                .iter()
                .chain(&always)
                .filter(|&&i| training_rows.positive[i])
                .count();
            if test.is_empty() || train.is_empty() {
                held_out_skipped = Some(format!(
                    "too few rows: --holdout {} on {n_data} rows leaves {} held out and {} to train on",
                    self.holdout_fraction,
                    test.len(),
                    train.len()
                ));
                None
            } else if train_positives == 0 || train_positives == train.len() + always.len() {
                held_out_skipped = Some(format!(
                    "--holdout {}{} on {n_data} rows leaves training rows of one label only",
                    self.holdout_fraction,
                    if data.groups.is_some() {
                        " (grouped)"
                    } else {
                        ""
                    }
                ));
                None
            } else {
                let mut train = train;
                train.extend_from_slice(&always);
                let (vocabulary, weights) = training_rows.fit(&train, &self.features, &self.fit)?;
                let scores = training_rows.score(&test, &vocabulary, &weights);
                let truth: Vec<bool> = test.iter().map(|&i| training_rows.positive[i]).collect();
                Some((truth, scores))
            }
        } else {
            None
        };

        let threshold = training_rows.choose_threshold(
            self.threshold,
            &data_rows,
            &always,
            data.groups.as_deref(),
            self.threshold_folds,
            self.seed,
            &self.features,
            &self.fit,
        )?;
        let threshold_rule = match self.threshold {
            ThresholdRule::Fixed(t) => format!("fixed at {t}"),
            rule => format!(
                "{rule} on {}-fold cross-validation{} (seed {})",
                self.threshold_folds,
                if data.groups.is_some() {
                    ", grouped"
                } else {
                    ""
                },
                self.seed
            ),
        };

        let all_rows: Vec<usize> = (0..training_rows.docs.len()).collect();
        let (vocabulary, weights) = training_rows.fit(&all_rows, &self.features, &self.fit)?;
        check_learned(&weights.weights)?;
        let label_counts = all.label_counts();
        let held_out_summary = held_out
            .as_ref()
            .map(|(truth, scores)| Summary::compute(truth, scores, threshold));
        let mut files = Vec::new();
        if also_train.is_some() || data.files.len() > 1 {
            for (part, role, weight) in [(Some(data), "data", 1.0)].into_iter().chain([(
                also_train,
                "also-train",
                self.also_train_weight,
            )]) {
                let Some(part) = part else { continue };
                files.extend(file_summaries(part, role, weight));
            }
        }
        let header = ModelHeader {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            labels: Labels {
                positive: self.positive_label.clone(),
                negative,
            },
            threshold,
            normalization_version: NORMALIZATION_VERSION,
            dictionary: DICTIONARY_ID.to_owned(),
            features: self.features.clone(),
            fit: self.fit.clone(),
            n_features: vocabulary.len(),
            training: TrainingInfo {
                rows: all.texts.len(),
                rows_per_label: label_counts.clone(),
                data_sha256: data_hash(&all.texts, &all.labels),
                seed: self.seed,
                date: training_date(),
                iterations: weights.iterations,
                converged: weights.converged,
                threshold_rule,
                held_out: held_out_summary.as_ref().map(|s| HeldOutMetrics {
                    rows: s.rows,
                    fraction: self.holdout_fraction,
                    precision: s.precision,
                    recall: s.recall,
                    f1: s.f1,
                    accuracy: s.accuracy,
                    roc_auc: s.roc_auc,
                    confusion: s.confusion.matrix(),
                }),
                held_out_skipped,
                files,
            },
        };
        let model = Model::new(header, vocabulary, weights.weights, weights.intercept)
            .map_err(|e| Error::Training(e.to_string()))?;
        Ok(TrainOutcome {
            model,
            held_out: held_out_summary,
            label_counts,
        })
    }

    /// Checks the settings that do not depend on the data: the positive
    /// label and the weight of also-train rows.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting.
    pub fn check_settings(&self) -> Result<()> {
        if self.positive_label == crate::model::UNSURE_LABEL {
            return Err(Error::Config(format!(
                "the positive label cannot be {:?}: predict writes it for undecided messages",
                crate::model::UNSURE_LABEL
            )));
        }
        let range = ALSO_TRAIN_WEIGHT_RANGE;
        if !range.contains(&self.also_train_weight) {
            return Err(Error::Config(format!(
                "the weight of also-train rows must be in [{}, {}], got {}",
                range.start(),
                range.end(),
                self.also_train_weight
            )));
        }
        Ok(())
    }

    /// Extracts features of `data` followed by `also_train`, with the loss
    /// weights set; returns them with the two data sets joined.
    ///
    /// # Errors
    /// Tokenizer failure.
    pub fn prepare(
        &self,
        data: &LabeledData,
        also_train: Option<&LabeledData>,
    ) -> Result<(TrainingRows, LabeledData)> {
        let mut all = data.clone();
        if let Some(also) = also_train {
            all.append(also.clone());
        }
        let positive = all.targets(&self.positive_label);
        let mut training_rows = TrainingRows::new(&all.texts, positive, &self.features)?;
        for w in &mut training_rows.weights[data.texts.len()..] {
            *w = self.also_train_weight;
        }
        Ok((training_rows, all))
    }
}

/// Refuses a fit in which every weight is 0: such a model scores every
/// message alike, and its solver may still report convergence.
///
/// # Errors
/// [`Error::Training`].
fn check_learned(weights: &[f64]) -> Result<()> {
    if !weights.is_empty() && weights.iter().all(|&w| w == 0.0) {
        return Err(Error::Training(
            "every feature weight came out 0: the model learned nothing (check --alpha and --also-train-weight)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_all_zero_fit_is_refused() {
        assert!(check_learned(&[0.0, 0.0, -0.0]).is_err());
        assert!(check_learned(&[0.0, 1e-300]).is_ok());
    }

    #[test]
    fn out_of_range_weights_and_the_unsure_label_are_refused() {
        for weight in [1e20, 0.0, -1.0, f64::NAN, f64::INFINITY, 1e-9] {
            let options = TrainOptions {
                also_train_weight: weight,
                ..Default::default()
            };
            assert!(options.check_settings().is_err(), "{weight}");
        }
        for weight in [1e-3, 0.25, 1.0, 1e3] {
            let options = TrainOptions {
                also_train_weight: weight,
                ..Default::default()
            };
            assert!(options.check_settings().is_ok(), "{weight}");
        }
        let options = TrainOptions {
            positive_label: "unsure".into(),
            ..Default::default()
        };
        assert!(options.check_settings().is_err());
    }
}
