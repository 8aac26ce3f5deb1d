"""The Model API, train, evaluate and cross_validate, against the binaries."""

from __future__ import annotations

import json
import math
import pickle
import threading

import numpy as np
import pandas as pd
import pytest

import jscam
from conftest import REPO, cli_predict, inspect_json, run_bin

SCAM = "会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。"
LEGIT = "明日の会議は10時からです"


@pytest.fixture(scope="module")
def model() -> jscam.Model:
    return jscam.Model.default()


def test_default_model_labels_threshold_and_info_are_inspects(model, binaries):
    shown = inspect_json(binaries)
    shown.pop("file")
    assert model.info == shown
    assert model.labels == (shown["header"]["labels"]["negative"], shown["header"]["labels"]["positive"])
    assert model.threshold == shown["header"]["threshold"]
    assert model.positive_label == "scam" and model.negative_label == "legit"


def test_every_sequence_kind_gives_the_same_float64_array(model):
    texts = [SCAM, LEGIT, "", "お荷物のお届けにあがりました http://sagawa-x.top"]
    expected = model.predict_proba(texts)
    assert expected.dtype == np.float64 and expected.shape == (4,)
    for kind in (tuple(texts), np.array(texts), np.array(texts, dtype=object), pd.Series(texts, index=[9, 3, 5, 1])):
        np.testing.assert_array_equal(model.predict_proba(kind), expected)
    assert expected[0] > model.threshold > expected[1]
    assert model.predict_proba([]).shape == (0,)


def test_predict_and_classify_decide_at_the_threshold(model):
    texts = [SCAM, LEGIT]
    assert model.predict(texts).tolist() == ["scam", "legit"]
    assert model.predict(texts, threshold=0.0).tolist() == ["scam", "scam"]
    labels, p = model.classify(texts)
    assert labels.tolist() == ["scam", "legit"]
    np.testing.assert_array_equal(p, model.predict_proba(texts))
    logits = model.decision_function(texts)
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), p, rtol=1e-12)
    with pytest.raises(ValueError, match="threshold"):
        model.predict(texts, threshold=1.5)


def test_explain_matches_the_score_and_ranks_contributions(model):
    why = model.explain("お荷物をお届けに上がりましたが不在の為持ち帰りました http://sagawa-a.top", k=3)
    assert why["probability"] == model.predict_proba(["お荷物をお届けに上がりましたが不在の為持ち帰りました http://sagawa-a.top"])[0]
    assert math.isclose(1 / (1 + math.exp(-why["logit"])), why["probability"], rel_tol=1e-12)
    up = [c for _, c in why["toward_positive"]]
    down = [c for _, c in why["toward_negative"]]
    assert 0 < len(up) <= 3 and 0 < len(down) <= 3
    assert up == sorted(up, reverse=True) and all(c > 0 for c in up)
    assert down == sorted(down) and all(c < 0 for c in down)
    assert why["label"] == "scam"


def test_save_load_bytes_and_pickle_round_trip(model, tmp_path):
    texts = [SCAM, LEGIT, "PayPayで送るね"]
    path = tmp_path / "m.jscam"
    model.save(path)
    assert path.read_bytes() == bytes(model)
    for again in (jscam.Model.load(path), jscam.Model.load(str(path)), jscam.Model.from_bytes(bytes(model)),
                  pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(again.predict_proba(texts), model.predict_proba(texts))


def test_bad_model_files_raise_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.jscam"):
        jscam.Model.load(tmp_path / "nothing.jscam")
    junk = tmp_path / "junk.jscam"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="junk.jscam: not a usable model file"):
        jscam.Model.load(junk)
    with pytest.raises(OSError):
        jscam.Model.default().save(tmp_path / "no-such-dir" / "m.jscam")


def test_thread_counts_agree_and_are_checked(model, corpus):
    texts = [r["text"] for r in corpus[:500]]
    one = model.predict_proba(texts, n_threads=1)
    np.testing.assert_array_equal(model.predict_proba(texts, n_threads=2), one)
    np.testing.assert_array_equal(model.predict_proba(texts, n_threads=0), one)
    with pytest.raises(ValueError, match="n_threads"):
        model.predict_proba(texts, n_threads=100_000)
    with pytest.raises(OverflowError):
        model.predict_proba(texts, n_threads=-1)


def test_scoring_releases_the_gil(model, corpus):
    texts = [r["text"] for r in corpus] * 4
    worker = threading.Thread(target=model.predict_proba, args=(texts,), kwargs={"n_threads": 1})
    spins = 0
    worker.start()
    while worker.is_alive():
        spins += 1
    worker.join()
    # Holding the GIL, the call would leave this thread a handful of turns
    # (one per 5 ms switch interval at best); released, it spins freely.
    assert spins > 100_000, f"the main thread ran {spins} loop turns while scoring"


