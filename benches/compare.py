#!/usr/bin/env python3
"""Side-by-side scikit-learn baselines for the Rust SMS scam classifier.

The Rust tool and these baselines must see exactly the same rows, folds and
train/test files, otherwise accuracy and speed numbers are not comparable.
This script therefore reads the same CSV files (and the Rust tool's folds file)
and reports the same metrics, so a table can put both side by side.

Subcommands:
  cv              pooled out-of-fold metrics for every baseline on a folds file,
                  with the libraries' default hyperparameters (LR C = 1, NB
                  alpha = 1) and a fixed 0.5 threshold ("library default C")
  protocol        the real-data protocol: on the Rust tool's outer folds, with
                  --also-train rows on every training side, C (or alpha) and
                  the decision threshold (--max-fpr rule) tuned by inner
                  grouped CV inside each fold
  make-folds      stratified k-fold assignment, optionally grouped by a column
                  (fallback when the Rust tool's folds file is not at hand)
  split           stratified train/test split written as two CSV files
  train-test      fit one baseline, score it on a test file (one model per
                  process, so `/usr/bin/time -v` measures its peak memory)
  predict-speed   throughput of predict_proba over a CSV, tokenization included
  tokenize-speed  throughput of fugashi tokenization alone

Install the pinned dependencies with:
  pip install -r benches/requirements.txt
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

# Messages can be long (some datasets hold whole e-mails pasted into a field).
csv.field_size_limit(sys.maxsize)

MODEL_NAMES = ("sklearn_word_lr", "sklearn_char_lr", "sklearn_word_nb")
THRESHOLD = 0.5
FPR_TARGETS = (0.01, 0.001)


# --------------------------------------------------------------------------
# Data loading
# --------------------------------------------------------------------------


@dataclass
class Dataset:
    """Texts plus original label strings and binary targets (1 = positive)."""

    texts: list[str]
    labels: list[str]
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def _open_reader(path: str) -> tuple[csv.DictReader, object]:
    """Open a CSV for reading; utf-8-sig accepts an optional BOM, and
    newline='' lets the csv module handle newlines inside quoted fields."""
    handle = open(path, "r", encoding="utf-8-sig", newline="")
    return csv.DictReader(handle), handle


def _require_columns(reader: csv.DictReader, path: str, columns: Sequence[str]) -> None:
    """Fail early with a readable message instead of a KeyError per row."""
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        sys.exit(f"error: {path}: missing column(s) {missing}; header is {header}")


def read_labeled(path: str, text_col: str, label_col: str, positive: str) -> Dataset:
    """Read a labeled CSV. Any label other than `positive` counts as negative;
    labels are compared after stripping surrounding whitespace."""
    reader, handle = _open_reader(path)
    with handle:
        _require_columns(reader, path, (text_col, label_col))
        texts, labels = [], []
        for row in reader:
            texts.append(row[text_col])
            labels.append(row[label_col])
    y = np.fromiter((lab.strip() == positive for lab in labels), dtype=np.int64, count=len(labels))
    return Dataset(texts, labels, y)


def read_texts(path: str, text_col: str) -> list[str]:
    """Read only the text column (speed inputs need no labels)."""
    reader, handle = _open_reader(path)
    with handle:
        _require_columns(reader, path, (text_col,))
        return [row[text_col] for row in reader]


def read_folds(path: str, n_rows: int) -> np.ndarray:
    """Read a `row,fold` file into an array of fold ids (-1 = row not listed).

    Rows may be left out (e.g. if the fold maker dropped duplicates); they
    are then excluded from evaluation. Duplicates or out-of-range rows are
    errors, because they would silently change the comparison."""
    folds = np.full(n_rows, -1, dtype=np.int64)
    reader, handle = _open_reader(path)
    with handle:
        _require_columns(reader, path, ("row", "fold"))
        for line_no, rec in enumerate(reader, start=2):
            try:
                row, fold = int(rec["row"]), int(rec["fold"])
            except (TypeError, ValueError):
                sys.exit(f"error: {path}:{line_no}: non-integer row/fold {rec}")
            if not 0 <= row < n_rows:
                sys.exit(f"error: {path}:{line_no}: row {row} outside 0..{n_rows - 1}")
            if fold < 0:
                sys.exit(f"error: {path}:{line_no}: negative fold {fold}")
            if folds[row] != -1:
                sys.exit(f"error: {path}:{line_no}: row {row} listed twice")
            folds[row] = fold
    fold_ids = sorted(set(folds[folds >= 0].tolist()))
    if fold_ids != list(range(len(fold_ids))) or len(fold_ids) < 2:
        sys.exit(f"error: {path}: folds must be 0..k-1 with k >= 2, got {fold_ids}")
    return folds


def write_labeled(path: str, texts: Sequence[str], labels: Sequence[str]) -> None:
    """Write text,label with minimal quoting; newline='' keeps embedded
    newlines and carriage returns byte-for-byte."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels))


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class FugashiTokenizer:
    """Callable tokenizer: fugashi (MeCab + unidic-lite) surface forms,
    lowercased after tokenization so that MeCab sees the original casing.

    The Tagger is created lazily on first use, so its start-up cost is
    counted inside the pipeline's fit time, and it is dropped when pickled or
    deep-copied (a MeCab tagger cannot be pickled; sklearn's clone deep-copies
    parameters)."""

    def __init__(self) -> None:
        self._tagger = None

    def _get_tagger(self):
        if self._tagger is None:
            import fugashi  # deferred so char-only runs don't load the dictionary

            self._tagger = fugashi.Tagger()
        return self._tagger

    def __call__(self, text: str) -> list[str]:
        return [word.surface.lower() for word in self._get_tagger()(text)]

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self._tagger = None


