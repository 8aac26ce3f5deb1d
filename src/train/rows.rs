//! Training rows: messages turned into feature hashes once, then fitted,
//! scored and cross-validated on any subset of rows.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::{DocTerms, Extractor, FeatureConfig, FeatureNames, SparseRow, Vocabulary};
use crate::metrics;
use crate::model::sigmoid;
use crate::solver::{self, CsrMatrix, FitParams, FittedWeights};
use crate::train::ThresholdRule;
use crate::train::split::stratified_folds;

/// Messages turned into feature hashes, ready for any number of fits.
#[derive(Debug, Clone)]
pub struct TrainingRows {
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

impl TrainingRows {
    /// Extracts features from `texts` in parallel.
    ///
    /// # Errors
    /// Fails if the tokenizer fails.
    pub fn new(
        texts: &[String],
        positive: Vec<bool>,
        config: &FeatureConfig,
    ) -> Result<TrainingRows> {
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
        Ok(TrainingRows {
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
            let positives = train.iter().filter(|&&i| self.positive[i]).count();
            if positives == 0 || positives == train.len() {
                return Err(Error::Folds(format!(
                    "fold {} of {k} leaves training rows of one label only (groups holding one label each?); use fewer folds, more groups, or a fixed --threshold",
                    fold + 1
                )));
            }
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
            return Ok(t.value());
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
            ThresholdRule::Fixed(t) => Some(t.value()),
        };
        chosen.ok_or_else(|| {
            Error::Training(format!(
                "no threshold meets {rule} on cross-validated scores"
            ))
        })
    }
}
