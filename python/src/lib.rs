//! `jscam._jscam`: the Python extension module. It only converts between
//! Python and the library's facade (`jscam::Model`, `OwnedScorerPool`,
//! `TrainOptions`, `Evaluation`); every rule lives in the library. The
//! Python package `jscam` (python/jscam) re-exports it and adds the
//! scikit-learn estimator and the Spark recipe.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use jscam::{
    Error, Evaluation, FORMAT_VERSION, FeatureConfig, FitParams, LabeledCsvOptions, LabeledData,
    Model, OwnedScorerPool, Solver, Threshold, ThresholdRule, TrainOptions, check_probability,
    read_labeled_csvs,
};
use numpy::PyArray1;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

/// The library's error as the Python exception a caller would expect.
fn to_py(err: Error) -> PyErr {
    match err {
        Error::Io { .. } | Error::Write { .. } => PyOSError::new_err(err.to_string()),
        Error::Training(_) | Error::Tokenizer(_) => PyRuntimeError::new_err(err.to_string()),
        _ => PyValueError::new_err(err.to_string()),
    }
}

/// `sequence[i]` as `str`, or a `TypeError`/`ValueError` naming `name[i]`.
fn strings(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a sequence of str (a list, tuple, NumPy array or pandas Series), \
             not a single {}",
            obj.get_type().name()?
        )));
    }
    let items = obj.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a sequence of str (a list, tuple, NumPy array or pandas Series), got {}",
            obj.get_type().name().map_or("?".into(), |n| n.to_string())
        ))
    })?;
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
    for (i, item) in items.enumerate() {
        let item = item?;
        let Ok(text) = item.downcast::<PyString>() else {
            let what = if item.is_none() {
                "None".to_owned()
            } else {
                format!("{} {}", item.get_type().name()?, item.repr()?)
            };
            return Err(PyTypeError::new_err(format!(
                "{name}[{i}] is {what}; expected str"
            )));
        };
        let text = text.to_str().map_err(|e| {
            PyValueError::new_err(format!("{name}[{i}] is not valid Unicode text: {e}"))
        })?;
        out.push(text.to_owned());
    }
    Ok(out)
}

/// The embedded default model, decoded once per process and shared.
fn default_model() -> PyResult<Arc<Model>> {
    static DEFAULT: OnceLock<Arc<Model>> = OnceLock::new();
    if let Some(model) = DEFAULT.get() {
        return Ok(model.clone());
    }
    let model = Arc::new(Model::embedded_default().map_err(to_py)?.clone());
    Ok(DEFAULT.get_or_init(|| model).clone())
}

/// Rust's `Option<&str>` path → `PathBuf`, via `os.fspath` (str or PathLike).
fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    obj.extract::<PathBuf>()
}

/// A trained jscam classifier.
///
/// Create one with ``Model.default()`` (the embedded model), ``Model.load(path)``
/// or ``jscam.train(...)``. Scoring releases the GIL and runs on a pool of
/// ``n_threads`` threads (0: one per core), kept per thread count.
#[pyclass(module = "jscam", name = "Model", frozen)]
struct PyModel {
    model: Arc<Model>,
    pools: Mutex<HashMap<usize, Arc<OwnedScorerPool>>>,
}

impl PyModel {
    fn wrap(model: Arc<Model>) -> Self {
        PyModel {
            model,
            pools: Mutex::new(HashMap::new()),
        }
    }

    fn pool(&self, n_threads: usize) -> PyResult<Arc<OwnedScorerPool>> {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(pool) = pools.get(&n_threads) {
            return Ok(pool.clone());
        }
        let pool = Arc::new(OwnedScorerPool::new(self.model.clone(), n_threads).map_err(to_py)?);
        pools.insert(n_threads, pool.clone());
        Ok(pool)
    }

    fn probabilities(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        n_threads: usize,
    ) -> PyResult<Vec<f64>> {
        check_threads(n_threads)?;
        let texts = strings(texts, "texts")?;
        let pool = self.pool(n_threads)?;
        py.allow_threads(|| pool.scores(&texts))
            .map(|scores| scores.into_iter().map(|s| s.probability).collect())
            .map_err(to_py)
    }

    fn threshold_or_own(&self, threshold: Option<f64>) -> PyResult<Threshold> {
        match threshold {
            Some(t) => Threshold::new(t).map_err(to_py),
            None => Ok(self.model.threshold()),
        }
    }
}

/// Most threads a call accepts (as the binaries' `--threads`).
const MAX_THREADS: usize = 1024;