def build_model(name: str):
    """Return an unfitted sklearn Pipeline; tokenization is its first step,
    so fit/predict timings include it."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import Pipeline

    if name == "sklearn_word_lr":
        # lowercase=False: the tokenizer already lowercases its tokens.
        vec = TfidfVectorizer(tokenizer=FugashiTokenizer(), token_pattern=None, lowercase=False)
        clf = LogisticRegression(C=1.0, max_iter=1000)
    elif name == "sklearn_char_lr":
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
        clf = LogisticRegression(max_iter=1000)
    elif name == "sklearn_word_nb":
        vec = CountVectorizer(tokenizer=FugashiTokenizer(), token_pattern=None, lowercase=False)
        clf = MultinomialNB()
    else:
        raise ValueError(f"unknown model {name!r}; choose from {MODEL_NAMES}")
    return Pipeline([("vectorizer", vec), ("classifier", clf)])


def positive_proba(model, texts: Sequence[str]) -> np.ndarray:
    """P(positive) for each text, robust to the class order in classes_."""
    proba = model.predict_proba(texts)
    classes = list(model.classes_)
    return proba[:, classes.index(1)]


def timed_fit(name: str, texts: Sequence[str], y: np.ndarray):
    """Build and fit a baseline, returning (model, wall seconds)."""
    if len(set(y.tolist())) < 2:
        sys.exit("error: training data must contain both positive and negative labels")
    model = build_model(name)
    start = time.perf_counter()
    model.fit(texts, y)
    return model, time.perf_counter() - start


def best_of(repeat: int, func: Callable[[], object]) -> tuple[float, object]:
    """Best wall time over `repeat` runs; the minimum is the least noisy
    estimate on a shared 2-core machine."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------


def recall_at_fpr(y: np.ndarray, scores: np.ndarray, target: float) -> float | None:
    """Highest TPR on the ROC curve whose FPR <= target (None if undefined)."""
    from sklearn.metrics import roc_curve

    if len(set(y.tolist())) < 2:
        return None
    fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
    ok = fpr <= target
    return float(tpr[ok].max()) if ok.any() else 0.0


