//! Bag-of-words features.
//!
//! A message becomes a set of named features: word tokens (`w:納金`),
//! optionally word bigrams (`b:未 納金`) and character n-grams (`c:未納`),
//! plus the entity tokens from normalization (`<url>`, `tld:xyz`, …).
//! [`FeatureConfig`] (unfitted) learns a [`Vocabulary`] (fitted) from
//! training messages: which features to keep (`min_df`, `max_features`) and
//! their inverse document frequency. A message's vector is sublinear TF ×
//! IDF, L2-normalized, and stays sparse: it is never built as a dense row.
//!
//! Feature names are hashed while scanning so that looking a feature up
//! allocates nothing; the vocabulary keeps the names for
//! explanations and the model file, and rejects a hash collision on load.

use std::collections::HashMap;

use std::hash::Hasher;
use std::sync::OnceLock;

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::normalize::{Normalized, Normalizer};
use crate::tokenize::{Tokenizer, TokenizerWorker};

/// The hash used to look a feature name up. Only ever compared within one
/// process (model files store names, and the index is rebuilt on load), so
/// a fast word-at-a-time hash is enough.
pub fn feature_hash(name: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(name.as_bytes());
    hasher.finish()
}

/// Which features to extract and how many to keep. Unfitted: [`FeatureConfig::fit`]
/// turns it into a [`Vocabulary`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// 1 for word unigrams, 2 to add word bigrams.
    pub word_ngrams: u8,
    /// Smallest character n-gram length (0 turns character n-grams off).
    pub char_ngram_min: u8,
    /// Largest character n-gram length.
    pub char_ngram_max: u8,
    /// Keep features that occur in at least this many training messages.
    pub min_df: u32,
    /// Keep at most this many features (the most frequent ones).
    pub max_features: usize,
    /// Use 1 + ln(count) instead of the raw count.
    pub sublinear_tf: bool,
    /// Link facts added to the shipped ones (`train --links`), one
    /// `KIND VALUE` line each; see [`crate::links`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_links: Vec<String>,
    /// Value of every link, phone, sender and signal fact present in a
    /// message (the *knowledge block*: binary, outside TF-IDF and outside
    /// the text's normalization, so a long text cannot dilute it). Through
    /// the L2 penalty it also sets how strongly these weights are shrunk:
    /// a larger value shrinks them less. 0 puts the facts among the text
    /// features as TF-IDF columns instead.
    #[serde(default)]
    pub knowledge_scale: f64,
    /// How the text block is normalized: its TF-IDF vector x is divided by
    /// ‖x‖^p · r^(1−p) with r = [`REFERENCE_NORM`]. p = 1 is plain L2 (every
    /// message as confident as any other, and ordinary text appended to a
    /// scam dilutes it); below 1 a message with little text (「こんにちは」)
    /// keeps a short vector and a score nearer the prior, and appended text
    /// dilutes less. p = 0 is raw TF-IDF scaled by 1/r.
    #[serde(default = "l2_norm_power")]
    pub norm_power: f64,
    /// Upper bounds (in letters and digits of the normalized text, links
    /// and numbers left out) of the message-length facts: a message gets
    /// `len:leB` for the first bound B it does not exceed, none when longer
    /// than the last. A greeting of five letters carries little evidence:
    /// the fact lets the model learn how often such messages are scams,
    /// instead of deciding them on their few character n-grams alone.
    /// Empty: no length facts.
    #[serde(default)]
    pub length_buckets: Vec<u32>,
}

fn l2_norm_power() -> f64 {
    1.0
}

/// The text-vector norm that `norm_power` leaves unchanged: about that of
/// a 20-character message.
pub const REFERENCE_NORM: f64 = 32.0;

/// True for the features of the knowledge block: everything but words
/// (`w:`), word bigrams (`b:`) and character n-grams (`c:`).
pub fn is_knowledge_feature(name: &str) -> bool {
    !(name.starts_with("w:") || name.starts_with("b:") || name.starts_with("c:"))
}