fn check_threads(n_threads: usize) -> PyResult<()> {
    if n_threads > MAX_THREADS {
        return Err(PyValueError::new_err(format!(
            "n_threads takes a value from 0 (one per core) to {MAX_THREADS}, got {n_threads}"
        )));
    }
    Ok(())
}

#[pymethods]
impl PyModel {
    /// The default model embedded in the package (trained on real messages plus
    /// the repository's written corpus). Decoded once per process.
    #[staticmethod]
    fn default() -> PyResult<Self> {
        Ok(PyModel::wrap(default_model()?))
    }

    /// Loads a model file written by ``Model.save`` or the ``train`` binary.
    ///
    /// Raises ``FileNotFoundError`` if there is no such file and ``ValueError``
    /// (naming the file) if it is not a usable jscam model.
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = path_of(path)?;
        if !path.exists() {
            return Err(PyFileNotFoundError::new_err(format!(
                "{}: no such model file",
                path.display()
            )));
        }
        let model = py.allow_threads(|| Model::load(&path)).map_err(to_py)?;
        Ok(PyModel::wrap(Arc::new(model)))
    }

    /// A model from the bytes of a model file (``bytes(model)``'s inverse).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let model = Model::from_bytes(data, std::path::Path::new("<bytes>")).map_err(to_py)?;
        Ok(PyModel::wrap(Arc::new(model)))
    }

    /// The model file's bytes.
    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.model.to_bytes())
    }

    /// Pickled as the model file's bytes (Spark broadcasts, joblib workers).
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let from_bytes = py.get_type::<PyModel>().getattr("from_bytes")?;
        Ok((from_bytes, (slf.get().__bytes__(py),)))
    }

    /// Writes the model file atomically (never half-written; an existing file
    /// is replaced only once the new one is complete).
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = path_of(path)?;
        py.allow_threads(|| self.model.save(&path)).map_err(to_py)
    }

    /// What the ``inspect --json`` binary shows, as a dict: format, header
    /// (labels, threshold, versions, features, fit, training and held-out
    /// metrics), intercept and the 15 strongest features each way.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (toward_positive, toward_negative) = self.model.top_features(15);
        let value = serde_json::json!({
            "format": "jscam-model",
            "format_version": FORMAT_VERSION,
            "header": self.model.header(),
            "intercept": self.model.intercept(),
            "top_features": {
                "toward_positive": toward_positive,
                "toward_negative": toward_negative,
            },
        });
        json_to_py(py, &value)
    }

    /// The decision threshold on P(positive label).
    #[getter]
    fn threshold(&self) -> f64 {
        self.model.threshold().value()
    }

    /// The two labels as ``(negative, positive)``: ``predict_proba`` gives
    /// P(``labels[1]``).
    #[getter]
    fn labels(&self) -> (String, String) {
        (
            self.model.negative_label().to_owned(),
            self.model.positive_label().to_owned(),
        )
    }

    /// The label whose probability is reported (for example ``"scam"``).
    #[getter]
    fn positive_label(&self) -> &str {
        self.model.positive_label()
    }

    /// The other label (for example ``"legit"``).
    #[getter]
    fn negative_label(&self) -> &str {
        self.model.negative_label()
    }

    /// P(positive label) for every text, as a float64 NumPy array in input order.
    ///
    /// ``texts``: a list, tuple, NumPy array or pandas Series of ``str``. A
    /// ``None`` or a non-string raises ``TypeError`` naming its position.
    /// ``n_threads``: scoring threads (0: one per core). The GIL is released
    /// while scoring.
    #[pyo3(signature = (texts, *, n_threads = 0))]
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        n_threads: usize,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(PyArray1::from_vec(
            py,
            self.probabilities(py, texts, n_threads)?,
        ))
    }

    /// The logit (w·x + b) of every text, as a float64 NumPy array.
    #[pyo3(signature = (texts, *, n_threads = 0))]
    fn decision_function<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        n_threads: usize,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        check_threads(n_threads)?;
        let texts = strings(texts, "texts")?;
        let pool = self.pool(n_threads)?;
        let logits = py
            .allow_threads(|| pool.scores(&texts))
            .map_err(to_py)?
            .into_iter()
            .map(|s| s.logit)
            .collect();
        Ok(PyArray1::from_vec(py, logits))
    }

    /// The label of every text (positive at or above ``threshold``, default the
    /// model's), as a NumPy array of ``str`` objects.
    #[pyo3(signature = (texts, *, threshold = None, n_threads = 0))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threshold: Option<f64>,
        n_threads: usize,
    ) -> PyResult<Bound<'py, PyArray1<Py<PyAny>>>> {
        Ok(self.classify(py, texts, threshold, n_threads)?.0)
    }

    /// ``(labels, probabilities)`` in one pass: what ``predict`` and
    /// ``predict_proba`` give, as the ``predict`` binary decides them.
    #[pyo3(signature = (texts, *, threshold = None, n_threads = 0))]
    #[allow(clippy::type_complexity)]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        threshold: Option<f64>,
        n_threads: usize,
    ) -> PyResult<(Bound<'py, PyArray1<Py<PyAny>>>, Bound<'py, PyArray1<f64>>)> {
        let threshold = self.threshold_or_own(threshold)?;
        let probabilities = self.probabilities(py, texts, n_threads)?;
        let positive = PyString::new(py, self.model.positive_label())
            .into_any()
            .unbind();
        let negative = PyString::new(py, self.model.negative_label())
            .into_any()
            .unbind();
        let labels: Vec<Py<PyAny>> = probabilities
            .iter()
            .map(|&p| {
                if threshold.is_positive(p) {
                    positive.clone_ref(py)
                } else {
                    negative.clone_ref(py)
                }
            })
            .collect();
        Ok((
            PyArray1::from_vec(py, labels),
            PyArray1::from_vec(py, probabilities),
        ))
    }

    /// Why one text got its score: a dict with ``probability``, ``logit``,
    /// ``label``, ``intercept``, and the ``k`` strongest contributions each way
    /// (``toward_positive``, ``toward_negative``: lists of ``(feature, weight × value)``).
    #[pyo3(signature = (text, k = 5))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'py, PyAny>,
        k: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let Ok(text) = text.downcast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "text is {}; expected str",
                if text.is_none() {
                    "None".to_owned()
                } else {
                    text.get_type().name()?.to_string()
                }
            )));
        };
        let text = text.to_str()?.to_owned();
        let model = self.model.clone();
        let (score, (up, down)) = py
            .allow_threads(|| -> jscam::Result<_> {
                let mut scorer = model.scorer()?;
                let score = scorer.score(&text)?;
                Ok((score, scorer.explain_last(k)))
            })
            .map_err(to_py)?;
        let pairs = |list: Vec<jscam::Contribution>| -> Vec<(String, f64)> {
            list.into_iter()
                .map(|c| (c.feature, c.contribution))
                .collect()
        };
        let out = PyDict::new(py);
        out.set_item("probability", score.probability)?;
        out.set_item("logit", score.logit)?;
        out.set_item(
            "label",
            self.model
                .label_for(score.probability, self.model.threshold()),
        )?;
        out.set_item("intercept", self.model.intercept())?;
        out.set_item("known_features", score.known_features)?;
        out.set_item("toward_positive", pairs(up))?;
        out.set_item("toward_negative", pairs(down))?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let h = self.model.header();
        format!(
            "jscam.Model(labels=({:?}, {:?}), threshold={:.4}, features={}, trained={:?})",
            h.labels.negative,
            h.labels.positive,
            self.model.threshold().value(),
            self.model.vocabulary().len(),
            h.training.date
        )
    }
}