def compute_metrics(y: np.ndarray, scores: np.ndarray) -> dict:
    """Threshold metrics at 0.5 (score >= 0.5 means positive) plus ranking
    metrics; ranking metrics are None when only one class is present."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        matthews_corrcoef,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    pred = (scores >= THRESHOLD).astype(np.int64)
    both = len(set(y.tolist())) == 2
    out = {
        "accuracy": float(accuracy_score(y, pred)),
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "mcc": float(matthews_corrcoef(y, pred)),
        "roc_auc": float(roc_auc_score(y, scores)) if both else None,
        "pr_auc": float(average_precision_score(y, scores)) if both else None,
    }
    for target in FPR_TARGETS:
        out[f"recall_at_fpr_{target:g}"] = recall_at_fpr(y, scores, target)
    return out


def library_versions() -> dict:
    """Versions recorded with results, so numbers can be traced to a setup."""
    import importlib.metadata as md

    names = ("scikit-learn", "numpy", "scipy", "threadpoolctl", "fugashi", "unidic-lite")
    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return versions


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


# --------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------


def parse_models(spec: str) -> list[str]:
    """Comma-separated model list, validated against the known baselines."""
    models = [m.strip() for m in spec.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODEL_NAMES]
    if unknown or not models:
        sys.exit(f"error: unknown model(s) {unknown}; choose from {', '.join(MODEL_NAMES)}")
    return models


# The `cv` subcommand's hyperparameters: scikit-learn's defaults, untuned.
LIBRARY_DEFAULTS = {
    "label": "library default C",
    "tuned": False,
    "sklearn_word_lr": {"C": 1.0},
    "sklearn_char_lr": {"C": 1.0},
    "sklearn_word_nb": {"alpha": 1.0},
    "threshold": THRESHOLD,
}


def cmd_cv(args: argparse.Namespace) -> None:
    """Out-of-fold probabilities per baseline, then metrics pooled over all
    evaluated rows (not averaged per fold), matching the Rust tool's protocol.

    Hyperparameters are the libraries' defaults (LR C = 1, NB alpha = 1),
    not tuned, and the threshold is a fixed 0.5: the numbers are labelled
    "library default C". The `protocol` subcommand tunes both."""
    data = read_labeled(args.data, args.text_column, args.label_column, args.positive_label)
    folds = read_folds(args.folds, len(data))
    used = np.flatnonzero(folds >= 0)
    if len(used) < len(data):
        print(
            f"warning: {len(data) - len(used)} of {len(data)} rows are not in {args.folds}; "
            "they are left out of training and evaluation",
            file=sys.stderr,
        )
    k = int(folds.max()) + 1
    texts = data.texts
    models = parse_models(args.models)

    results = {}
    for name in models:
        oof = np.full(len(data), np.nan)
        fit_times, predict_times = [], []
        for fold in range(k):
            train_idx = np.flatnonzero((folds >= 0) & (folds != fold))
            test_idx = np.flatnonzero(folds == fold)
            model, fit_s = timed_fit(name, [texts[i] for i in train_idx], data.y[train_idx])
            start = time.perf_counter()
            oof[test_idx] = positive_proba(model, [texts[i] for i in test_idx])
            predict_times.append(time.perf_counter() - start)
            fit_times.append(fit_s)
            print(f"[{name}] fold {fold}: fit {fit_s:.2f}s", file=sys.stderr)
        metrics = compute_metrics(data.y[used], oof[used])
        metrics.update(
            fit_seconds_total=sum(fit_times),
            fit_seconds_per_fold=fit_times,
            predict_seconds_total=sum(predict_times),
        )
        results[name] = metrics

    print_cv_table(results)
    print()
    print("Hyperparameters: library default C (LR C = 1, NB alpha = 1, untuned); threshold 0.5.")
    if args.json:
        report = {
            "data": os.path.abspath(args.data),
            "folds": os.path.abspath(args.folds),
            "k": k,
            "n_rows": len(data),
            "n_evaluated": int(len(used)),
            "n_positive": int(data.y[used].sum()),
            "threshold": THRESHOLD,
            "hyperparameters": LIBRARY_DEFAULTS,
            "threads": args.threads,
            "versions": library_versions(),
            "models": results,
        }
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")


def print_cv_table(results: dict) -> None:
    """Markdown table, one row per baseline, 3 decimals."""
    columns = [
        ("accuracy", "accuracy"),
        ("precision", "precision"),
        ("recall", "recall"),
        ("f1", "f1"),
        ("mcc", "mcc"),
        ("roc_auc", "roc_auc"),
        ("pr_auc", "pr_auc"),
        ("recall_at_fpr_0.01", "recall@fpr<=1%"),
        ("recall_at_fpr_0.001", "recall@fpr<=0.1%"),
        ("fit_seconds_total", "fit s (all folds)"),
    ]
    print("| model | " + " | ".join(title for _, title in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, metrics in results.items():
        cells = " | ".join(_fmt(metrics[key]) for key, _ in columns)
        print(f"| {name} | {cells} |")


def cmd_make_folds(args: argparse.Namespace) -> None:
    """Fallback fold maker: StratifiedKFold(shuffle=True, random_state=seed),
    or with --group-column the Rust tool's greedy grouped rule
    (grouped_stratified_folds; same rule, different RNG)."""
    from sklearn.model_selection import StratifiedKFold

    data = read_labeled(args.data, args.text_column, args.label_column, args.positive_label)
    if args.group_column:
        groups = read_column(args.data, args.group_column)
        folds = grouped_stratified_folds(data.y, groups, args.k, args.seed)
    else:
        folds = np.empty(len(data), dtype=np.int64)
        splitter = StratifiedKFold(n_splits=args.k, shuffle=True, random_state=args.seed)
        for fold, (_, test_idx) in enumerate(splitter.split(np.zeros(len(data)), data.y)):
            folds[test_idx] = fold
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["row", "fold"])
        writer.writerows((row, int(fold)) for row, fold in enumerate(folds))
    print(f"wrote {args.out}: {len(data)} rows, {args.k} folds, {int(data.y.sum())} positive")


def cmd_split(args: argparse.Namespace) -> None:
    """Stratified train/test split; rows keep their original order within
    each file and texts/labels are written unchanged."""
    from sklearn.model_selection import train_test_split

    data = read_labeled(args.data, args.text_column, args.label_column, args.positive_label)
    train_idx, test_idx = train_test_split(
        np.arange(len(data)), test_size=args.test_fraction, stratify=data.y, random_state=args.seed
    )
    os.makedirs(args.out_dir, exist_ok=True)
    for part, idx in (("train", np.sort(train_idx)), ("test", np.sort(test_idx))):
        path = os.path.join(args.out_dir, f"{part}.csv")
        write_labeled(path, [data.texts[i] for i in idx], [data.labels[i] for i in idx])
        n_pos = int(data.y[idx].sum())
        print(f"{part}: {len(idx)} rows ({n_pos} positive, {len(idx) - n_pos} negative) -> {path}")


def cmd_train_test(args: argparse.Namespace) -> None:
    """Fit one baseline on --train and score --test; reading is outside the
    timed region, tokenization inside it."""
    train = read_labeled(args.train, args.text_column, args.label_column, args.positive_label)
    test = read_labeled(args.test, args.text_column, args.label_column, args.positive_label)
    model, fit_s = timed_fit(args.model, train.texts, train.y)
    start = time.perf_counter()
    scores = positive_proba(model, test.texts)
    predict_s = time.perf_counter() - start
    metrics = compute_metrics(test.y, scores)
    print(
        json.dumps(
            {
                "model": args.model,
                "train_seconds": round(fit_s, 4),
                "f1": metrics["f1"],
                "precision": metrics["precision"],
                "recall": metrics["recall"],
                "roc_auc": metrics["roc_auc"],
                "n_train": len(train),
                "n_test": len(test),
                "predict_seconds": round(predict_s, 4),
            }
        )
    )


def cmd_predict_speed(args: argparse.Namespace) -> None:
    """Throughput of the whole fitted pipeline (tokenize + vectorize +
    classify) on every text of --input, best of --repeat."""
    train = read_labeled(args.train, args.text_column, args.label_column, args.positive_label)
    texts = read_texts(args.input, args.text_column)
    model, _ = timed_fit(args.model, train.texts, train.y)
    seconds, _ = best_of(args.repeat, lambda: positive_proba(model, texts))
    print(
        json.dumps(
            {
                "model": args.model,
                "messages": len(texts),
                "seconds": round(seconds, 6),
                "messages_per_second": round(len(texts) / seconds, 1) if seconds > 0 else None,
            }
        )
    )


def cmd_tokenize_speed(args: argparse.Namespace) -> None:
    """Throughput of fugashi alone (surface forms), to separate tokenizer cost
    from model cost; the Tagger is built before timing starts."""
    import fugashi

    texts = read_texts(args.input, args.text_column)
    tagger = fugashi.Tagger()
    tagger("ウォームアップ")  # first call touches the dictionary pages

    def run() -> int:
        return sum(len([w.surface for w in tagger(text)]) for text in texts)

    seconds, tokens = best_of(args.repeat, run)
    print(
        json.dumps(
            {
                "messages": len(texts),
                "tokens": tokens,
                "characters": sum(len(t) for t in texts),
                "seconds": round(seconds, 6),
                "messages_per_second": round(len(texts) / seconds, 1) if seconds > 0 else None,
            }
        )
    )


# --------------------------------------------------------------------------
# Real-data protocol: tuned hyperparameters and a fitted threshold per fold
# --------------------------------------------------------------------------

# Hyperparameter grids searched inside every outer fold (grid order also
# breaks ties: the first value with the best inner ROC-AUC wins).
PROTOCOL_GRIDS = {
    "sklearn_word_lr": ("C", (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)),
    "sklearn_char_lr": ("C", (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)),
    "sklearn_word_nb": ("alpha", (0.01, 0.03, 0.1, 0.3, 1.0)),
}
FPR_SLACK = 1e-12  # same tolerance as the Rust tool's threshold_for_fpr


def _identity(doc):
    """Analyzer for pre-analysed documents (module level, so it pickles)."""
    return doc


def analyze_all(name: str, texts: Sequence[str]) -> list[list[str]]:
    """Every text's analyzer output, computed once and reused by every fit.

    Identical to what the baselines' own vectorizers produce: the word
    models run FugashiTokenizer with lowercase=False (token lists as is),
    the char model the default char analyzer (lowercased 1-3-grams)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if name in ("sklearn_word_lr", "sklearn_word_nb"):
        tokenizer = FugashiTokenizer()
        return [tokenizer(t) for t in texts]
    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    return [analyzer(t) for t in texts]


