"""Bad input is a TypeError or ValueError naming its position, never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jscam
from jscam.sklearn import JscamClassifier

MODEL = jscam.Model.default()


@pytest.mark.parametrize(
    "texts, error, message",
    [
        (["ok", None], TypeError, r"texts\[1\] is None; expected str"),
        (["ok", "ok", 3], TypeError, r"texts\[2\] is int 3; expected str"),
        (pd.Series(["ok", None], index=[10, 20]), TypeError, r"texts\[1\] is None"),
        (pd.Series(["ok", np.nan]), TypeError, r"texts\[1\] is float nan"),
        ([b"bytes"], TypeError, r"texts\[0\] is bytes"),
        ([["nested"]], TypeError, r"texts\[0\] is list"),
        (np.array([["a", "b"]]), TypeError, r"texts\[0\] is (numpy\.)?ndarray"),
        (["ok", "\ud800"], ValueError, r"texts\[1\] is not valid Unicode"),
        ("a single string", TypeError, "not a single str"),
        (42, TypeError, "sequence of str"),
        (None, TypeError, "sequence of str"),
    ],
)
@pytest.mark.parametrize("method", ["predict_proba", "predict", "classify", "decision_function"])
def test_bad_texts_name_their_position(method, texts, error, message):
    with pytest.raises(error, match=message):
        getattr(MODEL, method)(texts)


def test_odd_but_valid_texts_are_scored():
    texts = ["", " ", "\u200b", "あ" * 200_000, "😀" * 10, "NUL\x00inside"]
    p = MODEL.predict_proba(texts)
    assert p.shape == (6,) and np.all(np.isfinite(p)) and np.all((0 <= p) & (p <= 1))


def test_explain_and_train_and_evaluate_name_bad_input():
    with pytest.raises(TypeError, match="text is None"):
        MODEL.explain(None)
    with pytest.raises(TypeError, match=r"labels\[1\] is None"):
        jscam.train(["a", "b"], ["scam", None])
    with pytest.raises(TypeError, match=r"texts\[0\] is int"):
        jscam.train([1, "b"], ["scam", "legit"])
    with pytest.raises(TypeError, match=r"texts\[1\] is None"):
        jscam.evaluate(MODEL, ["a", None], ["scam", "legit"])
    with pytest.raises(TypeError, match=r"groups\[0\] is int"):
        jscam.train(["a", "b"], ["scam", "legit"], groups=[1, 2])


def test_the_estimator_names_bad_positions_too():
    est = JscamClassifier.from_model(MODEL)
    with pytest.raises(TypeError, match=r"texts\[1\] is None"):
        est.predict(["ok", None])
    with pytest.raises(TypeError, match=r"texts\[0\] is float"):
        JscamClassifier().fit([1.5, "x"], ["scam", "legit"])
    with pytest.raises(ValueError, match="one column"):
        est.predict(np.array([["a", "b"]]))
