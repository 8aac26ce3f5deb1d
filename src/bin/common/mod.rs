//! What the binaries share: shared flags, exit codes, error printing,
//! progress, loading a model.
//!
//! Each binary includes this module (`mod common;`) and uses part of it.
#![allow(dead_code)]

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use std::borrow::Cow;

use jscam::{
    Error, FeatureConfig, FitParams, Model, Solver, Threshold, ThresholdRule, TrainOptions,
    UnsureBand, check_probability,
};

/// Exit code: bad command-line usage or option value (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: bad input data (missing or unreadable file, malformed CSV,
/// wrong encoding, label problems).
pub const EXIT_INPUT: u8 = 3;
/// Exit code: the model file is missing, foreign, corrupted or too new.
pub const EXIT_MODEL: u8 = 4;
/// Exit code: anything else (training failure, output errors).
pub const EXIT_OTHER: u8 = 5;
/// Exit code: `evaluate --fail-under` found a metric below its floor (the
/// evaluation itself ran and its outputs were written).
pub const EXIT_GATE: u8 = 6;

/// A `--fail-under` gate that failed; maps to [`EXIT_GATE`].
#[derive(Debug)]
pub struct GateFailed(pub String);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GateFailed {}

/// The text `--version` prints: the jscam version, the commit it was built
/// from and the embedded model's training date and SHA-256 prefix.
pub fn version_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let model = match Model::embedded_default() {
            Ok(m) => format!(
                "embedded model trained {} on {} rows, sha256 {}",
                m.header().training.date,
                m.header().training.rows,
                &sha256_hex(Model::embedded_default_bytes())[..12]
            ),
            Err(e) => format!("embedded model unusable: {e}"),
        };
        format!(
            "{} (commit {}; {model})",
            env!("CARGO_PKG_VERSION"),
            jscam::COMMIT
        )
    })
}