def protocol_vectorizer(name: str):
    """The baseline's vectorizer over pre-analysed documents."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if name == "sklearn_word_nb":
        return CountVectorizer(analyzer=_identity)
    return TfidfVectorizer(analyzer=_identity)


def protocol_classifier(name: str, value: float):
    """The baseline's classifier with its tuned hyperparameter."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    if name == "sklearn_word_nb":
        return MultinomialNB(alpha=value)
    return LogisticRegression(C=value, max_iter=1000)


def log_odds(clf, X) -> np.ndarray:
    """Score = log P(positive) - log P(negative).

    A monotone transform of predict_proba (0.5 <-> 0), so ranks, ROC and the
    0.5 reference are unchanged; unlike predict_proba it does not saturate
    at exactly 0 or 1 (MultinomialNB on long messages, LR at C = 100),
    which would otherwise create artificial ties."""
    classes = list(clf.classes_)
    pos, neg = classes.index(1), classes.index(0)
    if hasattr(clf, "decision_function"):
        margin = clf.decision_function(X)
        return margin if pos == 1 else -margin
    jll = clf.predict_joint_log_proba(X)
    return jll[:, pos] - jll[:, neg]


def grouped_stratified_folds(y: np.ndarray, groups: Sequence[str] | None, k: int, seed: int) -> np.ndarray:
    """The Rust tool's fold rule (train::stratified_folds), with Python's
    RNG instead of ChaCha8, so assignments differ but the rule is the same.

    Ungrouped: each class (positive first) shuffled, dealt round-robin.
    Grouped: a blank group value is a group of its own; groups (in key
    order) are shuffled, stably sorted largest first, and each goes to the
    fold with the fewest rows of its majority class (then of the other
    class, then the lowest fold number)."""
    import random

    rng = random.Random(seed)
    folds = np.zeros(len(y), dtype=np.int64)
    if groups is None:
        for cls in (1, 0):
            rows = [i for i in range(len(y)) if y[i] == cls]
            rng.shuffle(rows)
            for position, row in enumerate(rows):
                folds[row] = position % k
        return folds
    members: dict[tuple[str, int], list[int]] = {}
    for i, g in enumerate(groups):
        key = ("", i) if not g.strip() else (g, 0)
        members.setdefault(key, []).append(i)
    lists = [members[key] for key in sorted(members)]
    rng.shuffle(lists)
    lists.sort(key=len, reverse=True)  # stable: shuffled order among equal sizes
    load = [[0, 0] for _ in range(k)]
    for rows in lists:
        positives = sum(int(y[i]) for i in rows)
        cls = 1 if positives * 2 >= len(rows) else 0
        fold = min(range(k), key=lambda f: (load[f][cls], load[f][1 - cls]))
        load[fold][cls] += len(rows)
        folds[rows] = fold
    return folds


