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
use crate::model::{
    HeldOutMetrics, Labels, Model, ModelHeader, TrainingFile, TrainingInfo, sigmoid,
};
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
    /// The threshold with the best cross-validated F1 among those whose
    /// false-positive rate is at most this: [`ThresholdRule::MaxFpr`] when
    /// the budget binds, without spending it when it does not.
    BestF1WithinFpr(f64),
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

/// Messages turned into feature hashes, ready for any number of fits.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Per-message distinct features and counts.
    pub docs: Vec<DocTerms>,
    /// Feature names by hash.
    pub names: FeatureNames,
    /// True where the label is the positive one.
    pub positive: Vec<bool>,
    /// Loss weight of each row (all 1 unless set).
    pub weights: Vec<f64>,
}

/// Marks a row that is on the training side of every fold.
pub const ALWAYS_TRAIN: usize = usize::MAX;

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
                let mut extractor = Extractor::for_config(config)?;
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
        let weights = vec![1.0; docs.len()];
        Ok(Prepared {
            docs,
            names,
            positive,
            weights,
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
        let sample_weights: Vec<f64> = rows.iter().map(|&i| self.weights[i]).collect();
        let weights = solver::fit_weighted(&matrix, &targets, Some(&sample_weights), params)?;
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

    /// Out-of-fold probabilities: each row scored by a model that did not
    /// see it. Rows whose fold is [`ALWAYS_TRAIN`] are on every training
    /// side and get no score (NaN).
    ///
    /// # Errors
    /// Configuration or solver errors.
    pub fn cross_validate(
        &self,
        folds: &[usize],
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<Vec<f64>> {
        let (rows, row_folds): (Vec<usize>, Vec<usize>) = folds
            .iter()
            .enumerate()
            .filter(|&(_, &f)| f != ALWAYS_TRAIN)
            .unzip();
        let always: Vec<usize> = (0..folds.len())
            .filter(|&i| folds[i] == ALWAYS_TRAIN)
            .collect();
        let oof = self.cross_validate_rows(&rows, &row_folds, &always, features, params)?;
        let mut scores = vec![f64::NAN; self.docs.len()];
        for (&i, s) in rows.iter().zip(oof) {
            scores[i] = s;
        }
        Ok(scores)
    }

    /// Out-of-fold scores of `rows` (in that order), where `rows[j]` is in
    /// fold `folds[j]` and the `always` rows are on every training side.
    ///
    /// # Errors
    /// Configuration or solver errors.
    pub fn cross_validate_rows(
        &self,
        rows: &[usize],
        folds: &[usize],
        always: &[usize],
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<Vec<f64>> {
        let k = folds.iter().copied().max().map_or(0, |m| m + 1);
        let mut scores = vec![f64::NAN; rows.len()];
        for fold in 0..k {
            let test: Vec<usize> = (0..rows.len()).filter(|&j| folds[j] == fold).collect();
            if test.is_empty() {
                continue;
            }
            let mut train: Vec<usize> = (0..rows.len())
                .filter(|&j| folds[j] != fold)
                .map(|j| rows[j])
                .collect();
            train.extend_from_slice(always);
            train.sort_unstable();
            let test_rows: Vec<usize> = test.iter().map(|&j| rows[j]).collect();
            let (vocabulary, weights) = self.fit(&train, features, params)?;
            for (&j, s) in test
                .iter()
                .zip(self.score(&test_rows, &vocabulary, &weights))
            {
                scores[j] = s;
            }
        }
        Ok(scores)
    }

    /// The threshold `rule` picks on out-of-fold scores of `rows`: `k`
    /// stratified folds over `rows` (grouped by `groups`, indexed like all
    /// rows), with the `always` rows on every training side.
    ///
    /// # Errors
    /// Configuration or solver errors, or no threshold meets the rule.
    #[allow(clippy::too_many_arguments)]
    pub fn choose_threshold(
        &self,
        rule: ThresholdRule,
        rows: &[usize],
        always: &[usize],
        groups: Option<&[String]>,
        k: usize,
        seed: u64,
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<f64> {
        let truth: Vec<bool> = rows.iter().map(|&i| self.positive[i]).collect();
        if let ThresholdRule::Fixed(t) = rule {
            return Ok(t);
        }
        let row_groups: Option<Vec<String>> =
            groups.map(|g| rows.iter().map(|&i| g[i].clone()).collect());
        let folds = stratified_folds(&truth, k, seed, row_groups.as_deref());
        let scores = self.cross_validate_rows(rows, &folds, always, features, params)?;
        let chosen = match rule {
            ThresholdRule::MaxFpr(f) => metrics::threshold_for_fpr(&truth, &scores, f),
            ThresholdRule::MinPrecision(p) => metrics::threshold_for_precision(&truth, &scores, p),
            ThresholdRule::BestF1WithinFpr(f) => {
                metrics::threshold_for_f1_within_fpr(&truth, &scores, f)
            }
            ThresholdRule::Fixed(t) => Some(t),
        };
        chosen.ok_or_else(|| {
            Error::Training(format!(
                "no threshold meets {rule:?} on cross-validated scores"
            ))
        })
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

/// Seeded split that keeps every group on one side: the groups are dealt
/// into round(1 / `test_fraction`) stratified folds (as in
/// [`stratified_folds`]) and the first fold is the test side, so its share
/// is close to `test_fraction`. Returns (train rows, test rows).
pub fn grouped_split(
    positive: &[bool],
    test_fraction: f64,
    seed: u64,
    groups: &[String],
) -> (Vec<usize>, Vec<usize>) {
    let k = (1.0 / test_fraction).round().max(2.0) as usize;
    let folds = stratified_folds(positive, k, seed, Some(groups));
    (0..positive.len()).partition(|&i| folds[i] != 0)
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
        self.features.validate()?;
        if !(0.0..1.0).contains(&self.holdout_fraction) {
            return Err(Error::Config(format!(
                "held-out fraction must be in [0, 1), got {}",
                self.holdout_fraction
            )));
        }
        if !(self.also_train_weight.is_finite() && self.also_train_weight > 0.0) {
            return Err(Error::Config(format!(
                "the weight of also-train rows must be > 0, got {}",
                self.also_train_weight
            )));
        }
        if let ThresholdRule::Fixed(t) = self.threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::Config(format!(
                "threshold must be in [0, 1], got {t}"
            )));
        }
        let negative = data.check_two_classes(&self.positive_label)?;
        data.check_has_text()?;
        if let Some(also) = also_train {
            also.check_labels_within(&self.positive_label, &negative)?;
        }
        let n_data = data.texts.len();
        let (prepared, all) = self.prepare(data, also_train)?;
        let data_rows: Vec<usize> = (0..n_data).collect();
        let always: Vec<usize> = (n_data..prepared.docs.len()).collect();

        let held_out = if self.holdout_fraction > 0.0 {
            let (train, test) = match data.groups.as_deref() {
                Some(groups) => grouped_split(
                    &prepared.positive[..n_data],
                    self.holdout_fraction,
                    self.seed,
                    groups,
                ),
                None => stratified_split(
                    &prepared.positive[..n_data],
                    self.holdout_fraction,
                    self.seed,
                ),
            };
            if test.is_empty() || train.is_empty() {
                None
            } else {
                let mut train = train;
                train.extend_from_slice(&always);
                let (vocabulary, weights) = prepared.fit(&train, &self.features, &self.fit)?;
                let scores = prepared.score(&test, &vocabulary, &weights);
                let truth: Vec<bool> = test.iter().map(|&i| prepared.positive[i]).collect();
                Some((truth, scores))
            }
        } else {
            None
        };

        let threshold = prepared.choose_threshold(
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
                "{rule:?} on {}-fold cross-validation{} (seed {})",
                self.threshold_folds,
                if data.groups.is_some() {
                    ", grouped"
                } else {
                    ""
                },
                self.seed
            ),
        };

        let all_rows: Vec<usize> = (0..prepared.docs.len()).collect();
        let (vocabulary, weights) = prepared.fit(&all_rows, &self.features, &self.fit)?;
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

    /// Extracts features of `data` followed by `also_train`, with the loss
    /// weights set; returns them with the two data sets joined.
    ///
    /// # Errors
    /// Tokenizer failure.
    pub fn prepare(
        &self,
        data: &LabeledData,
        also_train: Option<&LabeledData>,
    ) -> Result<(Prepared, LabeledData)> {
        let mut all = data.clone();
        if let Some(also) = also_train {
            all.append(also.clone());
        }
        let positive: Vec<bool> = all
            .labels
            .iter()
            .map(|l| *l == self.positive_label)
            .collect();
        let mut prepared = Prepared::new(&all.texts, positive, &self.features)?;
        for w in &mut prepared.weights[data.texts.len()..] {
            *w = self.also_train_weight;
        }
        Ok((prepared, all))
    }
}

/// One [`TrainingFile`] per file of `part`.
fn file_summaries(part: &LabeledData, role: &str, weight: f64) -> Vec<TrainingFile> {
    let n_files = part.files.len().max(1);
    (0..n_files)
        .map(|f| {
            let rows: Vec<usize> = (0..part.texts.len())
                .filter(|&i| part.file_of_row.get(i).copied().unwrap_or(0) == f)
                .collect();
            let texts: Vec<String> = rows.iter().map(|&i| part.texts[i].clone()).collect();
            let labels: Vec<String> = rows.iter().map(|&i| part.labels[i].clone()).collect();
            let mut rows_per_label = BTreeMap::new();
            for l in &labels {
                *rows_per_label.entry(l.clone()).or_insert(0) += 1;
            }
            TrainingFile {
                path: part
                    .files
                    .get(f)
                    .unwrap_or(&part.path)
                    .display()
                    .to_string(),
                role: role.to_owned(),
                weight,
                rows_per_label,
                sha256: data_hash(&texts, &labels),
            }
        })
        .collect()
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
    fn grouped_split_keeps_groups_whole() {
        let positive: Vec<bool> = (0..100).map(|i| i % 2 == 0).collect();
        let groups: Vec<String> = (0..100).map(|i| format!("g{}", i / 4)).collect();
        let (train, test) = grouped_split(&positive, 0.2, 0, &groups);
        assert_eq!(test.len(), 20, "five of 25 groups of 4");
        assert_eq!(train.len(), 80);
        for &i in &test {
            assert!(
                !train.iter().any(|&j| groups[j] == groups[i]),
                "group of row {i} split"
            );
        }
        assert_eq!(grouped_split(&positive, 0.2, 0, &groups), (train, test));
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