/// Largest `knowledge_scale` accepted.
pub const MAX_KNOWLEDGE_SCALE: f64 = 1e3;

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_ngrams: 2,
            char_ngram_min: 1,
            char_ngram_max: 2,
            min_df: 1,
            max_features: 200_000,
            sublinear_tf: true,
            extra_links: Vec::new(),
            knowledge_scale: 0.0,
            norm_power: 1.0,
            length_buckets: DEFAULT_LENGTH_BUCKETS.to_vec(),
        }
    }
}

/// The default message-length facts: at most 8 letters, and 9 to 15
/// (chosen on real messages; docs/real-data.md, table G).
pub const DEFAULT_LENGTH_BUCKETS: [u32; 2] = [8, 15];

/// Most length buckets accepted.
pub const MAX_LENGTH_BUCKETS: usize = 16;

impl FeatureConfig {
    /// Checks that the settings make sense.
    ///
    /// # Errors
    /// [`Error::Config`] naming the bad setting.
    pub fn validate(&self) -> Result<()> {
        if !(1..=2).contains(&self.word_ngrams) {
            return Err(Error::Config(format!(
                "word n-grams must be 1 or 2, got {}",
                self.word_ngrams
            )));
        }
        let off = self.char_ngram_min == 0 && self.char_ngram_max == 0;
        if !off
            && (self.char_ngram_min == 0
                || self.char_ngram_min > self.char_ngram_max
                || self.char_ngram_max > 6)
        {
            return Err(Error::Config(format!(
                "character n-grams must be 0,0 (off) or satisfy 1 <= min <= max <= 6, got {},{}",
                self.char_ngram_min, self.char_ngram_max
            )));
        }
        crate::links::LinkFacts::with_extra(&self.extra_links)?;
        if !(self.knowledge_scale.is_finite()
            && (0.0..=MAX_KNOWLEDGE_SCALE).contains(&self.knowledge_scale))
        {
            return Err(Error::Config(format!(
                "knowledge scale must be in [0, {MAX_KNOWLEDGE_SCALE}], got {}",
                self.knowledge_scale
            )));
        }
        if !(self.norm_power.is_finite() && (0.0..=1.0).contains(&self.norm_power)) {
            return Err(Error::Config(format!(
                "norm power must be in [0, 1], got {}",
                self.norm_power
            )));
        }
        let increasing = self.length_buckets.windows(2).all(|w| w[0] < w[1]);
        if !increasing
            || self.length_buckets.first() == Some(&0)
            || self.length_buckets.len() > MAX_LENGTH_BUCKETS
        {
            return Err(Error::Config(format!(
                "length buckets must be at most {MAX_LENGTH_BUCKETS} increasing numbers from 1, got {:?}",
                self.length_buckets
            )));
        }
        if self.min_df == 0 || self.max_features == 0 {
            return Err(Error::Config(
                "min_df and max_features must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// Learns the vocabulary from extracted training messages.
    ///
    /// # Errors
    /// [`Error::Config`] for invalid settings; [`Error::Training`] when no
    /// feature survives `min_df`.
    pub(crate) fn fit<'d>(
        &self,
        docs: impl ExactSizeIterator<Item = &'d DocTerms>,
        names: &FeatureNames,
    ) -> Result<Vocabulary> {
        self.validate()?;
        let mut df: HashMap<u64, u32, FxBuildHasher> = HashMap::default();
        let n_docs = docs.len() as f64;
        for doc in docs {
            for &(hash, _) in &doc.terms {
                *df.entry(hash).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(u64, u32)> = df
            .into_iter()
            .filter(|&(_, count)| count >= self.min_df)
            .collect();
        if kept.is_empty() {
            return Err(Error::Training(format!(
                "no feature occurs in at least {} training messages",
                self.min_df
            )));
        }
        // Most frequent first, ties broken by hash (fixed, unlike HashMap
        // order), so the cut is deterministic; only the kept part is sorted.
        let by_frequency = |a: &(u64, u32), b: &(u64, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if kept.len() > self.max_features {
            kept.select_nth_unstable_by(self.max_features, by_frequency);
            kept.truncate(self.max_features);
        }
        kept.sort_unstable_by(by_frequency);
        // The knowledge block comes first, so that a column number tells
        // which block it is in (see `Vocabulary::knowledge_columns`).
        if self.knowledge_scale > 0.0 {
            kept.sort_by_key(|&(hash, _)| !is_knowledge_feature(names.get(hash)));
        }
        let entries = kept
            .into_iter()
            .map(|(hash, count)| {
                // Smoothed IDF, as if one extra message contained every feature.
                let idf = ((1.0 + n_docs) / (1.0 + f64::from(count))).ln() + 1.0;
                (names.get(hash).to_owned(), idf)
            })
            .collect();
        Vocabulary::new(self.clone(), entries)
    }
}

/// Feature names seen during extraction, by hash.
#[derive(Debug, Default, Clone)]
pub struct FeatureNames {
    names: HashMap<u64, String, FxBuildHasher>,
}

impl FeatureNames {
    /// The name of a hash that was recorded (empty if unknown).
    pub fn get(&self, hash: u64) -> &str {
        self.names.get(&hash).map_or("", String::as_str)
    }

    fn record(&mut self, hash: u64, name: &str) {
        self.names.entry(hash).or_insert_with(|| name.to_owned());
    }

    /// Adds the names of another set (from another thread).
    pub fn merge(&mut self, other: FeatureNames) {
        for (hash, name) in other.names {
            self.names.entry(hash).or_insert(name);
        }
    }
}

/// One message's distinct features with their counts, sorted by hash.
#[derive(Debug, Default, Clone)]
pub struct DocTerms {
    /// (feature hash, count) pairs.
    pub terms: Vec<(u64, u32)>,
}

/// Turns text into feature hashes: normalization, tokenization and n-grams,
/// with every buffer reused between messages. One per thread.
pub struct Extractor {
    normalizer: Normalizer,
    worker: TokenizerWorker,
    normalized: Normalized,
    key: String,
    hashes: Vec<u64>,
    columns: Vec<u32>,
    terms: Vec<(u32, u32)>,
    char_starts: Vec<usize>,
}

impl Extractor {
    /// A new extractor using the shared tokenizer and the shipped link facts.
    ///
    /// # Errors
    /// Fails if the dictionary cannot be loaded.
    pub fn new() -> Result<Self> {
        Self::with_normalizer(Normalizer::new())
    }

    /// A new extractor for `config`: with its extra link facts, if any.
    ///
    /// # Errors
    /// Fails if the dictionary cannot be loaded or the link facts do not parse.
    pub fn for_config(config: &FeatureConfig) -> Result<Self> {
        let links = crate::links::LinkFacts::with_extra(&config.extra_links)?;
        Self::with_normalizer(Normalizer::with_links(links))
    }

    fn with_normalizer(normalizer: Normalizer) -> Result<Self> {
        Ok(Extractor {
            normalizer,
            worker: Tokenizer::shared()?.worker(),
            normalized: Normalized::new(),
            key: String::new(),
            hashes: Vec::new(),
            columns: Vec::new(),
            terms: Vec::new(),
            char_starts: Vec::new(),
        })
    }

    /// The normalized text of the last message processed.
    pub fn normalized(&self) -> &Normalized {
        &self.normalized
    }

    /// Calls `each(hash, name)` for every feature occurrence in `text`.
    ///
    /// # Errors
    /// Fails if the tokenizer fails.
    pub fn for_each_feature(
        &mut self,
        text: &str,
        config: &FeatureConfig,
        mut each: impl FnMut(u64, &str),
    ) -> Result<()> {
        let Extractor {
            normalizer,
            worker,
            normalized,
            key,
            char_starts,
            ..
        } = self;
        normalizer.normalize_into(text, normalized);
        for entity in normalized.entities() {
            each(feature_hash(entity), entity);
        }
        if !config.length_buckets.is_empty() {
            let letters = normalized
                .text
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count();
            if let Some(bound) = config
                .length_buckets
                .iter()
                .find(|&&b| letters <= b as usize)
            {
                use std::fmt::Write as _;
                key.clear();
                // Writing to a String cannot fail.
                let _ = write!(key, "len:le{bound}");
                each(feature_hash(key), key);
            }
        }
        let bigrams = config.word_ngrams >= 2;
        // Tokens are slices of the normalized text, so the previous one is
        // kept as a slice, not copied.
        let mut previous_token: Option<&str> = None;
        worker.for_each_token(&normalized.text, |token| {
            key.clear();
            key.push_str("w:");
            key.push_str(token);
            each(feature_hash(key), key);
            if bigrams {
                if let Some(previous) = previous_token {
                    key.clear();
                    key.push_str("b:");
                    key.push_str(previous);
                    key.push(' ');
                    key.push_str(token);
                    each(feature_hash(key), key);
                }
                previous_token = Some(token);
            }
        })?;
        if config.char_ngram_min > 0 {
            char_ngrams(&normalized.text, config, key, char_starts, &mut each);
        }
        Ok(())
    }

    /// Extracts `text` into distinct (hash, count) pairs, recording names.
    ///
    /// # Errors
    /// Fails if the tokenizer fails.
    pub(crate) fn doc_terms(
        &mut self,
        text: &str,
        config: &FeatureConfig,
        names: &mut FeatureNames,
    ) -> Result<DocTerms> {
        let mut hashes = std::mem::take(&mut self.hashes);
        hashes.clear();
        self.for_each_feature(text, config, |hash, name| {
            names.record(hash, name);
            hashes.push(hash);
        })?;
        let mut terms = Vec::new();
        count_sorted(&mut hashes, &mut terms);
        self.hashes = hashes;
        Ok(DocTerms { terms })
    }

    /// The sparse TF-IDF vector of `text` under `vocabulary`, written to `row`.
    ///
    /// # Errors
    /// Fails if the tokenizer fails.
    pub fn vectorize_into(
        &mut self,
        text: &str,
        vocabulary: &Vocabulary,
        row: &mut SparseRow,
    ) -> Result<()> {
        row.clear();
        let mut hashes = std::mem::take(&mut self.hashes);
        hashes.clear();
        let result = self.for_each_feature(text, &vocabulary.config, |hash, _| hashes.push(hash));
        let columns = &mut self.columns;
        columns.clear();
        vocabulary.index.columns_of(&hashes, columns);
        // Start the IDF loads now, so that they arrive while sorting.
        let touched = columns
            .iter()
            .fold(0u64, |acc, &c| acc ^ vocabulary.idf[c as usize].to_bits());
        std::hint::black_box(touched);
        count_sorted(columns, &mut self.terms);
        row.fill(&self.terms, vocabulary);
        self.hashes = hashes;
        result
    }
}

/// Every character n-gram of `text` with lengths in the configured range.
/// Spaces stand for removed entities and word breaks; n-grams made only of
/// spaces are skipped.
fn char_ngrams(
    text: &str,
    config: &FeatureConfig,
    key: &mut String,
    bounds: &mut Vec<usize>,
    each: &mut impl FnMut(u64, &str),
) {
    bounds.clear();
    bounds.extend(text.char_indices().map(|(i, _)| i).chain([text.len()]));
    let chars = bounds.len() - 1;
    for n in usize::from(config.char_ngram_min)..=usize::from(config.char_ngram_max) {
        for start in 0..chars.saturating_sub(n - 1) {
            let gram = &text[bounds[start]..bounds[start + n]];
            if gram.chars().all(char::is_whitespace) {
                continue;
            }
            key.clear();
            key.push_str("c:");
            key.push_str(gram);
            each(feature_hash(key), key);
        }
    }
}

/// Sorts `values` and writes (value, count) pairs to `out`.
fn count_sorted<T: Ord + Copy>(values: &mut [T], out: &mut Vec<(T, u32)>) {
    values.sort_unstable();
    out.clear();
    for &v in values.iter() {
        match out.last_mut() {
            Some((last, count)) if *last == v => *count += 1,
            _ => out.push((v, 1)),
        }
    }
}

/// 1 + ln(count). Most counts are small, and `ln` was a visible share of
/// scoring, so small counts come from a table filled by the same formula
/// (bit-identical values).
fn sublinear_tf(count: u32) -> f64 {
    const TABLED: usize = 64;
    static TABLE: OnceLock<[f64; TABLED]> = OnceLock::new();
    let formula = |count: u32| 1.0 + f64::from(count).ln();
    match usize::try_from(count) {
        Ok(index) if index < TABLED => {
            TABLE.get_or_init(|| std::array::from_fn(|i| formula(i as u32)))[index]
        }
        _ => formula(count),
    }
}

/// Feature hash → column, by open addressing with linear probing.
///
/// A slot holds the full hash next to its column, so a lookup usually reads
/// one cache line; a `HashMap` reads a control group and then a bucket, two
/// cache misses on a table of this size (a hundred thousand features),
/// which was most of the cost of extraction.
#[derive(Debug, Clone)]
struct ColumnIndex {
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the home slot is the top bits of a remix.
    shift: u32,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    /// [`ColumnIndex::EMPTY`] for a free slot.
    column: u32,
}

impl ColumnIndex {
    /// Marks a free slot; no column can have this number.
    const EMPTY: u32 = u32::MAX;

    /// An empty index for `len` entries, at most half full so that probe
    /// runs stay short, also for the misses (unknown features).
    fn with_capacity(len: usize) -> Self {
        let slots = (len * 2).next_power_of_two().max(16);
        ColumnIndex {
            slots: vec![
                Slot {
                    hash: 0,
                    column: Self::EMPTY,
                };
                slots
            ],
            shift: 64 - slots.trailing_zeros(),
        }
    }

    fn home(&self, hash: u64) -> usize {
        // Fibonacci hashing: spreads hashes that differ only in a few bits.
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Adds `hash` → `column`; false if `hash` is already present. The
    /// index must have been created for at least as many entries.
    fn insert(&mut self, hash: u64, column: u32) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            let slot = &mut self.slots[at];
            if slot.column == Self::EMPTY {
                *slot = Slot { hash, column };
                return true;
            }
            if slot.hash == hash {
                return false;
            }
            at = (at + 1) & mask;
        }
    }

    fn get(&self, hash: u64) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            let slot = self.slots[at];
            if slot.column == Self::EMPTY {
                return None;
            }
            if slot.hash == hash {
                return Some(slot.column);
            }
            at = (at + 1) & mask;
        }
    }

    /// Appends the column of every hash that is known, in order.
    fn columns_of(&self, hashes: &[u64], columns: &mut Vec<u32>) {
        // First read every home slot in a loop without branches, so that
        // the CPU has the cache misses in flight together instead of one
        // after another behind the probe loop's mispredicted branches.
        let touched = hashes
            .iter()
            .fold(0u64, |acc, &hash| acc ^ self.slots[self.home(hash)].hash);
        std::hint::black_box(touched);
        columns.extend(hashes.iter().filter_map(|&hash| self.get(hash)));
    }
}

/// The fitted vocabulary: feature names, their columns and IDF weights.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    config: FeatureConfig,
    names: Vec<String>,
    idf: Vec<f64>,
    index: ColumnIndex,
    /// Columns below this are the knowledge block.
    knowledge_columns: u32,
}

impl Vocabulary {
    /// Builds a vocabulary from (name, idf) pairs in column order.
    ///
    /// # Errors
    /// [`Error::Config`] if two names hash alike, a value is not finite, or
    /// (with a knowledge block) a knowledge feature follows a text one.
    pub fn new(config: FeatureConfig, entries: Vec<(String, f64)>) -> Result<Self> {
        let knowledge_columns = if config.knowledge_scale > 0.0 {
            let leading = entries
                .iter()
                .take_while(|(name, _)| is_knowledge_feature(name))
                .count();
            if let Some((name, _)) = entries[leading..]
                .iter()
                .find(|(name, _)| is_knowledge_feature(name))
            {
                return Err(Error::Config(format!(
                    "knowledge feature {name:?} stands after the text features"
                )));
            }
            u32::try_from(leading).map_err(|_| Error::Config("too many features".into()))?
        } else {
            0
        };
        let mut index = ColumnIndex::with_capacity(entries.len());
        let mut names = Vec::with_capacity(entries.len());
        let mut idf = Vec::with_capacity(entries.len());
        for (column, (name, weight)) in entries.into_iter().enumerate() {
            if !weight.is_finite() || weight <= 0.0 {
                return Err(Error::Config(format!(
                    "feature {name:?} has invalid IDF {weight}"
                )));
            }
            let column = u32::try_from(column)
                .ok()
                .filter(|&c| c != ColumnIndex::EMPTY)
                .ok_or_else(|| Error::Config("more than 2^32 - 1 features".into()))?;
            if !index.insert(feature_hash(&name), column) {
                return Err(Error::Config(format!(
                    "feature {name:?} is duplicated or collides"
                )));
            }
            names.push(name);
            idf.push(weight);
        }
        Ok(Vocabulary {
            config,
            names,
            idf,
            index,
            knowledge_columns,
        })
    }

    /// The extraction settings this vocabulary was fitted with.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Number of features (columns).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if there are no features.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Name of a column.
    pub fn name(&self, column: usize) -> &str {
        &self.names[column]
    }

    /// All names in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// IDF weight of every column.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// The vector for already extracted terms (used in training).
    pub(crate) fn vectorize_terms(&self, doc: &DocTerms, row: &mut SparseRow) {
        row.clear();
        let mut columns: Vec<(u32, u32)> = doc
            .terms
            .iter()
            .filter_map(|&(hash, count)| self.index.get(hash).map(|c| (c, count)))
            .collect();
        columns.sort_unstable();
        row.fill(&columns, self);
    }
}

/// A sparse feature vector: sorted column indices and values.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SparseRow {
    /// Column indices, ascending.
    pub columns: Vec<u32>,
    /// Values, L2-normalized.
    pub values: Vec<f64>,
    /// How many feature occurrences were known to the vocabulary.
    pub total_features: u32,
}

impl SparseRow {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self) {
        self.columns.clear();
        self.values.clear();
        self.total_features = 0;
    }