/// serde_json value → Python object, through the standard `json` module.
fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// Labeled data given from Python: texts, labels, optional groups.
fn labeled(
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    groups: Option<&Bound<'_, PyAny>>,
    categories: Option<&Bound<'_, PyAny>>,
) -> PyResult<LabeledData> {
    let texts = strings(texts, "texts")?;
    let labels = strings(labels, "labels")?;
    if texts.len() != labels.len() {
        return Err(PyValueError::new_err(format!(
            "{} texts but {} labels",
            texts.len(),
            labels.len()
        )));
    }
    if let Some(i) = labels.iter().position(|l| l.trim().is_empty()) {
        return Err(PyValueError::new_err(format!("labels[{i}] is empty")));
    }
    let same_length = |values: Vec<String>, name: &str| -> PyResult<Vec<String>> {
        if values.len() != texts.len() {
            return Err(PyValueError::new_err(format!(
                "{} texts but {} {name}",
                texts.len(),
                values.len()
            )));
        }
        Ok(values)
    };
    let groups = groups
        .map(|g| strings(g, "groups").and_then(|g| same_length(g, "groups")))
        .transpose()?;
    let categories = categories
        .map(|c| strings(c, "categories").and_then(|c| same_length(c, "categories")))
        .transpose()?;
    Ok(LabeledData {
        path: PathBuf::from("<labels>"),
        lines: (1..=texts.len() as u64).collect(),
        texts,
        labels,
        groups,
        categories,
        ..Default::default()
    })
}