def assert_close(ours, theirs, path="") -> None:
    """Nested JSON values equal, floats to 1e-12 relative."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), path
        for key in theirs:
            assert_close(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_close(a, b, f"{path}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-12, nan_ok=True), path
    else:
        assert ours == theirs, path


def _labeled(corpus):
    return [r["text"] for r in corpus], [r["label"] for r in corpus]


def test_train_with_the_cli_defaults_gives_the_cli_model(corpus, binaries, tmp_path):
    texts, labels = _labeled(corpus)
    cli_model = tmp_path / "cli.jscam"
    run_bin(binaries, "train", REPO / "data" / "messages.csv", "-o", cli_model, "--quiet", "--threshold", "0.5", "--seed", "3")
    trained = jscam.train(texts, labels, threshold=0.5, seed=3)
    from_cli = jscam.Model.load(cli_model)
    probe = texts[:300] + ["PayPayで送るね", SCAM]
    np.testing.assert_array_equal(trained.predict_proba(probe), from_cli.predict_proba(probe))
    # Same held-out split and metrics (to the last bits of a float sum).
    assert trained.info["header"]["training"]["held_out"] == pytest.approx(from_cli.info["header"]["training"]["held_out"], rel=1e-12)
    assert trained.threshold == 0.5 and trained.labels == ("legit", "scam")


def test_train_options_are_checked(corpus):
    texts, labels = _labeled(corpus[::24][:200])
    with pytest.raises(TypeError, match='unknown training option "alpah"'):
        jscam.train(texts, labels, alpah=0.1)
    with pytest.raises(ValueError, match="at most one of"):
        jscam.train(texts, labels, threshold=0.5, max_fpr=0.1)
    with pytest.raises(ValueError, match="alpha"):
        jscam.train(texts, labels, alpha=-1.0, holdout=0.0, threshold=0.5)
    with pytest.raises(ValueError, match="need exactly two labels"):
        jscam.train(texts, ["a", "b", "c"] * 66 + ["a", "b"])
    with pytest.raises(ValueError, match="200 texts but 3 labels"):
        jscam.train(texts, ["a", "b", "c"])
    with pytest.raises(ValueError, match="labels\\[1\\] is empty"):
        jscam.train(texts[:3], ["scam", " ", "legit"])
    assert set(jscam.train_defaults()) >= {"alpha", "min_df", "char_ngrams", "threshold_rule"}


def test_feature_options_reach_the_model(corpus):
    texts, labels = _labeled(corpus[::12])
    defaults = jscam.train_defaults()
    assert defaults["length_buckets"] == [8, 15] and defaults["knowledge_scale"] == 0.0
    plain = jscam.train(texts, labels, threshold=0.5, holdout=0.0)
    no_length = jscam.train(texts, labels, threshold=0.5, holdout=0.0, length_buckets=[])
    block = jscam.train(texts, labels, threshold=0.5, holdout=0.0, knowledge_scale=1.0, norm_power=0.75)
    features = plain.info["header"]["features"]
    assert features["length_buckets"] == [8, 15]
    assert no_length.info["header"]["features"]["length_buckets"] == []
    assert block.info["header"]["features"]["knowledge_scale"] == 1.0
    assert block.info["header"]["features"]["norm_power"] == 0.75

    def names(model):
        explained = model.explain("了解です", k=50)
        return {name for name, _ in explained["toward_negative"] + explained["toward_positive"]}

    assert "len:le8" in names(plain)
    assert "len:le8" not in names(no_length)
    with pytest.raises(ValueError, match="length buckets must be"):
        jscam.train(texts, labels, length_buckets=[15, 8])
    with pytest.raises(ValueError, match="norm power must be"):
        jscam.train(texts, labels, norm_power=2.0)


def test_also_train_rows_change_the_model(corpus):
    texts, labels = _labeled(corpus[::12])
    extra = (["至急ご確認ください http://x.top"] * 4 + ["了解です"] * 4, ["scam"] * 4 + ["legit"] * 4)
    plain = jscam.train(texts, labels, threshold=0.5, holdout=0.0)
    more = jscam.train(texts, labels, threshold=0.5, holdout=0.0, also_train=extra)
    same_file = jscam.train(texts, labels, threshold=0.5, holdout=0.0, also_train=REPO / "data" / "messages.csv")
    probe = ["了解です", "至急ご確認ください"]
    assert not np.array_equal(plain.predict_proba(probe), more.predict_proba(probe))
    assert not np.array_equal(plain.predict_proba(probe), same_file.predict_proba(probe))


def test_evaluate_is_the_cli_json(corpus, binaries):
    texts, labels = _labeled(corpus)
    categories = [r["category"] for r in corpus]
    ours = jscam.evaluate(jscam.Model.default(), texts, labels, categories=categories)
    cli = json.loads(run_bin(binaries, "evaluate", "model", REPO / "data" / "messages.csv", "--json"))
    for key in ("summary", "reliability", "categories", "positive_label"):
        assert_close(ours[key], cli[key], key)
    assert [e["text"] for e in ours["worst_false_positives"]] == [e["text"] for e in cli["worst_false_positives"]]
    with pytest.raises(ValueError, match="labels must be"):
        jscam.evaluate(jscam.Model.default(), texts[:2], ["scam", "spam"])


def test_cross_validate_is_the_cli_json(corpus, binaries):
    texts, labels = _labeled(corpus)
    ours = jscam.cross_validate(texts, labels, k=3, seed=1, threshold=0.5)
    cli = json.loads(run_bin(binaries, "evaluate", "cv", REPO / "data" / "messages.csv", "--k", "3",
                             "--seed", "1", "--threshold", "0.5", "--json"))
    assert_close(ours["summary"], cli["summary"])
    assert ours["fold_thresholds"] == cli["fold_thresholds"]


def test_the_stubs_name_every_public_function_and_method():
    import ast
    from pathlib import Path

    stub = ast.parse((Path(jscam.__file__).parent / "_jscam.pyi").read_text())
    functions = {n.name for n in stub.body if isinstance(n, ast.FunctionDef)}
    model_stub = next(n for n in stub.body if isinstance(n, ast.ClassDef) and n.name == "Model")
    methods = {n.name for n in model_stub.body if isinstance(n, ast.FunctionDef)}
    assert functions == {"train", "train_defaults", "evaluate", "cross_validate"}
    public = {name for name in dir(jscam.Model) if not name.startswith("_")}
    assert public <= methods, public - methods
    train_keywords = {a.arg for a in next(n for n in stub.body if getattr(n, "name", "") == "train").args.kwonlyargs}
    assert set(jscam.train_defaults()) - {"threshold_rule"} <= train_keywords
