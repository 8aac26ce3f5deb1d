//! Training: from labeled messages to a [`Model`], with a held-out report,
//! seeded splits and cross-validation.
//!
//! Messages are normalized, tokenized and turned into feature hashes once,
//! in parallel; every fit (held-out split, cross-validation folds, final
//! fit) then only fits a vocabulary on its training rows and solves.

use crate::data::LabeledData;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, Vocabulary};
use crate::metrics::{self, Summary};
use crate::model::threshold::check_probability;
use crate::model::{HeldOutMetrics, Labels, Model, ModelHeader, Threshold, TrainingInfo};
use crate::normalize::NORMALIZATION_VERSION;
use crate::solver::{FitParams, FittedWeights};
use crate::tokenize::DICTIONARY_ID;

mod folds;
mod provenance;
mod rows;
mod split;

pub use folds::{Fold, iter_folds};
pub use provenance::{data_hash, source_date_epoch};
use provenance::{file_summaries, training_date};
pub use rows::{FittedFold, TrainingRows};
pub use split::{grouped_split, stratified_split};

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
        self.check()?;
        let negative = data.check_two_classes(&self.positive_label)?;
        data.check_has_text()?;
        if let Some(also) = also_train {
            also.check_labels_within(&self.positive_label, &negative)?;
        }
        let (training_rows, all) = self.prepare(data, also_train)?;
        let data_rows: Vec<usize> = (0..training_rows.n_data).collect();
        let (held_out_fold, held_out_skipped) = match self.held_out_fold(&training_rows) {
            Some(Ok(fold)) => (Some(fold), None),
            Some(Err(why)) => (None, Some(why)),
            None => (None, None),
        };
        // Every fit is independent of the others, so all run at once: the
        // final fit on every row (the largest, so first), the held-out fit
        // and the threshold folds. Errors are taken in the order the fits
        // used to run in: held-out, threshold folds, final.
        let mut batch = vec![Fold {
            train: data_rows.clone(),
            test: Vec::new(),
        }];
        batch.extend(held_out_fold);
        let n_held_out = batch.len() - 1;
        batch.extend(self.threshold_folds(&training_rows, &data_rows)?);
        let mut fits = training_rows.fit_folds(&batch, &self.features, &self.fit);
        let final_fit = fits.remove(0);
        let fits = fits.into_iter().collect::<Result<Vec<_>>>()?;
        let threshold = self.threshold_from(
            &training_rows,
            &data_rows,
            &batch[1 + n_held_out..],
            &fits[n_held_out..],
        )?;
        let final_fit = final_fit?;
        check_learned(&final_fit.weights.weights)?;
        let held_out = batch[1..=n_held_out].first().map(|fold| {
            let truth: Vec<bool> = fold
                .test
                .iter()
                .map(|&i| training_rows.positive[i])
                .collect();
            Summary::compute(&truth, &fits[0].scores, threshold)
        });
        let learned = Learned {
            negative,
            threshold,
            fit: final_fit,
            held_out: held_out.as_ref(),
            held_out_skipped,
        };
        let (header, vocabulary, weights) = self.header(data, also_train, &all, learned);
        let model = Model::new(header, vocabulary, weights.weights, weights.intercept)
            .map_err(|e| Error::Training(e.to_string()))?;
        Ok(TrainOutcome { model, held_out })
    }

    /// The held-out split of the data rows as a fold (grouped when the data
    /// has groups), or why it is skipped; `None` when none is asked for.
    fn held_out_fold(&self, training: &TrainingRows) -> Option<std::result::Result<Fold, String>> {
        if self.holdout_fraction <= 0.0 {
            return None;
        }
        let n_data = training.n_data;
        let positive = &training.positive[..n_data];
        let (train, test) = match training.groups.as_deref() {
            Some(groups) => grouped_split(positive, self.holdout_fraction, self.seed, groups),
            None => stratified_split(positive, self.holdout_fraction, self.seed),
        };
        let fold = Fold { train, test };
        Some(if fold.test.is_empty() || fold.train.is_empty() {
            Err(format!(
                "too few rows: --holdout {} on {n_data} rows leaves {} held out and {} to train on",
                self.holdout_fraction,
                fold.test.len(),
                fold.train.len()
            ))
        } else if training.one_label(&fold) {
            Err(format!(
                "--holdout {}{} on {n_data} rows leaves training rows of one label only",
                self.holdout_fraction,
                if training.groups.is_some() {
                    " (grouped)"
                } else {
                    ""
                }
            ))
        } else {
            Ok(fold)
        })
    }

    /// The folds of the inner cross-validation that chooses the threshold
    /// on the data rows `rows` (none for a fixed threshold): `threshold_folds`
    /// stratified folds, grouped when the data has groups.
    ///
    /// # Errors
    /// [`Error::Folds`] when a fold leaves training rows of one label only.
    pub(crate) fn threshold_folds(
        &self,
        training: &TrainingRows,
        rows: &[usize],
    ) -> Result<Vec<Fold>> {
        if let ThresholdRule::Fixed(_) = self.threshold {
            return Ok(Vec::new());
        }
        let assignment = training.assign_folds(rows, self.threshold_folds, self.seed);
        let folds: Vec<Fold> = iter_folds(rows, &assignment).collect();
        let k = folds.len();
        for (f, fold) in folds.iter().enumerate() {
            if !fold.test.is_empty() && training.one_label(fold) {
                return Err(Error::Folds(format!(
                    "fold {} of {k} leaves training rows of one label only (groups holding one label each?); use fewer folds, more groups, or a fixed --threshold",
                    f + 1
                )));
            }
        }
        Ok(folds.into_iter().filter(|f| !f.test.is_empty()).collect())
    }

    /// The threshold the rule picks on the out-of-fold scores of `rows`
    /// from the fits of [`TrainOptions::threshold_folds`].
    ///
    /// # Errors
    /// [`Error::Training`] when no threshold meets the rule.
    pub(crate) fn threshold_from(
        &self,
        training: &TrainingRows,
        rows: &[usize],
        folds: &[Fold],
        fits: &[FittedFold],
    ) -> Result<f64> {
        let rule = self.threshold;
        if let ThresholdRule::Fixed(t) = rule {
            return Ok(t.value());
        }
        let truth: Vec<bool> = rows.iter().map(|&i| training.positive[i]).collect();
        let scores = training.out_of_fold(rows, folds, fits);
        let chosen = match rule {
            ThresholdRule::MaxFpr(f) => metrics::threshold_for_fpr(&truth, &scores, f),
            ThresholdRule::MinPrecision(p) => metrics::threshold_for_precision(&truth, &scores, p),
            ThresholdRule::BestF1WithinFpr(f) => {
                metrics::threshold_for_f1_within_fpr(&truth, &scores, f)
            }
            ThresholdRule::Fixed(t) => Some(t.value()),
        };
        chosen.ok_or_else(|| {
            Error::Training(format!(
                "no threshold meets {rule} on cross-validated scores"
            ))
        })
    }

    /// The threshold the rule picks by inner cross-validation on the data
    /// rows `rows`, its folds fitted on the thread pool.
    ///
    /// # Errors
    /// As [`TrainOptions::threshold_folds`], [`TrainingRows::fit_folds`] and
    /// [`TrainOptions::threshold_from`].
    pub(crate) fn choose_threshold(&self, training: &TrainingRows, rows: &[usize]) -> Result<f64> {
        let folds = self.threshold_folds(training, rows)?;
        let fits = training.fit_folds(&folds, &self.features, &self.fit);
        let fits = fits.into_iter().collect::<Result<Vec<_>>>()?;
        self.threshold_from(training, rows, &folds, &fits)
    }

    /// The model header describing a training run, with the final fit's
    /// vocabulary and weights.
    fn header(
        &self,
        data: &LabeledData,
        also_train: Option<&LabeledData>,
        all: &LabeledData,
        learned: Learned<'_>,
    ) -> (ModelHeader, Vocabulary, FittedWeights) {
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
        let FittedFold {
            vocabulary,
            weights,
            ..
        } = learned.fit;
        let header = ModelHeader {
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            labels: Labels {
                positive: self.positive_label.clone(),
                negative: learned.negative,
            },
            threshold: learned.threshold,
            normalization_version: NORMALIZATION_VERSION,
            dictionary: DICTIONARY_ID.to_owned(),
            features: self.features.clone(),
            fit: self.fit.clone(),
            n_features: vocabulary.len(),
            training: TrainingInfo {
                rows: all.texts.len(),
                rows_per_label: all.label_counts(),
                data_sha256: data_hash(&all.texts, &all.labels),
                seed: self.seed,
                date: training_date(),
                iterations: weights.iterations,
                converged: weights.converged,
                threshold_rule,
                held_out: learned.held_out.map(|s| HeldOutMetrics {
                    rows: s.rows,
                    fraction: self.holdout_fraction,
                    precision: s.precision,
                    recall: s.recall,
                    f1: s.f1,
                    accuracy: s.accuracy,
                    roc_auc: s.roc_auc,
                    confusion: s.confusion.matrix(),
                }),
                held_out_skipped: learned.held_out_skipped,
                files,
            },
        };
        (header, vocabulary, weights)
    }

    /// Checks every setting that does not depend on the data: features,
    /// solver, held-out fraction, threshold rule and folds, positive label,
    /// weight of also-train rows. The one check of the options: training,
    /// cross-validation, the binaries' flags and the Python binding all call
    /// it before reading anything.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting.
    pub fn check(&self) -> Result<()> {
        self.features.validate()?;
        self.fit.check()?;
        if !(0.0..1.0).contains(&self.holdout_fraction) {
            return Err(Error::Config(format!(
                "held-out fraction (--holdout) must be in [0, 1), got {}",
                self.holdout_fraction
            )));
        }
        match self.threshold {
            ThresholdRule::Fixed(_) => {}
            ThresholdRule::MaxFpr(v) => _ = check_probability("--max-fpr", v)?,
            ThresholdRule::MinPrecision(v) => _ = check_probability("--min-precision", v)?,
            ThresholdRule::BestF1WithinFpr(v) => _ = check_probability("--f1-max-fpr", v)?,
        }
        if self.threshold_folds < 2 {
            return Err(Error::Config(format!(
                "threshold folds (--threshold-folds) must be at least 2, got {}",
                self.threshold_folds
            )));
        }
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
    pub(crate) fn prepare(
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
        training_rows.n_data = data.texts.len();
        training_rows.groups = data.groups.clone();
        for w in &mut training_rows.weights[data.texts.len()..] {
            *w = self.also_train_weight;
        }
        Ok((training_rows, all))
    }
}

