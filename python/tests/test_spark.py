"""The Spark recipe in local[2] mode: mapInPandas, one model load per Python
worker process, and exactly the CLI's rows in the CLI's order."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -r python/requirements.txt)")

from pyspark.sql import SparkSession  # noqa: E402

import jscam.spark  # noqa: E402
from conftest import REPO, cli_predict, read_csv  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("jscam-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
        .config("spark.python.worker.reuse", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


def _rows(real_or_none):
    texts = [r["text"] for r in read_csv(REPO / "data" / "messages.csv")]
    texts += real_or_none
    return [(f"m{i:05d}", t) for i, t in enumerate(texts)]


def test_classify_gives_the_clis_rows_in_order_loading_once_per_worker(spark, binaries, tmp_path):
    real = []
    from conftest import REAL_JA

    if REAL_JA.exists():
        real = [r["text"] for r in read_csv(REAL_JA)]
    rows = _rows(real)
    # 8 partitions on 2 cores: each Python worker runs several tasks.
    df = spark.sparkContext.parallelize(rows, 8).toDF(["id", "text"])
    scorer = jscam.spark.make_scorer("text")

    def with_process_facts(batches):
        import os as _os

        import jscam.spark as js

        for batch in scorer(batches):
            batch["pid"] = _os.getpid()
            batch["loads"] = js.loads_in_this_process()
            yield batch

    schema = jscam.spark.output_schema(df.schema).add("pid", "long").add("loads", "long")
    scored = df.mapInPandas(with_process_facts, schema).toPandas()

    assert len(scored) == len(rows)
    cli = cli_predict(binaries, rows, tmp_path)
    assert scored["id"].tolist() == [r["id"] for r in cli]
    assert scored["label"].tolist() == [r["label"] for r in cli]
    diff = np.abs(scored["probability"].to_numpy() - np.array([float(r["probability"]) for r in cli]))
    assert diff.max() <= 1e-6, diff.max()
    assert scored["text"].tolist() == [t for _, t in rows]
    per_process = scored.groupby("pid")["loads"].max()
    assert (per_process == 1).all(), per_process.to_dict()
    tasks_per_process = scored.groupby("pid").size()
    assert len(tasks_per_process) < 8, "every task started its own Python worker: nothing was reused"


def test_classify_keeps_other_columns_and_refuses_nulls(spark):
    df = spark.createDataFrame(
        [(1, "明日の会議は10時からです", 0.5), (2, "未納料金があります。至急ご連絡ください http://x.top", 1.5)],
        ["id", "text", "other"],
    )
    out = jscam.spark.classify(df).orderBy("id").collect()
    assert [r["other"] for r in out] == [0.5, 1.5]
    assert [r["label"] for r in out] == jscam.Model.default().predict([r["text"] for r in out]).tolist()
    with_null = spark.createDataFrame([(1, "ok"), (2, None)], "id long, text string")
    with pytest.raises(Exception, match="has a null"):
        jscam.spark.classify(with_null).collect()


def test_a_model_file_shipped_with_add_file(spark, tmp_path):
    corpus = read_csv(REPO / "data" / "messages.csv")[::12]
    model = jscam.train([r["text"] for r in corpus], [r["label"] for r in corpus], threshold=0.5, holdout=0.0)
    path = tmp_path / "small.jscam"
    model.save(path)
    spark.sparkContext.addFile(str(path))
    texts = [r["text"] for r in corpus[:50]]
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], ["id", "text"])
    out = jscam.spark.classify(df, spark_file="small.jscam").orderBy("id").toPandas()
    np.testing.assert_allclose(out["probability"].to_numpy(), model.predict_proba(texts), atol=1e-12)
