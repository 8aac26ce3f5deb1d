//! Training: from labeled messages to a [`Model`], with a held-out report,
//! seeded splits and cross-validation.
//!
//! Messages are normalized, tokenized and turned into feature hashes once,
//! in parallel; every fit (held-out split, cross-validation folds, final
//! fit) then only fits a vocabulary on its training rows and solves.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::features::{DocTerms, Extractor, FeatureConfig, FeatureNames, SparseRow, Vocabulary};
use crate::io::LabeledData;
use crate::metrics::{self, Summary};
use crate::model::{HeldOutMetrics, Labels, Model, ModelHeader, TrainingInfo, sigmoid};
use crate::normalize::NORMALIZATION_VERSION;
use crate::solver::{self, CsrMatrix, FitParams, FittedWeights};
use crate::tokenize::DICTIONARY_ID;

/// How the decision threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdRule {
    /// A fixed probability.
    Fixed(f64),
    /// The lowest threshold whose cross-validated false-positive rate is at most this.
    MaxFpr(f64),
    /// The lowest threshold whose cross-validated precision is at least this.
    MinPrecision(f64),
}

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
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            fit: FitParams::default(),
            positive_label: "scam".into(),
            seed: 0,
            holdout_fraction: 0.2,
            threshold: ThresholdRule::Fixed(0.5),
            threshold_folds: 5,
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

/// Messages turned into feature hashes, ready for any number of fits.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Per-message distinct features and counts.
    pub docs: Vec<DocTerms>,
    /// Feature names by hash.
    pub names: FeatureNames,
    /// True where the label is the positive one.
    pub positive: Vec<bool>,
}

impl Prepared {
    /// Extracts features from `texts` in parallel.
    ///
    /// # Errors
    /// Fails if the tokenizer fails.
    pub fn new(texts: &[String], positive: Vec<bool>, config: &FeatureConfig) -> Result<Prepared> {
        // Few, large chunks: each chunk records the names it sees, and
        // merging many small name maps costs more than it saves.
        let chunk_size = texts
            .len()
            .div_ceil(4 * rayon::current_num_threads())
            .max(256);
        let chunks: Vec<Result<(Vec<DocTerms>, FeatureNames)>> = texts
            .par_chunks(chunk_size)
            .map(|chunk| {
                let mut extractor = Extractor::new()?;
                let mut names = FeatureNames::default();
                let docs = chunk
                    .iter()
                    .map(|t| extractor.doc_terms(t, config, &mut names))
                    .collect::<Result<Vec<_>>>()?;
                Ok((docs, names))
            })
            .collect();
        let mut docs = Vec::with_capacity(texts.len());
        let mut names = FeatureNames::default();
        for chunk in chunks {
            let (chunk_docs, chunk_names) = chunk?;
            docs.extend(chunk_docs);
            names.merge(chunk_names);
        }
        Ok(Prepared {
            docs,
            names,
            positive,
        })
    }