/// `also_train`: `(texts, labels)`, or a CSV path or list of paths (as the
/// CLI's `--also-train`).
fn also_train_data(obj: &Bound<'_, PyAny>) -> PyResult<LabeledData> {
    if let Ok((texts, labels)) = obj.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()
        && !texts.is_instance_of::<PyString>()
    {
        let mut data = labeled(&texts, &labels, None, None)?;
        data.path = PathBuf::from("<also_train>");
        return Ok(data);
    }
    let paths: Vec<PathBuf> = match obj.extract::<PathBuf>() {
        Ok(path) => vec![path],
        Err(_) => obj.extract().map_err(|_| {
            PyTypeError::new_err(
                "also_train must be (texts, labels), a labeled CSV path or a list of paths",
            )
        })?,
    };
    read_labeled_csvs(&paths, &LabeledCsvOptions::default()).map_err(to_py)
}

/// Training settings from keyword arguments; `None` means the library's
/// default (see `train_defaults`).
#[derive(Default)]
struct Settings {
    positive_label: Option<String>,
    seed: Option<u64>,
    holdout: Option<f64>,
    threshold: Option<f64>,
    max_fpr: Option<f64>,
    min_precision: Option<f64>,
    f1_max_fpr: Option<f64>,
    alpha: Option<f64>,
    max_iter: Option<u64>,
    tol: Option<f64>,
    solver: Option<String>,
    min_df: Option<u32>,
    max_features: Option<usize>,
    word_ngrams: Option<u8>,
    char_ngrams: Option<(u8, u8)>,
    knowledge_scale: Option<f64>,
    norm_power: Option<f64>,
    /// Upper bounds of the message-length buckets; an empty list is none.
    length_buckets: Option<Vec<u32>>,
    links: Option<PathBuf>,
    threshold_folds: Option<usize>,
    also_train_weight: Option<f64>,
}

const SETTING_NAMES: &[&str] = &[
    "positive_label",
    "seed",
    "holdout",
    "threshold",
    "max_fpr",
    "min_precision",
    "f1_max_fpr",
    "alpha",
    "max_iter",
    "tol",
    "solver",
    "min_df",
    "max_features",
    "word_ngrams",
    "char_ngrams",
    "knowledge_scale",
    "norm_power",
    "length_buckets",
    "links",
    "threshold_folds",
    "also_train_weight",
];

impl Settings {
    fn from_kwargs(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let Some(kwargs) = kwargs else {
            return Ok(Settings::default());
        };
        for key in kwargs.keys() {
            let key: String = key.extract()?;
            if !SETTING_NAMES.contains(&key.as_str()) {
                return Err(PyTypeError::new_err(format!(
                    "unknown training option {key:?}; options are {}",
                    SETTING_NAMES.join(", ")
                )));
            }
        }
        // Missing and explicit None values are the defaults.
        fn get<'py, T: FromPyObject<'py>>(
            kwargs: &Bound<'py, PyDict>,
            name: &str,
        ) -> PyResult<Option<T>> {
            match kwargs.get_item(name)? {
                Some(v) if !v.is_none() => v
                    .extract()
                    .map(Some)
                    .map_err(|e| PyTypeError::new_err(format!("training option {name}: {e}"))),
                _ => Ok(None),
            }
        }
        Ok(Settings {
            positive_label: get(kwargs, "positive_label")?,
            seed: get(kwargs, "seed")?,
            holdout: get(kwargs, "holdout")?,
            threshold: get(kwargs, "threshold")?,
            max_fpr: get(kwargs, "max_fpr")?,
            min_precision: get(kwargs, "min_precision")?,
            f1_max_fpr: get(kwargs, "f1_max_fpr")?,
            alpha: get(kwargs, "alpha")?,
            max_iter: get(kwargs, "max_iter")?,
            tol: get(kwargs, "tol")?,
            solver: get(kwargs, "solver")?,
            min_df: get(kwargs, "min_df")?,
            max_features: get(kwargs, "max_features")?,
            word_ngrams: get(kwargs, "word_ngrams")?,
            char_ngrams: get(kwargs, "char_ngrams")?,
            knowledge_scale: get(kwargs, "knowledge_scale")?,
            norm_power: get(kwargs, "norm_power")?,
            length_buckets: get(kwargs, "length_buckets")?,
            links: get(kwargs, "links")?,
            threshold_folds: get(kwargs, "threshold_folds")?,
            also_train_weight: get(kwargs, "also_train_weight")?,
        })
    }

