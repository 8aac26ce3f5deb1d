//! Training rows: messages turned into feature hashes once, then fitted
//! and scored on any fold of them.

use rayon::prelude::*;

use super::folds::Fold;
use super::split::stratified_folds;
use crate::error::Result;
use crate::features::{DocTerms, Extractor, FeatureConfig, FeatureNames, SparseRow, Vocabulary};
use crate::solver::{self, CsrMatrix, FitParams, FittedWeights, sigmoid};

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
    /// Rows before this one are the data's, dealt into folds; the rest
    /// (the also-train data) are on the training side of every fit.
    pub n_data: usize,
    /// Group of each data row, when the data has groups: folds and the
    /// held-out split keep a group on one side.
    pub groups: Option<Vec<String>>,
}

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
            n_data: docs.len(),
            docs,
            names,
            positive,
            weights,
            groups: None,
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

    /// Fits every fold (on its training side and the always-train rows)
    /// and scores its test rows, the folds in parallel on the thread pool.
    /// The results come in fold order, and each fit is the same whatever the
    /// scheduling (the solver's sums do not depend on the thread count).
    pub fn fit_folds(
        &self,
        folds: &[Fold],
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Vec<Result<FittedFold>> {
        folds
            .par_iter()
            .map(|fold| self.fit_fold(fold, features, params))
            .collect()
    }

    /// Fits one fold and scores its test rows.
    ///
    /// # Errors
    /// Configuration or solver errors.
    pub fn fit_fold(
        &self,
        fold: &Fold,
        features: &FeatureConfig,
        params: &FitParams,
    ) -> Result<FittedFold> {
        let train = self.training_side(fold);
        let (vocabulary, weights) = self.fit(&train, features, params)?;
        let scores = self.score(&fold.test, &vocabulary, &weights);
        Ok(FittedFold {
            vocabulary,
            weights,
            scores,
        })
    }

    /// The rows a fold's fit trains on: its training rows, then the
    /// always-train rows (ascending when the fold's are).
    fn training_side(&self, fold: &Fold) -> Vec<usize> {
        let mut train = Vec::with_capacity(fold.train.len() + self.docs.len() - self.n_data);
        train.extend_from_slice(&fold.train);
        train.extend(self.n_data..self.docs.len());
        train
    }

    /// Whether a fold's training side (always-train rows included) holds
    /// rows of one label only, which no fit can learn from.
    pub fn one_label(&self, fold: &Fold) -> bool {
        let train = self.training_side(fold);
        let positives = train.iter().filter(|&&i| self.positive[i]).count();
        positives == 0 || positives == train.len()
    }

    /// Seeded stratified assignment of the data rows `rows` to `k` folds,
    /// keeping groups whole when the data has groups.
    pub fn assign_folds(&self, rows: &[usize], k: usize, seed: u64) -> Vec<usize> {
        let truth: Vec<bool> = rows.iter().map(|&i| self.positive[i]).collect();
        let row_groups: Option<Vec<String>> = self
            .groups
            .as_ref()
            .map(|g| rows.iter().map(|&i| g[i].clone()).collect());
        stratified_folds(&truth, k, seed, row_groups.as_deref())
    }

    /// Out-of-fold scores of `rows` (in that order) from the fits of
    /// `folds`, which test each of them once; a row no fold tests is NaN.
    pub fn out_of_fold(&self, rows: &[usize], folds: &[Fold], fits: &[FittedFold]) -> Vec<f64> {
        let mut by_row = vec![f64::NAN; self.docs.len()];
        for (fold, fit) in folds.iter().zip(fits) {
            for (&i, &s) in fold.test.iter().zip(&fit.scores) {
                by_row[i] = s;
            }
        }
        rows.iter().map(|&i| by_row[i]).collect()
    }
}

/// What a fold's fit learned, and its scores of the fold's test rows.
#[derive(Debug, Clone)]
pub struct FittedFold {
    /// Vocabulary fitted on the training side.
    pub vocabulary: Vocabulary,
    /// Weights fitted on the training side.
    pub weights: FittedWeights,
    /// P(positive) of each test row, in the fold's order.
    pub scores: Vec<f64>,
}
