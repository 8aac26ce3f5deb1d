"""JscamClassifier: scikit-learn's estimator checks that apply to text input,
text versions of the ones that feed numbers, and model selection."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks as checks
from sklearn.exceptions import NotFittedError

import jscam
from jscam.sklearn import JscamClassifier

# scikit-learn's checks that do not feed a numeric X (those that do cannot
# apply to a text classifier; their text versions follow below).
INPUT_FREE_CHECKS = [
    checks.check_estimator_cloneable,
    checks.check_estimator_tags_renamed,
    checks.check_valid_tag_types,
    checks.check_estimator_repr,
    checks.check_no_attributes_set_in_init,
    checks.check_estimators_unfitted,
    checks.check_do_not_raise_errors_in_init_or_set_params,
    checks.check_mixin_order,
    checks.check_parameters_default_constructible,
    checks.check_get_params_invariance,
    checks.check_set_params,
]


@pytest.mark.parametrize("check", INPUT_FREE_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_check(check):
    check("JscamClassifier", JscamClassifier())


def test_the_tags_say_text_input():
    from sklearn.utils import get_tags

    tags = get_tags(JscamClassifier())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.estimator_type == "classifier"


@pytest.fixture(scope="module")
def data(corpus):
    rows = corpus[::4]  # both labels: the file is grouped by label
    return np.array([r["text"] for r in rows], dtype=object), np.array([r["label"] for r in rows])


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return JscamClassifier(threshold=0.5).fit(X, y)


def test_fit_returns_self_and_keeps_params(data):
    X, y = data
    est = JscamClassifier(alpha=0.1, char_ngrams=[1, 2], threshold=0.5)
    before = est.get_params()
    assert est.fit(X, y) is est
    assert est.get_params() == before
    fitted_names = set(vars(est)) - set(before)
    assert fitted_names and all(n.endswith("_") or n.startswith("_") for n in fitted_names), fitted_names


def test_outputs_agree_with_each_other(fitted, data):
    X, y = data
    assert fitted.classes_.tolist() == ["legit", "scam"]
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba[:, 1], fitted.model_.predict_proba(X))
    pred = fitted.predict(X)
    np.testing.assert_array_equal(pred == "scam", proba[:, 1] >= fitted.threshold_)
    np.testing.assert_array_equal(fitted.decision_function(X) > 0, proba[:, 1] > 0.5)
    assert fitted.score(X, y) > 0.9


def test_sample_order_and_subset_invariance(fitted, data):
    X, _ = data
    order = np.random.default_rng(0).permutation(len(X))
    for method in ("predict", "predict_proba", "decision_function"):
        full = getattr(fitted, method)(X)
        np.testing.assert_array_equal(getattr(fitted, method)(X[order]), full[order])
        np.testing.assert_array_equal(getattr(fitted, method)(X[:7]), full[:7])


def test_pickle_and_clone(fitted, data):
    X, _ = data
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    fresh = clone(fitted)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


def test_integer_labels_and_a_chosen_positive_class(data):
    X, y = data
    as_int = (y == "scam").astype(int)
    est = JscamClassifier(threshold=0.5).fit(X, as_int)
    assert est.classes_.tolist() == [0, 1] and set(est.predict(X[:50]).tolist()) <= {0, 1}
    flipped = JscamClassifier(positive_label="legit", threshold=0.5).fit(X, y)
    np.testing.assert_allclose(flipped.predict_proba(X[:50]).sum(axis=1), 1.0)
    assert flipped.model_.positive_label == "legit"
    assert np.mean(flipped.predict(X) == y) > 0.9
    with pytest.raises(ValueError, match="exactly two classes"):
        JscamClassifier().fit(X[:3], ["a", "b", "c"])
    with pytest.raises(ValueError, match="positive_label 'spam'"):
        JscamClassifier(positive_label="spam").fit(X, y)


def test_one_column_frames_and_series_are_texts(fitted, data):
    X, _ = data
    expected = fitted.predict_proba(X[:20])
    np.testing.assert_array_equal(fitted.predict_proba(pd.DataFrame({"text": X[:20]})), expected)
    np.testing.assert_array_equal(fitted.predict_proba(X[:20].reshape(-1, 1)), expected)
    np.testing.assert_array_equal(fitted.predict_proba(pd.Series(X[:20])), expected)


def test_from_model_scores_like_the_model():
    model = jscam.Model.default()
    est = JscamClassifier.from_model(model)
    texts = ["明日の会議は10時からです", "未納料金があります。至急ご連絡ください"]
    np.testing.assert_array_equal(est.predict_proba(texts)[:, 1], model.predict_proba(texts))
    assert est.predict(texts).tolist() == model.predict(texts).tolist()


def test_pipeline_cross_val_score_and_grid_search(data):
    X, y = data
    pipe = Pipeline([
        ("strip", FunctionTransformer(lambda texts: [t.strip() for t in texts])),
        ("jscam", JscamClassifier(threshold=0.5)),
    ])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv, scoring="roc_auc")
    assert scores.shape == (3,) and scores.min() > 0.9, scores
    search = GridSearchCV(JscamClassifier(threshold=0.5), {"alpha": [0.01, 0.5]}, cv=cv, scoring="f1_macro")
    search.fit(X, y)
    assert search.best_params_["alpha"] in (0.01, 0.5)
    assert search.best_estimator_.model_.info["header"]["fit"]["alpha"] == search.best_params_["alpha"]
    assert search.predict(X[:5]).shape == (5,)
