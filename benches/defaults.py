#!/usr/bin/env python3
"""Reruns the candidate settings that chose jscam's defaults, on the real-data
protocol, and prints the Markdown tables of docs/real-data.md.

The protocol: 5-fold cross-validation over ../shared/data/real_ja (folds grouped
by `source`, seed 0), with data/messages.csv on the training side of every fold;
everything fitted (vocabulary, weights, and for a threshold rule the threshold,
by inner cross-validation) sees only the fold's training side. Metrics are
pooled over the out-of-fold scores of the real rows.

Usage (from the repository root, after `cargo build --release`):
    python3 benches/defaults.py [--bin target/release/evaluate] [--quick]
Standard library only. Takes about 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

REAL = "../shared/data/real_ja/messages.csv"
CORPUS = "data/messages.csv"
UCI = "../shared/data/uci_sms_spam_collection/messages.csv"

# The defaults as chosen; every stage varies some of them.
CHOSEN = {"char": "1,2", "word": "2", "alpha": "0.05", "weight": "0.25"}


def flags(c: dict) -> list[str]:
    return [
        "--char-ngrams", c["char"], "--word-ngrams", c["word"],
        "--alpha", c["alpha"], "--also-train-weight", c["weight"],
    ] + c.get("extra", [])


def evaluate(binary: str, args: list[str]) -> dict:
    started = time.time()
    out = subprocess.run([binary, "cv", *args, "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"evaluate failed ({' '.join(args)}): {out.stderr.strip()}")
    summary = json.loads(out.stdout)["summary"]
    summary["seconds"] = time.time() - started
    return summary


def real(binary: str, c: dict, rule: list[str]) -> dict:
    return evaluate(binary, [REAL, "--group-column", "source", "--also-train", CORPUS,
                             *flags(c), *rule])


def row(label: str, s: dict) -> str:
    return (f"| {label} | {s['f1']:.4f} | {s['precision']:.4f} | {s['recall']:.4f} | "
            f"{s['false_positive_rate']:.4f} | {s['roc_auc']:.4f} | {s['pr_auc']:.4f} | "
            f"{s['recall_at_fpr_1pct']:.3f} |")


HEADER = ("| candidate | F1 | precision | recall | FPR | ROC-AUC | PR-AUC | recall@FPR≤1% |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/evaluate")
    parser.add_argument("--quick", action="store_true", help="fewer candidates")
    args = parser.parse_args()
    fixed = ["--threshold", "0.5"]

    print("### A. Features and alpha (corpus weight 1, threshold 0.5)\n")
    print(HEADER)
    chars = ["0,0", "1,2", "2,3"] if args.quick else ["0,0", "1,2", "1,3", "2,3", "2,4"]
    for char in chars:
        for word in ["1", "2"]:
            for alpha in ["0.02", "0.05"]:
                c = dict(CHOSEN, char=char, word=word, alpha=alpha, weight="1")
                print(row(f"char {char}, words {word}, alpha {alpha}", real(args.bin, c, fixed)),
                      flush=True)

    print("\n### B. Weight of the written corpus, alpha, min_df (threshold 0.5)\n")
    print(HEADER)
    for word in ["2", "1"]:
        for weight in ["0.1", "0.25", "0.5", "1", "2"]:
            c = dict(CHOSEN, word=word, weight=weight)
            print(row(f"words {word}, corpus weight {weight}", real(args.bin, c, fixed)),
                  flush=True)
    for alpha in ["0.02", "0.1", "0.2"]:
        c = dict(CHOSEN, alpha=alpha)
        print(row(f"alpha {alpha} (weight 0.25)", real(args.bin, c, fixed)), flush=True)
    c = dict(CHOSEN, extra=["--min-df", "2"])
    print(row("min_df 2 (weight 0.25)", real(args.bin, c, fixed)), flush=True)

    print("\n### C. How the threshold is chosen (inside each fold)\n")
    print(HEADER)
    for label, rule in [
        ("fixed 0.5", fixed),
        ("max FPR 0.02", ["--max-fpr", "0.02"]),
        ("max FPR 0.03", ["--max-fpr", "0.03"]),
        ("max FPR 0.04", ["--max-fpr", "0.04"]),
        ("**best F1 within FPR 0.04** (default)", ["--f1-max-fpr", "0.04"]),
        ("max FPR 0.05", ["--max-fpr", "0.05"]),
        ("min precision 0.95", ["--min-precision", "0.95"]),
        ("min precision 0.96", ["--min-precision", "0.96"]),
    ]:
        print(row(label, real(args.bin, CHOSEN, rule)), flush=True)

    print("\n### D. The same candidates on UCI (English, 5-fold, threshold 0.5)\n")
    print(HEADER)
    for word in ["2", "1"]:
        c = dict(CHOSEN, word=word)
        s = evaluate(args.bin, [UCI, *flags(c)[:6], *fixed])
        print(row(f"char 1,2, words {word}, alpha 0.05", s), flush=True)


if __name__ == "__main__":
    main()