/// SHA-256 of `bytes` in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The command line as typed, each argument quoted when the shell would need it.
pub fn command_line() -> String {
    std::env::args_os()
        .enumerate()
        .map(|(i, a)| {
            let a = a.to_string_lossy().into_owned();
            let a = if i == 0 {
                std::path::Path::new(&a)
                    .file_name()
                    .map_or(a.clone(), |n| n.to_string_lossy().into_owned())
            } else {
                a
            };
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_alphanumeric() || "-_./=,:@%+".contains(c));
            if plain {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the message is and how the bytes are decoded: flags of every
/// binary that reads messages (`predict`, and `train` and `evaluate`
/// through [`ReadArgs`]).
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Column holding the message text.
    #[arg(long, global = true, default_value = "text")]
    pub text_column: String,
    /// Input encoding: utf-8 or cp932 (Shift_JIS as Excel writes it).
    #[arg(long, global = true, default_value = "utf-8")]
    pub encoding: jscam::Encoding,
}

/// How labeled files are read: flags shared by `train` and `evaluate`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Column holding the label.
    #[arg(long, global = true, default_value = "label")]
    pub label_column: String,
    /// Column holding each row's id, shown in reports and score files
    /// (default: `id` if present).
    #[arg(long, global = true)]
    pub id_column: Option<String>,
    /// Input layout: auto (.tsv → tsv, else csv), csv or tsv.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "csv", "tsv"])]
    pub input_format: String,
    /// Rename labels as they are read, e.g. `1=scam,0=legit` or `迷惑=scam,正常=legit`.
    #[arg(long, global = true, value_name = "SRC=DST,…", value_parser = label_map)]
    pub label_map: Option<LabelMap>,
    /// Skip rows with this label (after --label-map), counted on stderr;
    /// repeatable. Rows labeled `unsure` are always skipped.
    #[arg(long, global = true, value_name = "LABEL", value_parser = ignored_label)]
    pub ignore_label: Vec<String>,
}

/// Parses `--ignore-label`: a label as the reader compares it (trimmed).
fn ignored_label(s: &str) -> Result<String, String> {
    let label = s.trim();
    if label.is_empty() {
        return Err("an empty label (rows with an empty label are an error, not skipped)".into());
    }
    Ok(label.to_owned())
}

/// `--label-map` pairs (a newtype: clap reads `Option<Vec<_>>` as a repeated flag).
#[derive(Debug, Clone)]
pub struct LabelMap(pub Vec<(String, String)>);

/// Parses `--label-map`.
fn label_map(s: &str) -> Result<LabelMap, String> {
    jscam::parse_label_map(s)
        .map(LabelMap)
        .map_err(|e| e.to_string())
}

impl ReadArgs {
    /// The reading options these flags describe.
    pub fn to_options(&self) -> jscam::LabeledCsvOptions {
        let mut options = jscam::LabeledCsvOptions {
            text_column: self.input.text_column.clone(),
            label_column: self.label_column.clone(),
            id_column: self.id_column.clone(),
            encoding: self.input.encoding,
            delimiter: match self.input_format.as_str() {
                "csv" => Some(b','),
                "tsv" => Some(b'\t'),
                _ => None,
            },
            label_map: self
                .label_map
                .as_ref()
                .map(|m| m.0.clone())
                .unwrap_or_default(),
            ..Default::default()
        };
        options
            .skip_labels
            .extend(self.ignore_label.iter().cloned());
        options
    }
}

/// Maps an error chain to an exit code; `None` for a closed output pipe,
/// which is not an error (`predict … | head`).
pub fn exit_code(err: &anyhow::Error) -> Option<u8> {
    for cause in err.chain() {
        if cause.downcast_ref::<GateFailed>().is_some() {
            return Some(EXIT_GATE);
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return None;
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            if e.is_broken_pipe() {
                return None;
            }
            return Some(match e {
                Error::Model { .. } => EXIT_MODEL,
                Error::Config(_) => EXIT_USAGE,
                Error::Write { .. } => EXIT_OTHER,
                Error::Io { .. }
                | Error::Csv { .. }
                | Error::Encoding { .. }
                | Error::MissingColumn { .. }
                | Error::EmptyLabel { .. }
                | Error::Labels { .. }
                | Error::Input { .. }
                | Error::Folds(_)
                | Error::Empty { .. } => EXIT_INPUT,
                _ => EXIT_OTHER,
            });
        }
    }
    Some(EXIT_OTHER)
}

/// Prints `program: error: cause: cause` on one line and returns the exit code.
pub fn report(program: &str, err: &anyhow::Error) -> std::process::ExitCode {
    match exit_code(err) {
        None => std::process::ExitCode::SUCCESS,
        Some(code) => {
            // Text from files (names, headers, labels) may hold control
            // characters: the message stays one visible line.
            let message = format!("{err:#}");
            note(format_args!(
                "{program}: error: {}",
                jscam::escape_controls(&message)
            ));
            std::process::ExitCode::from(code)
        }
    }
}

/// Writes one line to stderr. Errors are ignored: progress, summaries and
/// even error messages must never panic or change the outcome of a run when
/// stderr is a closed pipe (`train … 2>&1 | head -1`) or a full disk.
/// Use this instead of `eprintln!`, which panics when stderr fails.
pub fn note(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Removes this run's temporary output files if it is interrupted
/// (SIGINT, SIGTERM, SIGHUP); see [`jscam::output`]. A failure to install
/// the handler is a warning: the run itself is not affected.
pub fn clean_up_on_signal(program: &str) {
    if let Err(e) = jscam::remove_temporaries_on_signal() {
        note(format_args!("{program}: warning: {e}"));
    }
}

/// "train: a.csv: skipped 2 rows labeled "unsure"" when rows were skipped.
pub fn note_skipped(program: &str, data: &jscam::LabeledData) {
    if let Some(text) = data.skipped_text() {
        note(format_args!(
            "{program}: {}: skipped {}",
            jscam::escape_controls(&data.files_display()),
            jscam::escape_controls(&text)
        ));
    }
}

/// Notes each input file of the run in `plan`.
///
/// # Errors
/// [`Error::Config`] when a file is given twice (as data twice, or as data
/// and `--also-train`): its rows would count twice and be on both sides of
/// a split.
pub fn inputs<'a, 'b>(
    plan: &mut jscam::OutputPlan,
    files: impl IntoIterator<Item = (&'a std::path::Path, &'b str)>,
) -> Result<(), Error> {
    for (path, what) in files {
        plan.input(path, what)?;
    }
    Ok(())
}

/// Most worker threads `--threads` accepts.
pub const MAX_THREADS: usize = 1024;

/// Checks `--threads N`: 0 (all cores) up to [`MAX_THREADS`].
///
/// # Errors
/// [`Error::Config`] naming the flag.
pub fn check_threads(threads: usize) -> Result<(), Error> {
    if threads > MAX_THREADS {
        return Err(Error::Config(format!(
            "--threads takes a value from 0 (all cores) to {MAX_THREADS}, got {threads}"
        )));
    }
    Ok(())
}

/// Checks `--threads N` and sizes the global thread pool (0 or no flag:
/// one thread per core).
///
/// # Errors
/// An out-of-range value, or a pool that cannot be built.
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    use anyhow::Context;
    check_threads(threads.unwrap_or(0))?;
    if let Some(threads) = threads.filter(|&t| t > 0) {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("setting up threads")?;
    }
    Ok(())
}

/// A spinner on stderr when it is a terminal and not `quiet`; hidden otherwise.
pub fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"),
    );
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Parses a probability flag (a rate in [0, 1]).
pub fn probability(s: &str) -> Result<f64, Error> {
    let value: f64 = s
        .trim()
        .parse()
        .map_err(|e| Error::Config(format!("{s:?}: {e}")))?;
    check_probability("a rate", value)
}