    /// Fits a vocabulary and weights on the rows in `rows`.
    ///
    /// # Errors
    /// Configuration or solver errors.
    pub fn fit(
        &self,
        rows: &[usize],
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<(Vocabulary, FittedWeights)> {
        // The vocabulary and IDF come from the training rows only.
        let train_docs = || rows.iter().map(|&i| &self.docs[i]);
        let vocabulary = features.fit(train_docs(), &self.names)?;
        let mut matrix = CsrMatrix::new(vocabulary.len());
        let mut row = SparseRow::new();
        for doc in train_docs() {
            vocabulary.vectorize_terms(doc, &mut row);
            matrix.push_row(&row);
        }
        let targets: Vec<bool> = rows.iter().map(|&i| self.positive[i]).collect();
        let weights = solver::fit(&matrix, &targets, params)?;
        Ok((vocabulary, weights))
    }

    /// P(positive) for the rows in `rows` under a fitted vocabulary and weights.
    pub fn score(
        &self,
        rows: &[usize],
        vocabulary: &Vocabulary,
        weights: &FittedWeights,
    ) -> Vec<f64> {
        rows.par_iter()
            .map_init(SparseRow::new, |row, &i| {
                vocabulary.vectorize_terms(&self.docs[i], row);
                sigmoid(weights.intercept + row.dot(&weights.weights))
            })
            .collect()
    }

    /// Out-of-fold probabilities: each row scored by a model that did not see it.
    ///
    /// # Errors
    /// Configuration or solver errors.
    pub fn cross_validate(
        &self,
        folds: &[usize],
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<Vec<f64>> {
        let k = folds.iter().copied().max().map_or(0, |m| m + 1);
        let mut scores = vec![f64::NAN; self.docs.len()];
        for fold in 0..k {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..self.docs.len()).partition(|&i| folds[i] == fold);
            if test.is_empty() {
                continue;
            }
            let (vocabulary, weights) = self.fit(&train, features, params)?;
            for (i, s) in test.iter().zip(self.score(&test, &vocabulary, &weights)) {
                scores[*i] = s;
            }
        }
        Ok(scores)
    }
}

/// Seeded stratified split: returns (train rows, test rows).
pub fn stratified_split(
    positive: &[bool],
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..positive.len())
            .filter(|&i| positive[i] == class)
            .collect();
        rows.shuffle(&mut rng);
        let n_test = (rows.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&rows[..n_test]);
        train.extend_from_slice(&rows[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Seeded stratified k-fold assignment (fold number per row). With `groups`,
/// every group lands in one fold: groups are shuffled, then placed largest
/// first into the fold that has the fewest rows of the group's majority class.
pub fn stratified_folds(
    positive: &[bool],
    k: usize,
    seed: u64,
    groups: Option<&[String]>,
) -> Vec<usize> {
    let k = k.max(2);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![0; positive.len()];
    match groups {
        None => {
            for class in [true, false] {
                let mut rows: Vec<usize> = (0..positive.len())
                    .filter(|&i| positive[i] == class)
                    .collect();
                rows.shuffle(&mut rng);
                for (position, &row) in rows.iter().enumerate() {
                    folds[row] = position % k;
                }
            }
        }
        Some(groups) => {
            // A row without a group value is a group of its own.
            let mut members: BTreeMap<(&str, usize), Vec<usize>> = BTreeMap::new();
            for (i, g) in groups.iter().enumerate() {
                let key = if g.trim().is_empty() {
                    ("", i)
                } else {
                    (g.as_str(), 0)
                };
                members.entry(key).or_default().push(i);
            }
            let mut list: Vec<Vec<usize>> = members.into_values().collect();
            list.shuffle(&mut rng);
            // Stable sort keeps the shuffled order among equal sizes.
            list.sort_by_key(|rows| std::cmp::Reverse(rows.len()));
            let mut load = vec![[0usize; 2]; k];
            for rows in list {
                let positives = rows.iter().filter(|&&i| positive[i]).count();
                let class = usize::from(positives * 2 >= rows.len());
                let fold = (0..k)
                    .min_by_key(|&f| (load[f][class], load[f][1 - class]))
                    .expect("k >= 2");
                load[fold][class] += rows.len();
                for row in rows {
                    folds[row] = fold;
                }
            }
        }
    }
    folds
}

/// SHA-256 of the (text, label) pairs in order.
pub fn data_hash(texts: &[String], labels: &[String]) -> String {
    let mut hasher = Sha256::new();
    for (t, l) in texts.iter().zip(labels) {
        hasher.update(t.as_bytes());
        hasher.update([0]);
        hasher.update(l.as_bytes());
        hasher.update([b'\n']);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's UTC date, or the date of `SOURCE_DATE_EPOCH` when it is set
/// (the reproducible-builds convention), so that a rerun can produce a
/// byte-identical model.
pub fn training_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl TrainOptions {
    /// Trains a model on `data`.
    ///
    /// # Errors
    /// Label problems (not exactly two classes, positive label missing),
    /// invalid settings, or solver failure.
    pub fn train(&self, data: &LabeledData) -> Result<TrainOutcome> {
        self.features.validate()?;
        if !(0.0..1.0).contains(&self.holdout_fraction) {
            return Err(Error::Config(format!(
                "held-out fraction must be in [0, 1), got {}",
                self.holdout_fraction
            )));
        }
        let negative = data.check_two_classes(&self.positive_label)?;
        data.check_has_text()?;
        let positive: Vec<bool> = data
            .labels
            .iter()
            .map(|l| *l == self.positive_label)
            .collect();
        let prepared = Prepared::new(&data.texts, positive, &self.features)?;
        let all_rows: Vec<usize> = (0..data.texts.len()).collect();

        let held_out = if self.holdout_fraction > 0.0 {
            let (train, test) =
                stratified_split(&prepared.positive, self.holdout_fraction, self.seed);
            if test.is_empty() || train.is_empty() {
                None
            } else {
                let (vocabulary, weights) = prepared.fit(&train, &self.features, &self.fit)?;
                let scores = prepared.score(&test, &vocabulary, &weights);
                let truth: Vec<bool> = test.iter().map(|&i| prepared.positive[i]).collect();
                Some((truth, scores))
            }
        } else {
            None
        };

        let (threshold, threshold_rule) = match self.threshold {
            ThresholdRule::Fixed(t) => {
                if !(0.0..=1.0).contains(&t) {
                    return Err(Error::Config(format!(
                        "threshold must be in [0, 1], got {t}"
                    )));
                }
                (t, format!("fixed at {t}"))
            }
            rule => {
                let folds =
                    stratified_folds(&prepared.positive, self.threshold_folds, self.seed, None);
                let scores = prepared.cross_validate(&folds, &self.features, &self.fit)?;
                let chosen = match rule {
                    ThresholdRule::MaxFpr(f) => {
                        metrics::threshold_for_fpr(&prepared.positive, &scores, f)
                    }
                    ThresholdRule::MinPrecision(p) => {
                        metrics::threshold_for_precision(&prepared.positive, &scores, p)
                    }
                    ThresholdRule::Fixed(_) => unreachable!("handled above"),
                };
                let t = chosen.ok_or_else(|| {
                    Error::Training(format!(
                        "no threshold meets {rule:?} on cross-validated scores"
                    ))
                })?;
                (
                    t,
                    format!(
                        "{rule:?} on {}-fold cross-validation (seed {})",
                        self.threshold_folds, self.seed
                    ),
                )
            }
        };

        let (vocabulary, weights) = prepared.fit(&all_rows, &self.features, &self.fit)?;
        let label_counts = data.label_counts();
        let held_out_summary = held_out
            .as_ref()
            .map(|(truth, scores)| Summary::compute(truth, scores, threshold));
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
                rows: data.texts.len(),
                rows_per_label: label_counts.clone(),
                data_sha256: data_hash(&data.texts, &data.labels),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn stratified_split_keeps_class_shares_and_is_seeded() {
        let positive: Vec<bool> = (0..100).map(|i| i % 4 == 0).collect();
        let (train, test) = stratified_split(&positive, 0.2, 1);
        assert_eq!(test.len(), 20);
        assert_eq!(test.iter().filter(|&&i| positive[i]).count(), 5);
        assert_eq!(train.len() + test.len(), 100);
        assert_eq!(stratified_split(&positive, 0.2, 1), (train, test));
        assert_ne!(
            stratified_split(&positive, 0.2, 2).1,
            stratified_split(&positive, 0.2, 1).1
        );
    }

    #[test]
    fn folds_are_stratified_and_groups_never_split() {
        let positive: Vec<bool> = (0..60).map(|i| i < 20).collect();
        let folds = stratified_folds(&positive, 5, 0, None);
        for f in 0..5 {
            assert_eq!((0..60).filter(|&i| folds[i] == f && positive[i]).count(), 4);
        }
        let groups: Vec<String> = (0..60).map(|i| format!("g{}", i / 3)).collect();
        let grouped = stratified_folds(&positive, 5, 0, Some(&groups));
        for i in 0..60 {
            assert_eq!(grouped[i], grouped[i - i % 3], "group of row {i} split");
        }
        let sizes: Vec<usize> = (0..5)
            .map(|f| grouped.iter().filter(|&&g| g == f).count())
            .collect();
        assert!(sizes.iter().all(|&s| s == 12), "{sizes:?}");
    }
}