    /// Fills from sorted (column, count) pairs: the knowledge block as
    /// present/absent times its scale; the text block as TF × IDF divided by
    /// ‖x‖^p · r^(1−p) (see [`FeatureConfig::norm_power`]).
    fn fill(&mut self, columns: &[(u32, u32)], vocabulary: &Vocabulary) {
        let config = &vocabulary.config;
        let sublinear = config.sublinear_tf;
        let knowledge = vocabulary.knowledge_columns;
        let mut norm = 0.0;
        for &(column, count) in columns {
            let value = if column < knowledge {
                config.knowledge_scale
            } else {
                let tf = if sublinear {
                    sublinear_tf(count)
                } else {
                    f64::from(count)
                };
                let value = tf * vocabulary.idf[column as usize];
                norm += value * value;
                value
            };
            self.columns.push(column);
            self.values.push(value);
            self.total_features += count;
        }
        let norm = norm.sqrt();
        let denominator = if config.norm_power == 1.0 {
            norm
        } else {
            norm.powf(config.norm_power) * REFERENCE_NORM.powf(1.0 - config.norm_power)
        };
        if denominator > 0.0 {
            // Columns are sorted, so the text block is a suffix of the row.
            let text_start = self.columns.partition_point(|&c| c < knowledge);
            self.values[text_start..]
                .iter_mut()
                .for_each(|v| *v /= denominator);
        }
    }

