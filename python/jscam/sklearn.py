"""A scikit-learn estimator around :func:`jscam.train` and :class:`jscam.Model`.

``X`` is a 1-D collection of texts (list, tuple, NumPy array, pandas Series,
or a one-column 2-D array or DataFrame); ``y`` holds two distinct labels of
any type. The tokenizer, features and logistic regression are jscam's own, so
the estimator takes raw text: put it at the end of a ``Pipeline`` after
text-to-text steps, or use it alone.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import Model, train

__all__ = ["JscamClassifier"]

# Constructor parameters passed to jscam.train as they are (None: library default).
_TRAIN_OPTIONS = (
    "alpha",
    "max_iter",
    "tol",
    "min_df",
    "max_features",
    "word_ngrams",
    "char_ngrams",
    "knowledge_scale",
    "norm_power",
    "length_buckets",
    "threshold",
    "max_fpr",
    "min_precision",
    "f1_max_fpr",
    "threshold_folds",
    "holdout",
    "seed",
)


def _texts(X):
    """The texts of X: 1-D as given; a one-column 2-D array or DataFrame flattened."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        if shape[1] != 1:
            raise ValueError(
                f"X must be 1-D texts or have one column of texts, got shape {tuple(shape)}"
            )
        return X.iloc[:, 0] if hasattr(X, "iloc") else np.asarray(X)[:, 0]
    return X


class JscamClassifier(ClassifierMixin, BaseEstimator):
    """jscam's scam classifier as a scikit-learn estimator.

    Parameters
    ----------
    positive_label : label, default None
        The class whose probability the model reports; None: the larger of
        the two classes of ``y`` (``classes_[1]``, scikit-learn's convention).
    alpha, max_iter, tol, min_df, max_features, word_ngrams, char_ngrams,
    knowledge_scale, norm_power, length_buckets,
    threshold, max_fpr, min_precision, f1_max_fpr, threshold_folds, seed :
        As :func:`jscam.train` (the ``train`` binary's options); None means
        the library's default (see :func:`jscam.train_defaults`).
    holdout : float, default 0.0
        Share of rows held out for the report stored in the model. 0 by
        default here: scikit-learn's own model selection does the measuring.
    n_threads : int, default 0
        Threads for fitting and scoring (0: one per core).

    Attributes
    ----------
    model_ : jscam.Model
        The fitted model.
    classes_ : ndarray of shape (2,)
        The two classes, sorted.
    threshold_ : float
        The model's decision threshold on P(positive label); ``predict`` uses
        it rather than 0.5.
    """

    def __init__(
        self,
        *,
        positive_label=None,
        alpha=None,
        max_iter=None,
        tol=None,
        min_df=None,
        max_features=None,
        word_ngrams=None,
        char_ngrams=None,
        knowledge_scale=None,
        norm_power=None,
        length_buckets=None,
        threshold=None,
        max_fpr=None,
        min_precision=None,
        f1_max_fpr=None,
        threshold_folds=None,
        holdout=0.0,
        seed=None,
        n_threads=0,
    ):
        self.positive_label = positive_label
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.min_df = min_df
        self.max_features = max_features
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.knowledge_scale = knowledge_scale
        self.norm_power = norm_power
        self.length_buckets = length_buckets
        self.threshold = threshold
        self.max_fpr = max_fpr
        self.min_precision = min_precision
        self.f1_max_fpr = f1_max_fpr
        self.threshold_folds = threshold_folds
        self.holdout = holdout
        self.seed = seed
        self.n_threads = n_threads

    @classmethod
    def from_model(cls, model: Model, **params) -> "JscamClassifier":
        """An estimator already fitted: it scores with ``model`` (for example
        ``jscam.Model.default()``); ``fit`` would train a new one."""
        est = cls(**params)
        est._set_model(model, np.array(sorted(model.labels), dtype=object))
        return est

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        return tags

    def _set_model(self, model: Model, classes: np.ndarray) -> None:
        self.model_ = model
        self.classes_ = classes
        # Where P(positive) goes in predict_proba's columns.
        self._positive_index = int(np.flatnonzero(classes.astype(str) == model.positive_label)[0])
        self.threshold_ = model.threshold

    def fit(self, X, y):
        """Trains a model on texts ``X`` and labels ``y`` (exactly two classes)."""
        texts = _texts(X)
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D, got shape {y.shape}")
        if len(y) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(
                f"JscamClassifier needs exactly two classes in y, got {len(classes)}: {classes[:5]}"
            )
        if self.positive_label is None:
            positive = classes[1]
        elif self.positive_label in set(classes.tolist()):
            positive = self.positive_label
        else:
            raise ValueError(
                f"positive_label {self.positive_label!r} is not a class of y ({classes.tolist()})"
            )
        names = [str(c) for c in classes]
        if names[0] == names[1]:
            raise ValueError(f"the classes {classes.tolist()} have the same text")
        options = {name: getattr(self, name) for name in _TRAIN_OPTIONS}
        if options["char_ngrams"] is not None:
            options["char_ngrams"] = tuple(options["char_ngrams"])
        if options["length_buckets"] is not None:
            options["length_buckets"] = [int(b) for b in options["length_buckets"]]
        model = train(
            texts,
            [str(label) for label in y.tolist()],
            positive_label=str(positive),
            n_threads=self.n_threads,
            **options,
        )
        self._set_model(model, classes)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of shape (n, 2), columns in ``classes_`` order."""
        check_is_fitted(self)
        p = self.model_.predict_proba(_texts(X), n_threads=self.n_threads)
        out = np.empty((len(p), 2))
        out[:, self._positive_index] = p
        out[:, 1 - self._positive_index] = 1.0 - p
        return out

    def decision_function(self, X) -> np.ndarray:
        """The logit of ``classes_[1]``: positive means ``classes_[1]`` is the likelier."""
        check_is_fitted(self)
        logit = self.model_.decision_function(_texts(X), n_threads=self.n_threads)
        return logit if self._positive_index == 1 else -logit

    def predict(self, X) -> np.ndarray:
        """The class of every text: the positive one where P(positive) is at
        or above the model's threshold (``threshold_``)."""
        check_is_fitted(self)
        labels = self.model_.predict(_texts(X), n_threads=self.n_threads)
        positive = labels == self.model_.positive_label
        index = np.where(positive, self._positive_index, 1 - self._positive_index)
        return self.classes_[index]