def threshold_for_fpr(y: np.ndarray, scores: np.ndarray, max_fpr: float) -> tuple[float, bool]:
    """The Rust tool's rule: the lowest distinct score t such that the share
    of negatives scored >= t is <= max_fpr. Returns (threshold, found); when
    no score qualifies, the highest score nudged up (nothing is flagged)."""
    negatives = int((y == 0).sum())
    order = np.argsort(-scores, kind="stable")
    s, neg = scores[order], (y[order] == 0).astype(np.int64)
    fp = np.cumsum(neg)
    last_of_tie = np.r_[s[1:] != s[:-1], True]  # ties move together
    t, fp_t = s[last_of_tie], fp[last_of_tie]
    ok = fp_t / max(negatives, 1) <= max_fpr + FPR_SLACK
    if ok.any():
        if BEST_F1_WITHIN_FPR:
            # jscam's default rule: the best F1 among the thresholds within
            # the budget (ties to the stricter one).
            positives = int((y == 1).sum())
            tp_t = (np.cumsum(1 - neg))[last_of_tie]
            precision = tp_t / np.maximum(tp_t + fp_t, 1)
            recall = tp_t / max(positives, 1)
            f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
            f1 = np.where(ok, f1, -1.0)
            return float(t[int(np.argmax(f1))]), True
        return float(t[ok].min()), True
    return float(np.nextafter(s.max(), np.inf)), False


# Set by `protocol --rule`: choose the best-F1 threshold within the FPR
# budget (jscam's default rule) instead of the lowest one within it.
BEST_F1_WITHIN_FPR = False