    /// Dot product with a dense weight vector.
    pub fn dot(&self, weights: &[f64]) -> f64 {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(&c, &v)| weights[c as usize] * v)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(texts: &[&str], config: &FeatureConfig) -> (Vec<DocTerms>, FeatureNames) {
        let mut extractor = Extractor::new().unwrap();
        let mut names = FeatureNames::default();
        let docs = texts
            .iter()
            .map(|t| extractor.doc_terms(t, config, &mut names).unwrap())
            .collect();
        (docs, names)
    }

    #[test]
    fn words_bigrams_chars_and_entities_are_named() {
        let config = FeatureConfig {
            char_ngram_min: 2,
            char_ngram_max: 2,
            ..Default::default()
        };
        let (docs, names) = extract(&["未納金 https://bit.ly/x"], &config);
        let got: Vec<&str> = docs[0].terms.iter().map(|&(h, _)| names.get(h)).collect();
        for want in [
            "w:未",
            "w:納金",
            "b:未 納金",
            "c:未納",
            "c:納金",
            "<url>",
            "url:shortener",
        ] {
            assert!(got.contains(&want), "missing {want} in {got:?}");
        }
    }

    #[test]
    fn message_length_is_a_fact_of_the_first_bucket_it_fits() {
        let config = FeatureConfig::default();
        let named = |text: &str| -> Vec<String> {
            let (docs, names) = extract(&[text], &config);
            docs[0]
                .terms
                .iter()
                .map(|&(h, _)| names.get(h).to_owned())
                .filter(|n| n.starts_with("len:"))
                .collect()
        };
        assert_eq!(named("こんにちは"), ["len:le8"]);
        // Links and numbers are not text: they do not make a message long.
        assert_eq!(
            named("こんにちは https://example.com/abcdefghijk 0312345678"),
            ["len:le8"]
        );
        assert_eq!(named("明日の会議は十時からです"), ["len:le15"]);
        assert!(named("明日の会議は十時からです。資料は共有フォルダにあります").is_empty());
        let off = FeatureConfig {
            length_buckets: Vec::new(),
            ..FeatureConfig::default()
        };
        let (docs, names) = extract(&["こんにちは"], &off);
        assert!(
            docs[0]
                .terms
                .iter()
                .all(|&(h, _)| !names.get(h).starts_with("len:"))
        );
        for bad in [vec![0], vec![15, 8], vec![8, 8]] {
            let config = FeatureConfig {
                length_buckets: bad.clone(),
                ..FeatureConfig::default()
            };
            assert!(config.validate().is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn min_df_and_max_features_bound_the_vocabulary() {
        let config = FeatureConfig {
            word_ngrams: 1,
            char_ngram_min: 0,
            char_ngram_max: 0,
            min_df: 2,
            length_buckets: Vec::new(),
            ..Default::default()
        };
        let (docs, names) = extract(&["犬 と 猫", "犬 と 鳥", "犬 だ"], &config);
        let vocab = config.fit(docs.iter(), &names).unwrap();
        let mut names_kept = vocab.names().to_vec();
        names_kept.sort();
        assert_eq!(names_kept, ["w:と", "w:犬"]);
        let capped = FeatureConfig {
            max_features: 1,
            ..config.clone()
        };
        let vocab = capped.fit(docs.iter(), &names).unwrap();
        assert_eq!(vocab.names(), ["w:犬"], "the most frequent feature is kept");
        let strict = FeatureConfig {
            min_df: 4,
            ..config
        };
        assert!(strict.fit(docs.iter(), &names).is_err());
    }

    #[test]
    fn vectors_are_l2_normalized_and_match_between_paths() {
        let config = FeatureConfig::default();
        let texts = ["会員登録の未納金", "未納金のお知らせ", "荷物届いた?"];
        let (docs, names) = extract(
            &texts,
            &FeatureConfig {
                min_df: 1,
                ..config.clone()
            },
        );
        let vocab = FeatureConfig {
            min_df: 1,
            ..config
        }
        .fit(docs.iter(), &names)
        .unwrap();
        let mut extractor = Extractor::new().unwrap();
        for (text, doc) in texts.iter().zip(&docs) {
            let mut from_text = SparseRow::new();
            extractor
                .vectorize_into(text, &vocab, &mut from_text)
                .unwrap();
            let mut from_terms = SparseRow::new();
            vocab.vectorize_terms(doc, &mut from_terms);
            assert_eq!(from_text, from_terms);
            let norm: f64 = from_text.values.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn sublinear_tf_table_matches_the_formula() {
        for count in 0..1000u32 {
            let formula = 1.0 + f64::from(count).ln();
            assert_eq!(sublinear_tf(count).to_bits(), formula.to_bits(), "{count}");
        }
    }

    #[test]
    fn column_index_agrees_with_a_hash_map() {
        let mut index = ColumnIndex::with_capacity(5000);
        let mut reference = HashMap::new();
        for column in 0..5000u32 {
            let hash = feature_hash(&format!("w:{column}"));
            assert!(index.insert(hash, column));
            reference.insert(hash, column);
        }
        assert!(
            !index.insert(feature_hash("w:7"), 9),
            "a duplicate is refused"
        );
        for probe in 0..20_000u32 {
            let hash = feature_hash(&format!("w:{probe}"));
            assert_eq!(index.get(hash), reference.get(&hash).copied(), "{probe}");
        }
        let hashes: Vec<u64> = ["w:1", "w:x", "w:4999", "w:1"]
            .iter()
            .map(|n| feature_hash(n))
            .collect();
        let mut columns = Vec::new();
        index.columns_of(&hashes, &mut columns);
        assert_eq!(columns, [1, 4999, 1]);
    }

    /// The row as the first version computed it: a `HashMap` lookup per
    /// feature occurrence, counts by column, `1 + ln(count)` TF.
    fn reference_row(
        extractor: &mut Extractor,
        text: &str,
        vocabulary: &Vocabulary,
        index: &HashMap<u64, u32>,
    ) -> SparseRow {
        let mut counts = std::collections::BTreeMap::<u32, u32>::new();
        extractor
            .for_each_feature(text, vocabulary.config(), |hash, _| {
                if let Some(&column) = index.get(&hash) {
                    *counts.entry(column).or_insert(0) += 1;
                }
            })
            .unwrap();
        let mut row = SparseRow::new();
        let mut norm = 0.0;
        for (&column, &count) in &counts {
            let tf = if vocabulary.config().sublinear_tf {
                1.0 + f64::from(count).ln()
            } else {
                f64::from(count)
            };
            let value = tf * vocabulary.idf()[column as usize];
            norm += value * value;
            row.columns.push(column);
            row.values.push(value);
            row.total_features += count;
        }
        if norm > 0.0 {
            let norm = norm.sqrt();
            row.values.iter_mut().for_each(|v| *v /= norm);
        }
        row
    }

    #[test]
    fn rows_match_the_reference_on_the_corpus_with_the_default_model() {
        let model = crate::Model::embedded_default().unwrap();
        let vocabulary = model.vocabulary();
        let index: HashMap<u64, u32> = vocabulary
            .names()
            .iter()
            .enumerate()
            .map(|(column, name)| (feature_hash(name), column as u32))
            .collect();
        let mut extractor = Extractor::for_config(vocabulary.config()).unwrap();
        let mut reference_extractor = Extractor::for_config(vocabulary.config()).unwrap();
        let mut row = SparseRow::new();
        for text in &crate::test_support::corpus_texts() {
            extractor
                .vectorize_into(text, vocabulary, &mut row)
                .unwrap();
            let want = reference_row(&mut reference_extractor, text, vocabulary, &index);
            assert_eq!(row.columns, want.columns, "{text:?}");
            let bits = |values: &[f64]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&row.values), bits(&want.values), "{text:?}");
            assert_eq!(row.total_features, want.total_features);
        }
    }

    #[test]
    fn unknown_text_gives_an_empty_row() {
        let config = FeatureConfig {
            min_df: 1,
            length_buckets: Vec::new(),
            ..Default::default()
        };
        let (docs, names) = extract(&["犬"], &config);
        let vocab = config.fit(docs.iter(), &names).unwrap();
        let mut row = SparseRow::new();
        Extractor::new()
            .unwrap()
            .vectorize_into("zzz", &vocab, &mut row)
            .unwrap();
        assert!(row.columns.is_empty());
        assert_eq!(row.total_features, 0);
    }
}
