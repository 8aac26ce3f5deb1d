//! The fitted model and its scorer (the module's own items; `mod.rs`
//! only declares and re-exports).

use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use super::file::{self, ModelParts, ModelPartsRef};
use super::header::ModelHeader;
use super::threshold::Threshold;
use crate::error::{Error, Result};
use crate::features::{Extractor, SparseRow, Vocabulary};
use crate::normalize::NORMALIZATION_VERSION;
use crate::solver::sigmoid;
use crate::tokenize::DICTIONARY_ID;

/// The default model, trained on `real_ja` plus `data/messages.csv` (see the
/// README, Reproducible) and embedded at build time.
static DEFAULT_MODEL_BYTES: &[u8] = include_bytes!("../../models/default.jscam");

/// Largest IDF weight a model may hold. Real IDF values are
/// ln((1 + n) / (1 + df)) + 1, below 50 for any corpus; the bound keeps
/// TF × IDF and its L2 norm finite, so scores are finite for every message.
pub const MAX_IDF: f64 = 1e6;

/// Smallest IDF weight a model may hold. Real IDF values are at least 1;
/// a tiny or subnormal one (only a forged file has it) could make a
/// message's L2 norm underflow and its score overflow.
pub const MIN_IDF: f64 = 1e-3;

/// The label `predict --unsure` writes. It is never a model's label, and
/// rows labeled with it are skipped by `train` and `evaluate` (see
/// [`crate::data::LabeledCsvOptions::skip_labels`]), so a reviewed
/// `predict --unsure` output can be read back as training data.
pub const UNSURE_LABEL: &str = "unsure";

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) header: ModelHeader,
    pub(crate) vocabulary: Vocabulary,
    pub(crate) weights: Vec<f64>,
    pub(crate) intercept: f64,
}

/// A feature name and its weight.
pub type WeightedFeature = (String, f64);

/// A message's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// w·x + b.
    pub logit: f64,
    /// P(positive label) = sigmoid(logit).
    pub probability: f64,
    /// Feature occurrences the model knew; 0 means the score is the prior alone.
    pub known_features: u32,
    /// The message's visible text was longer than the scored window
    /// ([`crate::normalize::MAX_MESSAGE_BYTES`]); only its start was scored.
    pub truncated: bool,
}

/// One feature's push on a message's logit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Feature name (`w:…` word, `b:…` bigram, `c:…` characters, entities).
    pub feature: String,
    /// weight × value.
    pub contribution: f64,
}

/// Scores messages with per-thread buffers. Create one per thread with [`Model::scorer`].
pub struct Scorer<'m> {
    // The pool (`pool.rs`) builds its owning scorers from these parts.
    pub(super) model: &'m Model,
    pub(super) extractor: Extractor,
    pub(super) row: SparseRow,
}

impl Scorer<'_> {
    /// Scores one message.
    ///
    /// # Errors
    /// Fails only if the tokenizer fails.
    pub fn score(&mut self, text: &str) -> Result<Score> {
        self.extractor
            .vectorize_into(text, &self.model.vocabulary, &mut self.row)?;
        let logit = self.model.intercept + self.row.dot(&self.model.weights);
        Ok(Score {
            logit,
            probability: sigmoid(logit),
            known_features: self.row.total_features,
            truncated: self.extractor.normalized().truncated(),
        })
    }

    /// The `k` words, phrases and link or phone facts that pushed the last
    /// scored message most toward the positive label and the `k` that pushed
    /// it most toward the negative one ([`explanation_groups`]). Together
    /// with the intercept, all groups sum to the logit.
    pub fn explain_last(&self, k: usize) -> (Vec<Contribution>, Vec<Contribution>) {
        let mut all = explanation_groups(self.contributions_last());
        // Largest first; ties in column order, which `contributions_last` keeps.
        all.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        let toward_negative = all
            .iter()
            .rev()
            .filter(|c| c.contribution < 0.0)
            .take(k)
            .cloned()
            .collect();
        all.retain(|c| c.contribution > 0.0);
        all.truncate(k);
        (all, toward_negative)
    }

    /// All contributions of the last scored message (feature, weight × value).
    pub fn contributions_last(&self) -> Vec<Contribution> {
        self.row
            .columns
            .iter()
            .zip(&self.row.values)
            .map(|(&c, &v)| Contribution {
                feature: self.model.vocabulary.name(c as usize).to_owned(),
                contribution: self.model.weights[c as usize] * v,
            })
            .collect()
    }
}

/// The group that collects single characters and character n-grams that
/// are not one of the message's words.
pub const OTHER_CHARACTERS: &str = "(other characters and particles)";

