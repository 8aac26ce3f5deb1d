//! # jscam: an offline Japanese SMS scam classifier
//!
//! A message goes through five stages, one module each: normalization
//! (NFKC, zero-width removal, URL/phone/number placeholders, link facts),
//! tokenization (lindera with an IPADIC dictionary built from source and
//! embedded), features (word, bigram and character n-gram TF-IDF), the
//! model (L2-regularized logistic regression, fitted by a sparse L-BFGS
//! solver), and batch input and output (CSV, TSV, plain text, JSON Lines).
//!
//! A [`Model`] scores messages (one [`Scorer`] per thread, or an
//! [`OwnedScorerPool`] for a whole batch on threads of its own),
//! [`TrainOptions`] trains one, [`classify`] runs a whole batch, and
//! [`Evaluation`] measures a model on labeled data. The stage modules are
//! private; what the binaries, benchmarks, tests and the Python binding
//! use is exported at the top level, and every type those items name is
//! exported with them.
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
// Every type a documented item names is documented too: nothing public in
// a stage module leaks through a signature without being exported below.
#![deny(unnameable_types)]

// One module per stage, private: what the binaries, benchmarks, tests and
// the Python binding (python/) use is exported below, in one place.
mod data;
mod error;
mod eval;
mod features;
mod links;
mod metrics;
mod model;
mod normalize;
mod output;
mod predict;
mod solver;
mod terminal;
mod tokenize;
mod train;

#[cfg(test)]
mod test_support;

/// The git commit this library was built from (12 hex digits), or
/// "unknown" when it was built outside a git checkout.
pub const COMMIT: &str = env!("JSCAM_COMMIT");

pub use crate::data::{
    Encoding, LabeledCsvOptions, LabeledData, file_sha256, parse_label_map, read_labeled_csv,
    read_labeled_csvs,
};
pub use crate::error::{Error, Location, Result};
pub use crate::eval::report::{render_report, report_files, to_text as report_text};
pub use crate::eval::{
    CategoryRate, CrossValidation, DataFile, Evaluation, Example, FalsePositiveTarget, FoldMetrics,
    ModelIdentity, OperatingPoint, RunInfo, Spread, cross_validate, score_with_model,
};
pub use crate::features::{Extractor, FeatureConfig, SparseRow, Vocabulary};
pub use crate::links::{LinkFacts, read_extra as read_extra_links};
pub use crate::metrics::{
    Confusion, CurvePoint, Metric, MetricInfo, MetricValues, ReliabilityBin, Summary,
    format_metric, metrics_inline,
};
pub use crate::model::file::{
    FORMAT_VERSION, FileError, MAGIC, ModelParts, ModelPartsRef, decode as decode_model_file,
    encode as encode_model_file,
};
pub use crate::model::threshold::check_probability;
pub use crate::model::{
    Contribution, HeldOutMetrics, Labels, Model, ModelHeader, OwnedScorerPool, Score, Scorer,
    Threshold, TrainingFile, TrainingInfo, UnsureBand,
};
pub use crate::normalize::{MAX_MESSAGE_BYTES, Normalized, Normalizer};
pub use crate::output::{AtomicFile, OutputPlan, remove_temporaries_on_signal, write_files};
pub use crate::predict::{BatchOptions, BatchSummary, InputFormat, OutputFormat, classify};
pub use crate::solver::{FitParams, Solver};
pub use crate::terminal::{escape_controls, escape_path};
pub use crate::tokenize::{Tokenizer, TokenizerWorker};
pub use crate::train::{ThresholdRule, TrainOptions, TrainOutcome, data_hash, source_date_epoch};
