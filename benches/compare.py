#!/usr/bin/env python3
"""Side-by-side scikit-learn baselines for the Rust SMS scam classifier.

The Rust tool and these baselines must see exactly the same rows, folds and
train/test files, otherwise accuracy and speed numbers are not comparable.
This script therefore reads the same CSV files (and the Rust tool's folds file)
and reports the same metrics, so a table can put both side by side.

Subcommands:
  cv              pooled out-of-fold metrics for every baseline on a folds file
  make-folds      stratified k-fold assignment (fallback when the Rust tool's
                  folds file is not at hand)
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


def cmd_cv(args: argparse.Namespace) -> None:
    """Out-of-fold probabilities per baseline, then metrics pooled over all
    evaluated rows (not averaged per fold), matching the Rust tool's protocol."""
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
    if args.json:
        report = {
            "data": os.path.abspath(args.data),
            "folds": os.path.abspath(args.folds),
            "k": k,
            "n_rows": len(data),
            "n_evaluated": int(len(used)),
            "n_positive": int(data.y[used].sum()),
            "threshold": THRESHOLD,
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
    """Fallback fold maker: StratifiedKFold(shuffle=True, random_state=seed)."""
    from sklearn.model_selection import StratifiedKFold

    data = read_labeled(args.data, args.text_column, args.label_column, args.positive_label)
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
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_make_folds)

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