    fn options(&self) -> PyResult<TrainOptions> {
        let defaults = TrainOptions::default();
        let rules = [
            self.threshold
                .map(|t| Threshold::new(t).map(ThresholdRule::Fixed)),
            self.max_fpr
                .map(|v| check_probability("max_fpr", v).map(ThresholdRule::MaxFpr)),
            self.min_precision
                .map(|v| check_probability("min_precision", v).map(ThresholdRule::MinPrecision)),
            self.f1_max_fpr
                .map(|v| check_probability("f1_max_fpr", v).map(ThresholdRule::BestF1WithinFpr)),
        ];
        let mut chosen = rules.into_iter().flatten();
        let threshold = match (chosen.next(), chosen.next()) {
            (None, _) => defaults.threshold,
            (Some(rule), None) => rule.map_err(to_py)?,
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "give at most one of threshold, max_fpr, min_precision, f1_max_fpr",
                ));
            }
        };
        let threshold_folds = self.threshold_folds.unwrap_or(defaults.threshold_folds);
        let base_features = FeatureConfig::default();
        let base_fit = FitParams::default();
        let (char_min, char_max) = self
            .char_ngrams
            .unwrap_or((base_features.char_ngram_min, base_features.char_ngram_max));
        let solver = match &self.solver {
            Some(s) => s.parse::<Solver>().map_err(PyValueError::new_err)?,
            None => base_fit.solver,
        };
        let features = FeatureConfig {
            word_ngrams: self.word_ngrams.unwrap_or(base_features.word_ngrams),
            char_ngram_min: char_min,
            char_ngram_max: char_max,
            min_df: self.min_df.unwrap_or(base_features.min_df),
            max_features: self.max_features.unwrap_or(base_features.max_features),
            knowledge_scale: self
                .knowledge_scale
                .unwrap_or(base_features.knowledge_scale),
            norm_power: self.norm_power.unwrap_or(base_features.norm_power),
            length_buckets: self
                .length_buckets
                .clone()
                .unwrap_or_else(|| base_features.length_buckets.clone()),
            extra_links: match &self.links {
                Some(path) => jscam::read_extra_links(path).map_err(to_py)?,
                None => Vec::new(),
            },
            ..base_features
        };
        let options = TrainOptions {
            features,
            fit: FitParams {
                alpha: self.alpha.unwrap_or(base_fit.alpha),
                max_iterations: self.max_iter.unwrap_or(base_fit.max_iterations),
                gradient_tolerance: self.tol.unwrap_or(base_fit.gradient_tolerance),
                solver,
            },
            positive_label: self
                .positive_label
                .clone()
                .unwrap_or(defaults.positive_label.clone()),
            seed: self.seed.unwrap_or(defaults.seed),
            holdout_fraction: self.holdout.unwrap_or(defaults.holdout_fraction),
            threshold,
            threshold_folds,
            also_train_weight: self.also_train_weight.unwrap_or(defaults.also_train_weight),
        };
        options.check().map_err(to_py)?;
        Ok(options)
    }
}

/// Runs `work` with the GIL released on a rayon pool of `n_threads` threads.
fn on_threads<T: Send>(
    py: Python<'_>,
    n_threads: usize,
    work: impl FnOnce() -> jscam::Result<T> + Send,
) -> PyResult<T> {
    check_threads(n_threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads)
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start threads: {e}")))?;
    py.allow_threads(|| pool.install(work)).map_err(to_py)
}