/// Parses `--unsure LOW,HIGH`.
pub fn unsure_band(s: &str) -> Result<UnsureBand, String> {
    let (low, high) = parse_pair::<f64>(s)?;
    UnsureBand::new(low, high).map_err(|e| e.to_string())
}

/// The model in `path`, or the embedded default model.
///
/// # Errors
/// The model cannot be read or is not a usable model; the context says which.
pub fn load_model(path: Option<&std::path::Path>) -> anyhow::Result<Cow<'static, Model>> {
    use anyhow::Context;
    Ok(match path {
        Some(path) => Cow::Owned(Model::load(path).context("loading the model")?),
        None => Cow::Borrowed(Model::embedded_default().context("loading the embedded model")?),
    })
}

/// Parses "A,B" into two values, for `--unsure LOW,HIGH` and `--char-ngrams MIN,MAX`.
pub fn parse_pair<T: std::str::FromStr>(s: &str) -> Result<(T, T), String>
where
    T::Err: std::fmt::Display,
{
    let (a, b) = s
        .split_once(',')
        .ok_or("expected two values separated by a comma (MIN,MAX or LOW,HIGH)")?;
    let parse = |v: &str| v.trim().parse::<T>().map_err(|e| format!("{v:?}: {e}"));
    Ok((parse(a)?, parse(b)?))
}

/// The bounds of the message-length facts, as a flag value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LengthBuckets(pub Vec<u32>);

impl Default for LengthBuckets {
    fn default() -> Self {
        LengthBuckets(FeatureConfig::default().length_buckets)
    }
}

impl std::fmt::Display for LengthBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("off");
        }
        let bounds: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&bounds.join(","))
    }
}

/// Parses `8,15` (or `off`) for `--length-buckets`; the library checks the
/// order.
pub fn parse_length_buckets(s: &str) -> Result<LengthBuckets, String> {
    if s.trim() == "off" {
        return Ok(LengthBuckets(Vec::new()));
    }
    s.split(',')
        .map(|v| v.trim().parse::<u32>().map_err(|e| format!("{v:?}: {e}")))
        .collect::<Result<Vec<u32>, String>>()
        .map(LengthBuckets)
}