/// What a training run learned that its model header records.
struct Learned<'a> {
    /// The negative label.
    negative: String,
    /// The chosen threshold.
    threshold: f64,
    /// The final fit, on every row.
    fit: FittedFold,
    /// Metrics on the held-out split.
    held_out: Option<&'a Summary>,
    /// Why no held-out split was scored, when one was asked for.
    held_out_skipped: Option<String>,
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
    fn one_check_refuses_each_bad_setting_naming_its_flag() {
        assert!(TrainOptions::default().check().is_ok());
        let fit = |f: fn(&mut FitParams)| {
            let mut options = TrainOptions::default();
            f(&mut options.fit);
            options
        };
        let cases = [
            (fit(|f| f.gradient_tolerance = 0.0), "--tol"),
            (fit(|f| f.gradient_tolerance = f64::NAN), "--tol"),
            (fit(|f| f.alpha = -1.0), "--alpha"),
            (fit(|f| f.max_iterations = 0), "--max-iter"),
            (
                TrainOptions {
                    holdout_fraction: 1.0,
                    ..Default::default()
                },
                "--holdout",
            ),
            (
                TrainOptions {
                    threshold_folds: 1,
                    ..Default::default()
                },
                "--threshold-folds",
            ),
            (
                TrainOptions {
                    threshold: ThresholdRule::MaxFpr(1.5),
                    ..Default::default()
                },
                "--max-fpr",
            ),
        ];
        for (options, flag) in cases {
            let err = options.check().unwrap_err().to_string();
            assert!(err.contains(flag), "want {flag} named, got {err}");
        }
    }

    #[test]
    fn out_of_range_weights_and_the_unsure_label_are_refused() {
        for weight in [1e20, 0.0, -1.0, f64::NAN, f64::INFINITY, 1e-9] {
            let options = TrainOptions {
                also_train_weight: weight,
                ..Default::default()
            };
            assert!(options.check().is_err(), "{weight}");
        }
        for weight in [1e-3, 0.25, 1.0, 1e3] {
            let options = TrainOptions {
                also_train_weight: weight,
                ..Default::default()
            };
            assert!(options.check().is_ok(), "{weight}");
        }
        let options = TrainOptions {
            positive_label: "unsure".into(),
            ..Default::default()
        };
        assert!(options.check().is_err());
    }
}