/// Trains a model on ``texts`` and ``labels`` (two distinct labels, one of
/// them ``positive_label``), with the ``train`` binary's options and defaults.
#[pyfunction]
#[pyo3(signature = (texts, labels, *, also_train = None, groups = None, n_threads = 0, **options))]
fn train(
    py: Python<'_>,
    texts: &Bound<'_, PyAny>,
    labels: &Bound<'_, PyAny>,
    also_train: Option<&Bound<'_, PyAny>>,
    groups: Option<&Bound<'_, PyAny>>,
    n_threads: usize,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<PyModel> {
    let options = Settings::from_kwargs(options)?.options()?;
    let data = labeled(texts, labels, groups, None)?;
    let also = also_train.map(also_train_data).transpose()?;
    let outcome = on_threads(py, n_threads, || options.train_with(&data, also.as_ref()))?;
    Ok(PyModel::wrap(Arc::new(outcome.model)))
}

/// The library's training defaults, as ``train``'s keyword names.
#[pyfunction]
fn train_defaults<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let options = Settings::default().options()?;
    let out = PyDict::new(py);
    out.set_item("positive_label", &options.positive_label)?;
    out.set_item("seed", options.seed)?;
    out.set_item("holdout", options.holdout_fraction)?;
    out.set_item("threshold_rule", options.threshold.to_string())?;
    out.set_item("alpha", options.fit.alpha)?;
    out.set_item("max_iter", options.fit.max_iterations)?;
    out.set_item("tol", options.fit.gradient_tolerance)?;
    out.set_item("solver", options.fit.solver.to_string())?;
    out.set_item("min_df", options.features.min_df)?;
    out.set_item("max_features", options.features.max_features)?;
    out.set_item("word_ngrams", options.features.word_ngrams)?;
    out.set_item(
        "char_ngrams",
        (
            options.features.char_ngram_min,
            options.features.char_ngram_max,
        ),
    )?;
    out.set_item("knowledge_scale", options.features.knowledge_scale)?;
    out.set_item("norm_power", options.features.norm_power)?;
    out.set_item("length_buckets", options.features.length_buckets.clone())?;
    out.set_item("threshold_folds", options.threshold_folds)?;
    out.set_item("also_train_weight", options.also_train_weight)?;
    Ok(out)
}

/// Tests ``model`` on labeled texts: the metrics dict that ``evaluate model
/// --json`` writes (summary, reliability, per-category rates, worst errors).
#[pyfunction]
#[pyo3(signature = (model, texts, labels, *, threshold = None, categories = None, n_threads = 0))]
fn evaluate<'py>(
    py: Python<'py>,
    model: &PyModel,
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    threshold: Option<f64>,
    categories: Option<&Bound<'py, PyAny>>,
    n_threads: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let threshold = model.threshold_or_own(threshold)?;
    let data = labeled(texts, labels, None, categories)?;
    let m = &model.model;
    data.check_labels_within(m.positive_label(), m.negative_label())
        .map_err(to_py)?;
    let pool = model.pool(n_threads)?;
    let scores: Vec<f64> = py
        .allow_threads(|| pool.scores(&data.texts))
        .map_err(to_py)?
        .into_iter()
        .map(|s| s.probability)
        .collect();
    let t = &m.header().training;
    let protocol = format!(
        "model trained {} on {} rows tested on {} rows given in memory",
        t.date,
        t.rows,
        data.texts.len()
    );
    let evaluation = Evaluation::new(
        &data,
        m.positive_label(),
        scores,
        threshold.value(),
        protocol,
    );
    json_to_py(
        py,
        &serde_json::to_value(&evaluation).map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
    )
}

/// Cross-validates training options on labeled texts: the metrics dict that
/// ``evaluate cv --json`` writes (pooled out-of-fold scores, each row decided
/// at its own fold's threshold).
#[pyfunction]
#[pyo3(signature = (texts, labels, *, k = 5, groups = None, categories = None, also_train = None, n_threads = 0, **options))]
#[allow(clippy::too_many_arguments)]
fn cross_validate<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    k: usize,
    groups: Option<&Bound<'py, PyAny>>,
    categories: Option<&Bound<'py, PyAny>>,
    also_train: Option<&Bound<'py, PyAny>>,
    n_threads: usize,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    if k < 2 {
        return Err(PyValueError::new_err(format!(
            "k must be at least 2, got {k}"
        )));
    }
    let options = Settings::from_kwargs(options)?.options()?;
    let data = labeled(texts, labels, groups, categories)?;
    let also = also_train.map(also_train_data).transpose()?;
    let grouped = data.groups.is_some();
    let result = on_threads(py, n_threads, || {
        jscam::cross_validate(&data, also.as_ref(), &options, k)
    })?;
    let protocol = format!(
        "{k}-fold stratified{} cross-validation of {} rows given in memory (seed {}), pooled out-of-fold scores, threshold by {}",
        if grouped { ", grouped" } else { "" },
        data.texts.len(),
        options.seed,
        options.threshold
    );
    let evaluation =
        Evaluation::from_cross_validation(&data, &options.positive_label, result, protocol);
    json_to_py(
        py,
        &serde_json::to_value(&evaluation).map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
    )
}

/// The extension module.
#[pymodule]
fn _jscam(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModel>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(train_defaults, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(cross_validate, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