/// The model file to score with and its threshold: flags of `predict` and
/// `evaluate model`.
#[derive(clap::Args, Debug, Clone)]
pub struct ScoringArgs {
    /// Model file (default: the model embedded in this binary).
    #[arg(short, long)]
    pub model: Option<std::path::PathBuf>,
    /// Decision threshold on P(positive), overriding the model's.
    #[arg(long)]
    pub threshold: Option<Threshold>,
}

/// Everything `train` and `evaluate cv`/`train-test` need to train a model.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainArgs {
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub training: TrainingArgs,
}

/// What the model is: its positive label, threshold rule, fit and features.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// The label whose probability the model reports.
    #[arg(long, default_value = "scam")]
    pub positive_label: String,
    /// Fixed decision threshold on P(positive).
    #[arg(long, conflicts_with_all = ["max_fpr", "min_precision", "f1_max_fpr"])]
    pub threshold: Option<Threshold>,
    /// Pick the threshold by cross-validation: the lowest one whose false-positive rate is at most this.
    #[arg(long, conflicts_with_all = ["min_precision", "f1_max_fpr"], value_parser = probability)]
    pub max_fpr: Option<f64>,
    /// Pick the threshold by cross-validation to keep precision at or above this.
    #[arg(long, conflicts_with = "f1_max_fpr", value_parser = probability)]
    pub min_precision: Option<f64>,
    /// Pick the threshold by cross-validation: the one with the best F1 among
    /// those whose false-positive rate is at most this (the default rule, at 0.04).
    #[arg(long, value_parser = probability)]
    pub f1_max_fpr: Option<f64>,
    /// L2 regularization strength (larger = simpler model).
    #[arg(long, default_value_t = FitParams::default().alpha)]
    pub alpha: f64,
    /// Maximum L-BFGS iterations.
    #[arg(long, default_value_t = FitParams::default().max_iterations)]
    pub max_iter: u64,
    /// Gradient-norm tolerance for convergence.
    #[arg(long, default_value_t = FitParams::default().gradient_tolerance)]
    pub tol: f64,
    /// Trainer: sparse (default) or linfa (dense linfa-logistic; small data only).
    #[arg(long, default_value_t = Solver::default())]
    pub solver: Solver,
    /// Keep features seen in at least this many messages.
    #[arg(long, default_value_t = FeatureConfig::default().min_df)]
    pub min_df: u32,
    /// Keep at most this many features.
    #[arg(long, default_value_t = FeatureConfig::default().max_features)]
    pub max_features: usize,
    /// Word n-grams: 1 (words) or 2 (words and bigrams).
    #[arg(long, default_value_t = FeatureConfig::default().word_ngrams)]
    pub word_ngrams: u8,
    /// Character n-gram lengths MIN,MAX, e.g. 2,3 (0,0: off).
    #[arg(long, default_value = DEFAULT_CHAR_NGRAMS, value_parser = parse_pair::<u8>)]
    pub char_ngrams: (u8, u8),
    /// Value of each link, phone and sender fact (binary block outside the
    /// text's TF-IDF and normalization; 0: facts as TF-IDF text features).
    #[arg(long, default_value_t = FeatureConfig::default().knowledge_scale)]
    pub knowledge_scale: f64,
    /// Text-vector normalization: divide by norm^P (scaled to a reference
    /// norm); 1 is plain L2, below 1 short messages stay nearer the prior
    /// and appended text dilutes less.
    #[arg(long, default_value_t = FeatureConfig::default().norm_power)]
    pub norm_power: f64,
    /// Message-length facts: upper bounds in letters, e.g. 8,15 (a message
    /// of at most 8 letters gets len:le8, of 9 to 15 len:le15); "off": none.
    #[arg(long, default_value_t = LengthBuckets::default(), value_parser = parse_length_buckets)]
    pub length_buckets: LengthBuckets,
    /// Link facts to add to the shipped ones (`KIND VALUE` lines, as in
    /// data/links.txt); stored in the model.
    #[arg(long, value_name = "FILE")]
    pub links: Option<std::path::PathBuf>,
}