/// Contributions regrouped for people: a word's word (`w:`) and
/// character (`c:`) features become one entry named by the word, a bigram
/// (`b:`) one entry named by its two words, link and phone facts keep their
/// names, and single characters (particles such as が) and character
/// n-grams that are not a word of the message are pooled in
/// [`OTHER_CHARACTERS`]. Every contribution lands in exactly one group, so
/// the groups sum to the same total. Groups keep first-seen order.
pub fn explanation_groups(contributions: Vec<Contribution>) -> Vec<Contribution> {
    let words: std::collections::HashSet<String> = contributions
        .iter()
        .filter_map(|c| c.feature.strip_prefix("w:"))
        .filter(|w| w.chars().count() > 1)
        .map(str::to_owned)
        .collect();
    let mut groups: Vec<Contribution> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for c in contributions {
        let name = if let Some(word) = c.feature.strip_prefix("w:") {
            if word.chars().count() > 1 {
                word.to_owned()
            } else {
                OTHER_CHARACTERS.to_owned()
            }
        } else if let Some(gram) = c.feature.strip_prefix("c:") {
            if words.contains(gram) {
                gram.to_owned()
            } else {
                OTHER_CHARACTERS.to_owned()
            }
        } else if let Some(phrase) = c.feature.strip_prefix("b:") {
            phrase.to_owned()
        } else {
            c.feature.clone()
        };
        match index.get(&name) {
            Some(&i) => groups[i].contribution += c.contribution,
            None => {
                index.insert(name.clone(), groups.len());
                groups.push(Contribution {
                    feature: name,
                    contribution: c.contribution,
                });
            }
        }
    }
    groups
}

impl Model {
    /// Assembles a model; checks that the parts fit together.
    ///
    /// # Errors
    /// [`Error::Config`] if sizes disagree or a number is not finite.
    pub fn new(
        header: ModelHeader,
        vocabulary: Vocabulary,
        weights: Vec<f64>,
        intercept: f64,
    ) -> Result<Self> {
        if weights.len() != vocabulary.len() || header.n_features != weights.len() {
            return Err(Error::Config(format!(
                "{} weights for {} features (header says {})",
                weights.len(),
                vocabulary.len(),
                header.n_features
            )));
        }
        vocabulary.config().validate()?;
        if !intercept.is_finite() || weights.iter().any(|w| !w.is_finite()) {
            return Err(Error::Config("weights must be finite".into()));
        }
        // Knowledge values are the knowledge scale; a text value is at most
        // TF × IDF / (‖x‖^p r^(1−p)) ≤ (TF × IDF)^(1−p) / r^(1−p), with TF at
        // most 1 + ln(64 Ki) for a 64 KiB message. So a logit is at most
        // |intercept| + the sum of |weights| times the largest value: when
        // that is finite, every score is.
        let config = vocabulary.config();
        let largest_tfidf = (1.0 + (crate::normalize::MAX_MESSAGE_BYTES as f64).ln()) * MAX_IDF;
        let largest_text = (largest_tfidf / crate::features::REFERENCE_NORM)
            .powf(1.0 - config.norm_power)
            .max(1.0);
        let largest_value = config.knowledge_scale.max(largest_text);
        let bound = intercept.abs() + weights.iter().map(|w| w.abs()).sum::<f64>() * largest_value;
        if !bound.is_finite() {
            return Err(Error::Config(
                "weights too large: scores would overflow".into(),
            ));
        }
        if let Some(idf) = vocabulary
            .idf()
            .iter()
            .find(|v| !(v.is_finite() && (MIN_IDF..=MAX_IDF).contains(*v)))
        {
            return Err(Error::Config(format!(
                "IDF weight {idf:e} is outside [{MIN_IDF:e}, {MAX_IDF:e}]"
            )));
        }
        Threshold::new(header.threshold)?;
        if header.labels.positive.trim().is_empty() || header.labels.negative.trim().is_empty() {
            return Err(Error::Config(format!(
                "labels must not be empty, got positive {:?} and negative {:?}",
                header.labels.positive, header.labels.negative
            )));
        }
        if header.labels.positive == header.labels.negative {
            return Err(Error::Config("the two labels must differ".into()));
        }
        if header.labels.positive == UNSURE_LABEL || header.labels.negative == UNSURE_LABEL {
            return Err(Error::Config(format!(
                "{UNSURE_LABEL:?} cannot be a label: predict writes it for undecided messages"
            )));
        }
        Ok(Model {
            header,
            vocabulary,
            weights,
            intercept,
        })
    }

