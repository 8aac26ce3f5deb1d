//! The fitted model and scoring.
//!
//! A [`Model`] holds everything prediction needs, so that `predict` cannot
//! drift from `train`: the labels and which one is positive, the decision
//! threshold, the normalization version and dictionary identity, the
//! feature settings and vocabulary with IDF weights, the logistic weights
//! and intercept, and a description of the training run. Scoring never
//! builds a dense row: a message's logit is the intercept plus the weights
//! of its (sparse, normalized) features.

pub mod file;
mod fitted;
pub mod header;
mod pool;
pub mod threshold;

pub use fitted::{Contribution, Model, Score, Scorer, UNSURE_LABEL};
pub use header::{HeldOutMetrics, Labels, ModelHeader, TrainingFile, TrainingInfo};
pub use pool::{OwnedScorerPool, ScorerPool};
pub use threshold::{Threshold, UnsureBand};
