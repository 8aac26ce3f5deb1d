"""Probabilities from Python equal the `predict` binary's on the same texts."""

from __future__ import annotations

import numpy as np
import pytest

import jscam
from conftest import REPO, cli_predict, read_csv


def _assert_same_as_cli(binaries, tmp_path, texts, model_args=(), model=None):
    model = model or jscam.Model.default()
    rows = [(f"r{i}", t) for i, t in enumerate(texts)]
    cli = cli_predict(binaries, rows, tmp_path, *model_args)
    assert [r["id"] for r in cli] == [r[0] for r in rows]
    ours_labels, ours = model.classify(texts)
    theirs = np.array([float(r["probability"]) for r in cli])
    worst = float(np.max(np.abs(ours - theirs))) if len(texts) else 0.0
    assert worst <= 1e-6, f"largest difference from the CLI: {worst}"
    assert ours_labels.tolist() == [r["label"] for r in cli]


def test_repository_corpus_scores_equal_the_cli(binaries, tmp_path):
    texts = [r["text"] for r in read_csv(REPO / "data" / "messages.csv")]
    texts += [r["text"] for r in read_csv(REPO / "data" / "sample.csv")]
    _assert_same_as_cli(binaries, tmp_path, texts)


def test_real_messages_score_equal_the_cli(binaries, tmp_path, real_rows):
    _assert_same_as_cli(binaries, tmp_path, [r["text"] for r in real_rows])


def test_a_saved_model_scores_equal_the_cli_with_that_model(binaries, tmp_path):
    corpus = read_csv(REPO / "data" / "messages.csv")[::8]
    model = jscam.train([r["text"] for r in corpus], [r["label"] for r in corpus], threshold=0.5, holdout=0.0)
    path = tmp_path / "small.jscam"
    model.save(path)
    _assert_same_as_cli(binaries, tmp_path, [r["text"] for r in corpus], ("--model", path), model)