    /// The default model embedded in the library (trained on `real_ja` plus `data/messages.csv`).
    ///
    /// # Errors
    /// Fails only if the embedded file is damaged.
    pub fn embedded_default() -> Result<&'static Model> {
        static DEFAULT: OnceLock<std::result::Result<Model, String>> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                Model::from_bytes(DEFAULT_MODEL_BYTES, Path::new("<embedded>"))
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|reason| Error::Model {
                path: "<embedded>".into(),
                reason: reason.clone(),
            })
    }

    /// The embedded default model's file bytes (to name it by its SHA-256).
    pub fn embedded_default_bytes() -> &'static [u8] {
        DEFAULT_MODEL_BYTES
    }

    /// Loads a model file.
    ///
    /// # Errors
    /// [`Error::Model`] naming the file if it cannot be read, or if it is foreign,
    /// truncated, corrupted, newer than this tool, or made for another
    /// normalization or dictionary.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| Error::Model {
            path: path.into(),
            reason: format!("cannot read it: {e}"),
        })?;
        Model::from_bytes(&bytes, path)
    }

    /// Parses a model from bytes; `path` is only used in error messages.
    ///
    /// # Errors
    /// As [`Model::load`].
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
        let corrupted = |reason: String| Error::Model {
            path: path.into(),
            reason,
        };
        let model = Model::from_parts(file::decode(bytes).map_err(|e| corrupted(e.to_string()))?)
            .map_err(|e| corrupted(format!("corrupted: {e}")))?;
        let header = &model.header;
        if header.normalization_version != NORMALIZATION_VERSION {
            return Err(Error::Model {
                path: path.into(),
                reason: format!(
                    "made with normalization version {}, this tool uses {}; retrain the model",
                    header.normalization_version, NORMALIZATION_VERSION
                ),
            });
        }
        if header.dictionary != DICTIONARY_ID {
            return Err(Error::Model {
                path: path.into(),
                reason: format!(
                    "made with dictionary {:?}, this tool uses {:?}; retrain the model",
                    header.dictionary, DICTIONARY_ID
                ),
            });
        }
        Ok(model)
    }

    /// Checks decoded parts against each other.
    fn from_parts(parts: ModelParts) -> Result<Model> {
        let ModelParts {
            header,
            entries,
            weights,
            intercept,
        } = parts;
        let vocabulary = Vocabulary::new(header.features.clone(), entries)?;
        header.features.validate()?;
        Model::new(header, vocabulary, weights, intercept)
    }

    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        file::encode(ModelPartsRef {
            header: &self.header,
            names: self.vocabulary.names(),
            idf: self.vocabulary.idf(),
            weights: &self.weights,
            intercept: self.intercept,
        })
    }

    /// Writes the model through [`crate::output`]: the bytes are first
    /// decoded again (a model that cannot be read back is never written),
    /// then written to a temporary file created exclusively, with a short
    /// unpredictable name, in the same directory, and renamed over `path`.
    /// A crash never leaves a half-written model, the temporary file is
    /// removed on every error, a symlink at `path` is replaced (not
    /// followed), and a `path` that exists but is not a regular file (a
    /// device, a FIFO, a directory) is refused rather than replaced.
    ///
    /// # Errors
    /// [`Error::Write`] if the model does not round-trip, `path` is not a
    /// regular file, or writing or renaming fails.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes();
        if let Err(reason) = file::decode(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|parts| {
                Model::from_parts(parts)
                    .map(drop)
                    .map_err(|e| format!("corrupted: {e}"))
            })
        {
            return Err(Error::write(
                path,
                std::io::Error::other(format!(
                    "the model would not load again ({reason}); nothing written"
                )),
            ));
        }
        crate::output::write_file(path, &bytes)
    }

    /// The header (labels, threshold, training description, …).
    pub fn header(&self) -> &ModelHeader {
        &self.header
    }

    /// The vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The weights, one per feature column.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The intercept.
    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// The stored decision threshold on P(positive).
    pub fn threshold(&self) -> Threshold {
        Threshold::new(self.header.threshold).expect("checked in Model::new")
    }

    /// The positive label.
    pub fn positive_label(&self) -> &str {
        &self.header.labels.positive
    }

    /// The negative label.
    pub fn negative_label(&self) -> &str {
        &self.header.labels.negative
    }

    /// A scorer with its own buffers; make one per thread.
    ///
    /// # Errors
    /// Fails if the dictionary cannot be loaded.
    pub fn scorer(&self) -> Result<Scorer<'_>> {
        Ok(Scorer {
            model: self,
            extractor: Extractor::for_config(self.vocabulary.config())?,
            row: SparseRow::new(),
        })
    }

    /// Scores one message (convenient; creates a scorer each call).
    ///
    /// # Errors
    /// Fails only if the tokenizer fails.
    pub fn score(&self, text: &str) -> Result<Score> {
        self.scorer()?.score(text)
    }

    /// The label for a probability under `threshold`.
    pub fn label_for(&self, probability: f64, threshold: Threshold) -> &str {
        if threshold.is_positive(probability) {
            self.positive_label()
        } else {
            self.negative_label()
        }
    }

    /// The `n` features with the largest and smallest weights.
    pub fn top_features(&self, n: usize) -> (Vec<WeightedFeature>, Vec<WeightedFeature>) {
        let mut order: Vec<usize> = (0..self.weights.len()).collect();
        order.sort_by(|&a, &b| self.weights[b].total_cmp(&self.weights[a]).then(a.cmp(&b)));
        let pick = |i: &usize| (self.vocabulary.name(*i).to_owned(), self.weights[*i]);
        let positive = order
            .iter()
            .take(n)
            .filter(|&&i| self.weights[i] > 0.0)
            .map(pick)
            .collect();
        let negative = order
            .iter()
            .rev()
            .take(n)
            .filter(|&&i| self.weights[i] < 0.0)
            .map(pick)
            .collect();
        (positive, negative)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_loads_and_separates_the_examples() {
        let model = Model::embedded_default().unwrap();
        let scam = model
            .score("会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。Amazonカスタマーセンター0359620597")
            .unwrap();
        let otp = model
            .score("【Amazon】認証コードは123456です。このコードは誰にも教えないでください。")
            .unwrap();
        assert!(
            model.threshold().is_positive(scam.probability),
            "scam scored {}",
            scam.probability
        );
        assert!(
            !model.threshold().is_positive(otp.probability),
            "OTP scored {}",
            otp.probability
        );
    }

    #[test]
    fn contributions_and_intercept_sum_to_the_logit() {
        let model = Model::embedded_default().unwrap();
        let mut scorer = model.scorer().unwrap();
        let score = scorer
            .score("お荷物をお届けに上がりましたが不在の為持ち帰りました http://sagawa-a.top")
            .unwrap();
        let sum: f64 = scorer
            .contributions_last()
            .iter()
            .map(|c| c.contribution)
            .sum::<f64>()
            + model.intercept();
        assert!((sum - score.logit).abs() < 1e-9, "{sum} vs {}", score.logit);
        let grouped: f64 = explanation_groups(scorer.contributions_last())
            .iter()
            .map(|c| c.contribution)
            .sum::<f64>()
            + model.intercept();
        assert!(
            (grouped - score.logit).abs() < 1e-9,
            "{grouped} vs {}",
            score.logit
        );
        let (up, down) = scorer.explain_last(3);
        assert!(up.len() <= 3 && down.len() <= 3);
        for c in up.iter().chain(&down) {
            assert!(
                !c.feature.starts_with("w:") && !c.feature.starts_with("c:"),
                "{c:?}"
            );
        }
        assert!(up.iter().all(|c| c.contribution > 0.0));
        assert!(down.iter().all(|c| c.contribution < 0.0));
    }

    #[test]
    fn explanation_merges_a_words_features_and_pools_characters() {
        let c = |f: &str, v: f64| Contribution {
            feature: f.to_owned(),
            contribution: v,
        };
        let groups = explanation_groups(vec![
            c("w:未納", 1.0),
            c("c:未納", 0.5),
            c("c:が", -0.25),
            c("w:た", -0.25),
            c("b:未納 金", 0.125),
            c("<url>", 2.0),
            c("c:納金", 0.0625),
        ]);
        let get = |name: &str| {
            groups
                .iter()
                .find(|g| g.feature == name)
                .map(|g| g.contribution)
        };
        assert_eq!(get("未納"), Some(1.5));
        assert_eq!(get(OTHER_CHARACTERS), Some(-0.25 - 0.25 + 0.0625));
        assert_eq!(get("未納 金"), Some(0.125));
        assert_eq!(get("<url>"), Some(2.0));
        assert_eq!(groups.len(), 4);
    }

    #[test]
    fn sparse_score_equals_dense_dot_product() {
        let model = Model::embedded_default().unwrap();
        let mut scorer = model.scorer().unwrap();
        let text = "PayPayで送るね";
        let score = scorer.score(text).unwrap();
        let mut dense = vec![0.0; model.vocabulary().len()];
        for c in scorer.contributions_last() {
            let column = model
                .vocabulary()
                .names()
                .iter()
                .position(|n| *n == c.feature)
                .unwrap();
            dense[column] = c.contribution / model.weights()[column];
        }
        let logit: f64 = dense
            .iter()
            .zip(model.weights())
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + model.intercept();
        assert!((logit - score.logit).abs() < 1e-9);
    }
}
