"""Scoring a Spark DataFrame of messages with jscam.

Recipe (every executor needs this wheel installed, and Spark needs Java)::

    from jscam.spark import classify
    scored = classify(df, text_col="text")          # adds label, probability
    scored.write.parquet("scored/")

``classify`` is ``df.mapInPandas(score_batches, schema)``: each Python
worker process loads the model once (the embedded default, or
``model_path``, a path every executor can read, for example one shipped with
``SparkContext.addFile`` and named with ``spark_file``) and scores each Arrow
batch in one call that releases the GIL. Rows keep their order within each
partition, and every input row gives exactly one output row.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator, Optional

from . import Model

__all__ = ["classify", "make_scorer", "output_schema", "load_model", "loads_in_this_process"]

# Models loaded by this process, by where they came from; Spark reuses
# Python workers, so each one loads a model once.
_MODELS: dict = {}
_LOADS = 0


def load_model(model_path: Optional[str] = None, spark_file: Optional[str] = None) -> Model:
    """The model for ``model_path`` (None: the embedded default) or the file
    shipped with ``SparkContext.addFile`` named ``spark_file``, loaded once per process."""
    global _LOADS
    if spark_file is not None:
        from pyspark import SparkFiles

        model_path = SparkFiles.get(spark_file)
    key = None if model_path is None else os.path.abspath(model_path)
    model = _MODELS.get(key)
    if model is None:
        model = Model.default() if key is None else Model.load(key)
        _MODELS[key] = model
        _LOADS += 1
    return model


def loads_in_this_process() -> int:
    """How many models this process has loaded (the Spark test checks it is one)."""
    return _LOADS


def make_scorer(
    text_col: str = "text",
    *,
    model_path: Optional[str] = None,
    spark_file: Optional[str] = None,
    label_col: str = "label",
    probability_col: str = "probability",
    n_threads: int = 1,
) -> Callable:
    """The function to give ``DataFrame.mapInPandas``: it adds ``label_col``
    and ``probability_col`` to each pandas batch. ``n_threads`` is per task
    (1 by default: Spark runs one task per core)."""

    def score_batches(batches: Iterator) -> Iterator:
        model = load_model(model_path, spark_file)
        for batch in batches:
            texts = batch[text_col]
            if texts.isna().any():
                first = int(texts.isna().to_numpy().nonzero()[0][0])
                raise ValueError(
                    f"column {text_col!r} has a null in this batch (row {first} of the batch); "
                    "fill or drop nulls before scoring"
                )
            labels, probabilities = model.classify(texts, n_threads=n_threads)
            batch = batch.copy()
            batch[label_col] = labels
            batch[probability_col] = probabilities
            yield batch

    return score_batches


def output_schema(schema, label_col: str = "label", probability_col: str = "probability"):
    """The input schema with the two scored columns added."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    return StructType(
        list(schema.fields)
        + [StructField(label_col, StringType(), False), StructField(probability_col, DoubleType(), False)]
    )


def classify(
    df,
    text_col: str = "text",
    *,
    model_path: Optional[str] = None,
    spark_file: Optional[str] = None,
    label_col: str = "label",
    probability_col: str = "probability",
    n_threads: int = 1,
):
    """``df`` with ``label_col`` and ``probability_col`` added, scored by jscam on the executors."""
    scorer = make_scorer(
        text_col,
        model_path=model_path,
        spark_file=spark_file,
        label_col=label_col,
        probability_col=probability_col,
        n_threads=n_threads,
    )
    return df.mapInPandas(scorer, output_schema(df.schema, label_col, probability_col))
