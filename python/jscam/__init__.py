"""jscam: an offline Japanese scam-SMS classifier, from Python.

The core (normalization, lindera tokenization, features, logistic
regression) is the Rust library of this repository; this package is a thin
binding to it, so scores are the ``predict`` binary's to the last digit.

>>> import jscam
>>> model = jscam.Model.default()
>>> model.predict(["明日の会議は10時からです"]).tolist()
['legit']

Scoring (``predict_proba``, ``predict``, ``decision_function``) releases
the GIL and runs on ``n_threads`` threads (0, the default: one per core).
The scikit-learn estimator is :class:`jscam.sklearn.JscamClassifier`; the
Spark recipe is in :mod:`jscam.spark`.
"""

from ._jscam import Model, __version__, cross_validate, evaluate, train, train_defaults

__all__ = ["Model", "train", "train_defaults", "evaluate", "cross_validate", "__version__"]
