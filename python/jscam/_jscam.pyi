"""Type stubs of the extension module (the Rust binding); see jscam/__init__.py."""

from os import PathLike
from typing import Any, Iterable, Optional, Sequence, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

Texts = Union[Sequence[str], npt.NDArray[Any], Iterable[str]]
"""A list, tuple, NumPy array or pandas Series of ``str``."""

StrPath = Union[str, PathLike[str]]

class Explanation(TypedDict):
    probability: float
    logit: float
    label: str
    intercept: float
    known_features: int
    toward_positive: list[Tuple[str, float]]
    toward_negative: list[Tuple[str, float]]

class Model:
    """A trained jscam classifier (see ``Model.default``, ``Model.load``, ``jscam.train``)."""

    @staticmethod
    def default() -> Model:
        """The embedded default model (decoded once per process)."""
    @staticmethod
    def load(path: StrPath) -> Model:
        """Loads a model file; FileNotFoundError if missing, ValueError if unusable."""
    @staticmethod
    def from_bytes(data: bytes) -> Model:
        """A model from a model file's bytes."""
    def __bytes__(self) -> bytes: ...
    def save(self, path: StrPath) -> None:
        """Writes the model file atomically."""
    @property
    def info(self) -> dict[str, Any]:
        """What ``inspect --json`` shows (without ``file``)."""
    @property
    def threshold(self) -> float:
        """The decision threshold on P(positive label)."""
    @property
    def labels(self) -> Tuple[str, str]:
        """``(negative, positive)``."""
    @property
    def positive_label(self) -> str: ...
    @property
    def negative_label(self) -> str: ...
    def predict_proba(self, texts: Texts, *, n_threads: int = 0) -> npt.NDArray[np.float64]:
        """P(positive label) of every text (GIL released; 0 threads: one per core)."""
    def decision_function(self, texts: Texts, *, n_threads: int = 0) -> npt.NDArray[np.float64]:
        """The logit of every text."""
    def predict(
        self, texts: Texts, *, threshold: Optional[float] = None, n_threads: int = 0
    ) -> npt.NDArray[np.object_]:
        """The label of every text (``str`` objects)."""
    def classify(
        self, texts: Texts, *, threshold: Optional[float] = None, n_threads: int = 0
    ) -> Tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
        """``(labels, probabilities)`` in one pass."""
    def explain(self, text: str, k: int = 5) -> Explanation:
        """The ``k`` strongest contributions each way to one text's logit."""

def train(
    texts: Texts,
    labels: Texts,
    *,
    also_train: Union[Tuple[Texts, Texts], StrPath, Sequence[StrPath], None] = None,
    groups: Optional[Texts] = None,
    n_threads: int = 0,
    positive_label: Optional[str] = None,
    seed: Optional[int] = None,
    holdout: Optional[float] = None,
    threshold: Optional[float] = None,
    max_fpr: Optional[float] = None,
    min_precision: Optional[float] = None,
    f1_max_fpr: Optional[float] = None,
    alpha: Optional[float] = None,
    max_iter: Optional[int] = None,
    tol: Optional[float] = None,
    solver: Optional[str] = None,
    min_df: Optional[int] = None,
    max_features: Optional[int] = None,
    word_ngrams: Optional[int] = None,
    char_ngrams: Optional[Tuple[int, int]] = None,
    knowledge_scale: Optional[float] = None,
    norm_power: Optional[float] = None,
    length_buckets: Optional[Sequence[int]] = None,
    links: Optional[StrPath] = None,
    threshold_folds: Optional[int] = None,
    also_train_weight: Optional[float] = None,
) -> Model:
    """Trains a model with the ``train`` binary's options; None: the library default."""

def train_defaults() -> dict[str, Any]:
    """The library's training defaults, by ``train``'s keyword names."""

def evaluate(
    model: Model,
    texts: Texts,
    labels: Texts,
    *,
    threshold: Optional[float] = None,
    categories: Optional[Texts] = None,
    n_threads: int = 0,
) -> dict[str, Any]:
    """The metrics dict ``evaluate model --json`` writes."""

def cross_validate(
    texts: Texts,
    labels: Texts,
    *,
    k: int = 5,
    groups: Optional[Texts] = None,
    categories: Optional[Texts] = None,
    also_train: Union[Tuple[Texts, Texts], StrPath, Sequence[StrPath], None] = None,
    n_threads: int = 0,
    **options: Any,
) -> dict[str, Any]:
    """The metrics dict ``evaluate cv --json`` writes."""