def decision_metrics(y: np.ndarray, pred: np.ndarray) -> dict:
    """Threshold metrics from 0/1 decisions (positive = 1)."""
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    tn = int(((pred == 0) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "precision": precision,
        "recall": recall,
        "false_positive_rate": fp / (fp + tn) if fp + tn else 0.0,
        "accuracy": (tp + tn) / len(y) if len(y) else 0.0,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
    }


def read_column(path: str, column: str) -> list[str]:
    """One column of a CSV (the group column of the evaluated file)."""
    reader, handle = _open_reader(path)
    with handle:
        _require_columns(reader, path, (column,))
        return [row[column] for row in reader]


def run_protocol_model(
    name: str,
    docs: list,
    y_all: np.ndarray,
    n_also: int,
    folds: np.ndarray,
    groups: list[str] | None,
    inner_k: int,
    max_fpr: float,
    seed: int,
    grid: Sequence[float],
) -> dict:
    """Nested protocol for one baseline. Index layout of docs / y_all:
    [0, n_also) are --also-train rows, then the evaluated rows in order."""
    import warnings

    from scipy.special import expit
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import roc_auc_score

    param = PROTOCOL_GRIDS[name][0]
    n_real = len(folds)
    always = np.arange(n_also)
    real = n_also + np.arange(n_real)
    y = y_all[n_also:]
    k = int(folds.max()) + 1
    scores = np.full(n_real, np.nan)
    decided = np.full(n_real, -1, dtype=np.int64)
    per_fold = []
    not_converged = 0
    start_model = time.perf_counter()

    def fit_score(train_idx, test_idx, values):
        """One vectorizer fit on train_idx, one classifier per value."""
        nonlocal not_converged
        vec = protocol_vectorizer(name)
        X_train = vec.fit_transform([docs[i] for i in train_idx])
        X_test = vec.transform([docs[i] for i in test_idx])
        out = []
        for value in values:
            clf = protocol_classifier(name, value)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                clf.fit(X_train, y_all[train_idx])
            not_converged += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            out.append(log_odds(clf, X_test))
        return out

    for fold in range(k):
        t0 = time.perf_counter()
        train_rows = np.flatnonzero((folds >= 0) & (folds != fold))  # evaluated-row indices
        test_rows = np.flatnonzero(folds == fold)
        inner_groups = [groups[i] for i in train_rows] if groups is not None else None
        inner = grouped_stratified_folds(y[train_rows], inner_groups, inner_k, seed)
        inner_oof = np.full((len(grid), len(train_rows)), np.nan)
        for j in range(inner_k):
            held = np.flatnonzero(inner == j)
            if len(held) == 0:
                continue
            fit_on = np.concatenate([always, real[train_rows[inner != j]]])
            for g, s in enumerate(fit_score(fit_on, real[train_rows[held]], grid)):
                inner_oof[g, held] = s
        y_inner = y[train_rows]
        inner_auc = [float(roc_auc_score(y_inner, inner_oof[g])) for g in range(len(grid))]
        best = int(np.argmax(inner_auc))  # first maximum: grid order breaks ties
        threshold, found = threshold_for_fpr(y_inner, inner_oof[best], max_fpr)
        inner_pred = inner_oof[best] >= threshold
        fit_on = np.concatenate([always, real[train_rows]])
        (test_scores,) = fit_score(fit_on, real[test_rows], [grid[best]])
        scores[test_rows] = test_scores
        decided[test_rows] = (test_scores >= threshold).astype(np.int64)
        fold_decisions = decision_metrics(y[test_rows], decided[test_rows])
        per_fold.append(
            {
                "fold": fold,
                "n_train_evaluated_rows": int(len(train_rows)),
                "n_train_total": int(len(fit_on)),
                "n_test": int(len(test_rows)),
                param: grid[best],
                "inner_roc_auc": {f"{v:g}": a for v, a in zip(grid, inner_auc)},
                "threshold_log_odds": threshold,
                "threshold_probability": float(expit(threshold)),
                "threshold_found": found,
                "inner_false_positive_rate": float(inner_pred[y_inner == 0].mean()),
                "inner_recall": float(inner_pred[y_inner == 1].mean()),
                "test": {key: fold_decisions[key] for key in ("recall", "false_positive_rate", "confusion")},
                "seconds": time.perf_counter() - t0,
            }
        )
        print(
            f"[{name}] fold {fold}: {param}={grid[best]:g} (inner AUC {inner_auc[best]:.4f}), "
            f"threshold p={expit(threshold):.4f}, test recall {fold_decisions['recall']:.3f} "
            f"FPR {fold_decisions['false_positive_rate']:.3f}, {per_fold[-1]['seconds']:.1f}s",
            file=sys.stderr,
        )

    used = folds >= 0
    yu, su = y[used], scores[used]
    both = len(set(yu.tolist())) == 2
    from sklearn.metrics import average_precision_score

    result = decision_metrics(yu, decided[used])
    result.update(
        roc_auc=float(roc_auc_score(yu, su)) if both else None,
        pr_auc=float(average_precision_score(yu, su)) if both else None,
        **{f"recall_at_fpr_{t:g}": recall_at_fpr(yu, su, t) for t in FPR_TARGETS},
    )
    at_half = decision_metrics(yu, (su >= 0.0).astype(np.int64))  # log-odds 0 = P 0.5
    result["at_threshold_0.5"] = at_half
    result["hyperparameter"] = param
    result["grid"] = list(grid)
    result[f"{param}_per_fold"] = [f[param] for f in per_fold]
    result["threshold_probability_per_fold"] = [f["threshold_probability"] for f in per_fold]
    result["convergence_warnings"] = not_converged
    # A choice on the grid's edge means the optimum may lie outside it.
    result["folds_at_grid_edge"] = sum(
        f[param] in (min(grid), max(grid)) for f in per_fold
    ) if len(grid) > 1 else 0
    if result["folds_at_grid_edge"]:
        print(
            f"note: [{name}] {result['folds_at_grid_edge']} of {k} folds chose {param} at the "
            f"edge of the grid {list(grid)}",
            file=sys.stderr,
        )
    result["folds"] = per_fold
    result["seconds"] = time.perf_counter() - start_model
    result["scores_log_odds"] = [None if np.isnan(v) else float(v) for v in scores]
    return result


def cmd_protocol(args: argparse.Namespace) -> None:
    """Nested protocol on the Rust tool's outer folds (see the `protocol`
    help): per outer fold, tune the hyperparameter and the threshold by
    inner grouped CV on the training side, then fit on the whole training
    side and decide the fold's rows at that fold's threshold."""
    start = time.perf_counter()
    global BEST_F1_WITHIN_FPR
    BEST_F1_WITHIN_FPR = args.rule == "f1-within-fpr"
    data = read_labeled(args.data, args.text_column, args.label_column, args.positive_label)
    folds = read_folds(args.folds, len(data))
    used = folds >= 0
    if not used.all():
        print(
            f"warning: {int((~used).sum())} of {len(data)} rows are not in {args.folds}; "
            "they are neither trained on nor evaluated",
            file=sys.stderr,
        )
    groups = read_column(args.data, args.group_column) if args.group_column else None
    split_groups = []
    if groups is not None:
        fold_of: dict[str, set] = {}
        for g, f in zip(groups, folds):
            if g.strip() and f >= 0:
                fold_of.setdefault(g, set()).add(int(f))
        split_groups = sorted(g for g, fs in fold_of.items() if len(fs) > 1)
        if split_groups:
            print(
                f"warning: {len(split_groups)} {args.group_column} value(s) span several folds "
                f"in {args.folds} (e.g. {split_groups[0]!r})",
                file=sys.stderr,
            )
    also_texts, also_y, also_info = [], [], []
    for path in args.also_train:
        extra = read_labeled(path, args.text_column, args.label_column, args.positive_label)
        also_texts += extra.texts
        also_y.append(extra.y)
        also_info.append(
            {"path": os.path.abspath(path), "rows": len(extra), "positive": int(extra.y.sum())}
        )
    n_also = len(also_texts)
    texts = also_texts + data.texts
    y_all = np.concatenate(also_y + [data.y]).astype(np.int64)
    overlap = len(set(data.texts) & set(also_texts))
    if overlap:
        print(f"warning: {overlap} evaluated text(s) also appear in --also-train", file=sys.stderr)

    models = parse_models(args.models)
    cache: dict[str, list] = {}
    results = {}
    for name in models:
        kind = "char" if name == "sklearn_char_lr" else "word"
        if kind not in cache:
            t0 = time.perf_counter()
            cache[kind] = analyze_all(name, texts)
            print(f"analysed {len(texts)} texts ({kind}) in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
        grid = PROTOCOL_GRIDS[name][1]
        override = args.alpha_grid if name == "sklearn_word_nb" else args.c_grid
        if override:
            grid = tuple(sorted(float(v) for v in override.split(",") if v.strip()))
        results[name] = run_protocol_model(
            name, cache[kind], y_all, n_also, folds, groups, args.inner_k, args.max_fpr,
            args.seed, grid,
        )

    print_protocol_table(results, args.max_fpr)
    print_genuine_notices(args.data, data.y, folds, results)
    if args.out:
        report = {
            "protocol": (
                f"outer folds from {os.path.basename(args.folds)}; per outer fold: training side = "
                "all --also-train rows + evaluated rows outside the fold; hyperparameter chosen by "
                f"best pooled ROC-AUC of an inner {args.inner_k}-fold stratified CV over the "
                "training side's evaluated rows"
                + (f" grouped by `{args.group_column}`" if args.group_column else "")
                + f" (seed {args.seed}; --also-train rows in every inner training side); threshold = "
                + ("best-F1 inner out-of-fold score among those" if BEST_F1_WITHIN_FPR else "lowest inner out-of-fold score")
                + f" with FPR <= {args.max_fpr:g}; then fit on the whole "
                "training side, score the fold, decide at that fold's threshold; metrics pooled"
            ),
            "score": "log-odds log P(scam) - log P(legit); probability = sigmoid(score)",
            "data": os.path.abspath(args.data),
            "folds": os.path.abspath(args.folds),
            "group_column": args.group_column,
            "groups_split_across_folds": len(split_groups),
            "also_train": also_info,
            "also_train_overlap_texts": overlap,
            "max_fpr": args.max_fpr,
            "inner_k": args.inner_k,
            "seed": args.seed,
            "k": int(folds.max()) + 1,
            "n_rows": len(data),
            "n_evaluated": int(used.sum()),
            "n_positive": int(data.y[used].sum()),
            "threads": args.threads,
            "versions": library_versions(),
            "seconds_total": time.perf_counter() - start,
            "models": results,
        }
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
            handle.write("\n")


# The genuine company and public-body notices of real_ja (legit rows), as
# benches/defaults.py counts them for jscam.
NOTICES = {"otp", "account_notice", "card_notice", "bank_notice", "carrier_notice",
           "delivery_notice", "payment_notice", "gov_notice", "appointment", "marketing"}


def print_genuine_notices(path: str, y: np.ndarray, folds: np.ndarray, results: dict) -> None:
    """Genuine notices flagged per baseline, each at its own fold's threshold
    (only when the evaluated file has a `category` column)."""
    from scipy.special import expit

    try:
        categories = read_column(path, "category")
    except SystemExit:
        return
    notices = [i for i, c in enumerate(categories)
               if c in NOTICES and y[i] == 0 and folds[i] >= 0]
    for name, r in results.items():
        thresholds = r["threshold_probability_per_fold"]
        flagged = sum(
            expit(r["scores_log_odds"][i]) >= thresholds[int(folds[i])] for i in notices
        )
        print(f"{name}: genuine notices flagged {flagged} of {len(notices)}")
    print()


def print_protocol_table(results: dict, max_fpr: float) -> None:
    """Markdown table: per-fold decisions, pooled ranking metrics, 0.5 reference."""
    print(
        f"| model | tuned per fold | F1 | precision | recall | FPR | accuracy | ROC-AUC | PR-AUC "
        f"| recall@FPR≤1% | F1 @0.5 | FPR @0.5 | seconds |"
    )
    print("|---|---|" + "---:|" * 11)
    for name, r in results.items():
        param = r["hyperparameter"]
        tuned = f"{param} " + ", ".join(f"{v:g}" for v in r[f"{param}_per_fold"])
        cells = [r[k] for k in ("f1", "precision", "recall", "false_positive_rate", "accuracy",
                                "roc_auc", "pr_auc", "recall_at_fpr_0.01")]
        cells += [r["at_threshold_0.5"]["f1"], r["at_threshold_0.5"]["false_positive_rate"]]
        print(f"| {name} | {tuned} | " + " | ".join(_fmt(c) for c in cells) + f" | {r['seconds']:.0f} |")
    print()
    rule = "the best-F1 inner out-of-fold score among those" if BEST_F1_WITHIN_FPR else "the lowest inner out-of-fold score"
    print(f"Thresholds: per outer fold, {rule} with FPR ≤ {max_fpr:g}; "
          "the @0.5 columns decide the same pooled scores at P = 0.5.")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """One parser per subcommand; the column/label flags are shared."""
    columns = argparse.ArgumentParser(add_help=False)
    columns.add_argument("--text-column", default="text", help="text column name (default: text)")
    columns.add_argument("--label-column", default="label", help="label column name (default: label)")
    columns.add_argument(
        "--positive-label", default="scam", help="label value counted as positive (default: scam)"
    )
    columns.add_argument(
        "--threads",
        type=int,
        default=1,
        help="cap on BLAS/OpenMP threads (default: 1; 0 = library default). See main().",
    )

    parser = argparse.ArgumentParser(
        description="scikit-learn baselines on the same folds/files as the Rust classifier"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("cv", parents=[columns], help="pooled out-of-fold metrics per baseline")
    p.add_argument("--data", required=True, help="labeled CSV")
    p.add_argument("--folds", required=True, help="CSV with header row,fold (0-based data rows)")
    p.add_argument("--json", help="write all numbers to this JSON file")
    p.add_argument(
        "--models", default=",".join(MODEL_NAMES), help="comma-separated baselines (default: all)"
    )
    p.set_defaults(func=cmd_cv)

    p = sub.add_parser("make-folds", parents=[columns], help="stratified k-fold file (fallback)")
    p.add_argument("--data", required=True)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--group-column",
        help="keep rows sharing this column's value in one fold (the Rust tool's greedy rule)",
    )
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_make_folds)

    p = sub.add_parser(
        "protocol",
        parents=[columns],
        help="real-data protocol: tuned C/alpha and a --max-fpr threshold per outer fold",
        description=(
            "For each outer fold of --folds: training side = every --also-train row + the "
            "--data rows outside the fold. C (LR) or alpha (NB) is chosen over a fixed grid by "
            "the best pooled ROC-AUC of an inner --inner-k-fold stratified CV over the training "
            "side's --data rows (grouped by --group-column; --also-train rows in every inner "
            "training side); the threshold is the lowest inner out-of-fold score whose "
            "false-positive rate is <= --max-fpr. The model is then fitted on the whole "
            "training side and the fold's rows are decided at that threshold. Metrics are "
            "pooled over all --data rows."
        ),
    )
    p.add_argument("--data", required=True, help="evaluated labeled CSV (e.g. real_ja/messages.csv)")
    p.add_argument("--folds", required=True, help="CSV row,fold over --data (evaluate cv --folds-out)")
    p.add_argument("--group-column", help="group column of --data for the inner folds (e.g. source)")
    p.add_argument(
        "--also-train",
        action="append",
        default=[],
        metavar="FILE",
        help="labeled CSV always on the training side, never evaluated (repeatable)",
    )
    p.add_argument("--max-fpr", type=float, default=0.04, help="FPR budget of the threshold rule (default: 0.04)")
    p.add_argument(
        "--rule",
        choices=["f1-within-fpr", "max-fpr"],
        default="f1-within-fpr",
        help="threshold: best F1 within the FPR budget (jscam's default) or the lowest within it",
    )
    p.add_argument("--inner-k", type=int, default=5, help="inner folds (default: 5)")
    p.add_argument(
        "--c-grid",
        help="comma-separated C values for the LR baselines (default: 0.1,0.3,1,3,10,30,100)",
    )
    p.add_argument(
        "--alpha-grid", help="comma-separated alpha values for NB (default: 0.01,0.03,0.1,0.3,1)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the inner folds (default: 0)")
    p.add_argument("--out", help="write all numbers to this JSON file")
    p.add_argument(
        "--models", default=",".join(MODEL_NAMES), help="comma-separated baselines (default: all)"
    )
    p.set_defaults(func=cmd_protocol)

    p = sub.add_parser("split", parents=[columns], help="stratified train/test CSV files")
    p.add_argument("--data", required=True)
    p.add_argument("--test-fraction", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", required=True)
    p.set_defaults(func=cmd_split)

    p = sub.add_parser("train-test", parents=[columns], help="fit on train, score on test")
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--model", required=True, choices=MODEL_NAMES)
    p.set_defaults(func=cmd_train_test)

    p = sub.add_parser("predict-speed", parents=[columns], help="predict_proba throughput")
    p.add_argument("--train", required=True, help="labeled CSV to fit the model on")
    p.add_argument("--input", required=True, help="CSV whose text column is predicted")
    p.add_argument("--model", default="sklearn_word_lr", choices=MODEL_NAMES)
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=cmd_predict_speed)

    p = sub.add_parser("tokenize-speed", parents=[columns], help="fugashi tokenization throughput")
    p.add_argument("--input", required=True, help="CSV whose text column is tokenized")
    p.add_argument("--repeat", type=int, default=3)
    p.set_defaults(func=cmd_tokenize_speed)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Run a subcommand under a BLAS/OpenMP thread cap.

    The baselines are single-threaded algorithms; multi-threaded OpenBLAS only
    adds synchronisation to the many tiny vector operations inside L-BFGS.
    On the 2-core machine, with another process busy, two OpenBLAS threads
    made LogisticRegression.fit 3-11x slower than one (about 15% slower when
    idle), so the default is one thread, which is also the fair match for a
    single-threaded tool. Use --threads 0 for the libraries' own default."""
    from threadpoolctl import threadpool_limits

    args = build_parser().parse_args(argv)
    # threadpoolctl only caps libraries that are already loaded, and scipy
    # loads its own OpenBLAS lazily: import the model code before capping.
    import sklearn.linear_model  # noqa: F401
    import sklearn.naive_bayes  # noqa: F401

    if args.threads > 0:
        with threadpool_limits(limits=args.threads):
            args.func(args)
    else:
        args.func(args)


if __name__ == "__main__":
    main()
