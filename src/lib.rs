//! # jscam: an offline Japanese SMS scam classifier
//!
//! A message goes through five stages, one module each: normalization
//! (NFKC, zero-width removal, URL/phone/number placeholders, link facts),
//! tokenization (lindera with an IPADIC dictionary built from source and
//! embedded), features (word, bigram and character n-gram TF-IDF), the
//! model (L2-regularized logistic regression, fitted by a sparse L-BFGS
//! solver), and batch input and output (CSV, TSV, plain text, JSON Lines).
//!
//! The facade is small: a [`Model`] scores messages (one [`Scorer`] per
//! thread, or an [`OwnedScorerPool`] for a whole batch on threads of
//! its own), [`TrainOptions`] trains one, [`classify`] runs a whole batch,
//! and [`Evaluation`] measures a model on labeled data. The stage modules
//! stay public for the binaries, benchmarks and tests, but are not part
//! of the documented interface.
//!
//! The default model, trained on real messages (`real_ja`) plus the written
//! corpus `data/messages.csv`, is embedded:
//!
//! ```
//! use jscam::Model;
//!
//! let model = Model::embedded_default()?;
//! let score = model.score("会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。")?;
//! assert_eq!(model.label_for(score.probability, model.threshold()), "scam");
//! # Ok::<(), jscam::Error>(())
//! ```
//!
//! Training your own from labeled records:
//!
//! ```
//! use jscam::{LabeledData, TrainOptions};
//!
//! let data = LabeledData {
//!     texts: ["未納料金があります。至急ご連絡ください", "明日の会議は10時からです",
//!             "お荷物を持ち帰りました。こちらから確認", "了解、駅で待ってるね"]
//!         .map(String::from).to_vec(),
//!     labels: ["scam", "legit", "scam", "legit"].map(String::from).to_vec(),
//!     ..Default::default()
//! };
//! let mut options = TrainOptions { holdout_fraction: 0.0, ..Default::default() };
//! options.features.min_df = 1;
//! let model = options.train(&data)?.model;
//! let mut scorer = model.scorer()?; // one per thread; reuses its buffers
//! let p = scorer.score("未納料金のお知らせ")?.probability;
//! assert!(p > 0.5, "P(scam) = {p}");
//! # Ok::<(), jscam::Error>(())
//! ```
#![deny(missing_docs)]

// The stage modules below mark themselves `#![doc(hidden)]`: public for the
// binaries, benchmarks and tests, not part of the documented facade.

pub mod data;
pub mod error;
pub mod eval;
pub mod features;
pub mod links;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod output;
pub mod predict;
pub mod solver;
pub mod terminal;
pub mod tokenize;
pub mod train;

#[cfg(test)]
mod test_support;

/// The git commit this library was built from (12 hex digits), or
/// "unknown" when it was built outside a git checkout.
pub const COMMIT: &str = env!("JSCAM_COMMIT");

pub use data::{LabeledData, read_labeled_csvs};
pub use error::{Error, Result};
pub use eval::Evaluation;
pub use model::{Model, OwnedScorerPool, Score, Scorer, Threshold};
pub use predict::{BatchOptions, BatchSummary, run as classify};
pub use train::{TrainOptions, TrainOutcome};