/// How a model is trained: seed, extra training rows, threshold folds.
#[derive(clap::Args, Debug, Clone)]
pub struct TrainingArgs {
    /// Seed for splits and cross-validation folds.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Labeled CSV whose rows are always on the training side: never held
    /// out, never in a test fold (repeatable; e.g. data/messages.csv).
    #[arg(long, value_name = "CSV")]
    pub also_train: Vec<std::path::PathBuf>,
    /// Loss weight of each --also-train row (rows of the main files weigh
    /// 1), from 0.001 to 1000.
    #[arg(long, default_value_t = TrainOptions::default().also_train_weight)]
    pub also_train_weight: f64,
    /// Folds of the inner cross-validation that chooses a threshold by rule.
    #[arg(long, default_value_t = TrainOptions::default().threshold_folds)]
    pub threshold_folds: usize,
}

/// `--char-ngrams` default as the flag spells it; a test
/// (`char_ngram_flag_default_is_the_library_default`) keeps it equal to
/// `FeatureConfig::default()`.
const DEFAULT_CHAR_NGRAMS: &str = "1,2";

impl TrainArgs {
    /// The input files these flags name (`--also-train`, `--links`), with
    /// what each is, for an [`jscam::OutputPlan`].
    pub fn inputs(&self) -> impl Iterator<Item = (&std::path::Path, &'static str)> {
        let also = self
            .training
            .also_train
            .iter()
            .map(|p| (p.as_path(), "--also-train data"));
        let links = self.model.links.iter();
        also.chain(links.map(|p| (p.as_path(), "the --links file")))
    }

    /// The `--also-train` files, read like the main data but without
    /// groups, or `None` when there are none.
    ///
    /// # Errors
    /// As [`jscam::read_labeled_csvs`].
    pub fn read_also_train(
        &self,
        read: &jscam::LabeledCsvOptions,
    ) -> Result<Option<jscam::LabeledData>, Error> {
        let also_train = &self.training.also_train;
        if also_train.is_empty() {
            return Ok(None);
        }
        let read = jscam::LabeledCsvOptions {
            group_column: None,
            ..read.clone()
        };
        jscam::read_labeled_csvs(also_train, &read).map(Some)
    }

    /// The training options these flags describe.
    ///
    /// # Errors
    /// [`Error::Config`] for out-of-range values.
    pub fn to_options(&self) -> Result<TrainOptions, Error> {
        let (model, training) = (&self.model, &self.training);
        // The flags exclude each other (clap), so at most one is set.
        let threshold = match (
            model.threshold,
            model.max_fpr,
            model.min_precision,
            model.f1_max_fpr,
        ) {
            (Some(t), ..) => ThresholdRule::Fixed(t),
            (_, Some(f), ..) => ThresholdRule::MaxFpr(f),
            (_, _, Some(p), _) => ThresholdRule::MinPrecision(p),
            (.., Some(f)) => ThresholdRule::BestF1WithinFpr(f),
            (None, None, None, None) => TrainOptions::default().threshold,
        };
        let options = TrainOptions {
            features: FeatureConfig {
                word_ngrams: model.word_ngrams,
                char_ngram_min: model.char_ngrams.0,
                char_ngram_max: model.char_ngrams.1,
                min_df: model.min_df,
                max_features: model.max_features,
                knowledge_scale: model.knowledge_scale,
                norm_power: model.norm_power,
                length_buckets: model.length_buckets.0.clone(),
                extra_links: match &model.links {
                    Some(path) => jscam::read_extra_links(path)?,
                    None => Vec::new(),
                },
                ..FeatureConfig::default()
            },
            fit: FitParams {
                alpha: model.alpha,
                max_iterations: model.max_iter,
                gradient_tolerance: model.tol,
                solver: model.solver,
            },
            positive_label: model.positive_label.clone(),
            seed: training.seed,
            threshold,
            threshold_folds: training.threshold_folds,
            also_train_weight: training.also_train_weight,
            ..TrainOptions::default()
        };
        options.check()?;
        Ok(options)
    }
}
