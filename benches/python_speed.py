#!/usr/bin/env python3
"""Speed of the Python package (python/) against the CLI and scikit-learn,
in interleaved rounds; prints medians with their ranges and writes
bench-out/python_speed.json.

    pip install -r python/requirements.txt -r benches/requirements.txt
    pip install ./python
    cargo build --release --bin predict
    python benches/python_speed.py [--rounds 5] [--rows 60000] [--no-spark]

Comparisons (each ratio is taken within one round, then the median and
range over rounds are reported):
  1. Model.predict_proba(texts, n_threads=1), in process, vs `predict
     --threads 1` as a whole process, on the same rows: all of
     ../shared/data/real_ja/messages.csv's texts cycled to --rows rows.
  2. The same predict_proba vs scikit-learn's word (fugashi) and character
     TF-IDF + logistic regression pipelines in process, one thread each;
     the pipelines are compare.py's build_model, fitted (outside every
     timing) on data/messages.csv, as benches/speed.sh fits them.
  3. Spark local[2]: jscam.spark.classify (mapInPandas, n_threads=1) vs the
     same mapInPandas job calling the fitted scikit-learn + fugashi word
     pipeline, over the same DataFrame (8 partitions, cached), written to
     Spark's no-op sink.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
csv.field_size_limit(sys.maxsize)
REAL = os.path.join(REPO, "..", "shared", "data", "real_ja", "messages.csv")


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "per_round": [round(v, 4) for v in values]}


def read_texts(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [r["text"] for r in csv.DictReader(f)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--out", default=os.path.join(REPO, "bench-out"))
    args = parser.parse_args()
    if not os.path.exists(REAL):
        sys.exit(f"python_speed.py: {REAL} is not here; the benchmark runs on the shared real messages")
    predict = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "predict")
    if not os.path.exists(predict):
        sys.exit(f"python_speed.py: no {predict}; run cargo build --release --bin predict first")

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import compare  # benches/compare.py: the scikit-learn baselines
    import jscam
    from threadpoolctl import threadpool_limits

    out_dir = os.path.join(args.out, "python")
    os.makedirs(out_dir, exist_ok=True)
    real = read_texts(REAL)
    texts = [real[i % len(real)] for i in range(args.rows)]
    rows_csv = os.path.join(out_dir, f"real_{args.rows}.csv")
    with open(rows_csv, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows((i, t) for i, t in enumerate(texts))

    model = jscam.Model.default()
    train = compare.read_labeled(os.path.join(REPO, "data", "messages.csv"), "text", "label", "scam")
    baselines = {}
    with threadpool_limits(limits=1):
        for name in ("sklearn_word_lr", "sklearn_char_lr"):
            baselines[name], _ = compare.timed_fit(name, train.texts, train.y)
    model.predict_proba(texts[:1000], n_threads=1)  # warm the pool

    def time_cli():
        start = time.perf_counter()
        subprocess.run([predict, "--threads", "1", rows_csv], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def time_python():
        start = time.perf_counter()
        p = model.predict_proba(texts, n_threads=1)
        assert len(p) == len(texts)
        return time.perf_counter() - start

    def time_sklearn(name):
        with threadpool_limits(limits=1):
            start = time.perf_counter()
            compare.positive_proba(baselines[name], texts)
            return time.perf_counter() - start

    sides = {"cli": time_cli, "python": time_python,
             "sklearn_word_lr": lambda: time_sklearn("sklearn_word_lr"),
             "sklearn_char_lr": lambda: time_sklearn("sklearn_char_lr")}
    seconds = {k: [] for k in sides}
    for r in range(args.rounds):
        for name, run in sides.items():  # interleaved: every side once per round
            seconds[name].append(run())
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in seconds.items()), file=sys.stderr)
    ratio = lambda a, b: [y / x for x, y in zip(seconds[a], seconds[b])]  # throughput a ÷ throughput b
    report = {
        "rows": args.rows, "rounds": args.rounds, "input": f"all {len(real)} real_ja texts cycled to {args.rows}",
        "messages_per_second_median": {k: round(args.rows / statistics.median(v)) for k, v in seconds.items()},
        "python_over_cli": stats(ratio("python", "cli")),
        "python_over_sklearn_word_lr": stats(ratio("python", "sklearn_word_lr")),
        "python_over_sklearn_char_lr": stats(ratio("python", "sklearn_char_lr")),
    }

    if not args.no_spark:
        report["spark"] = spark_rounds(args, texts, baselines["sklearn_word_lr"], out_dir)

    path = os.path.join(args.out, "python_speed.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
        f.write("\n")
    fmt = lambda s: f"{s['median']:.2f}× ({s['min']:.2f}–{s['max']:.2f})"
    print(f"| comparison ({args.rows} real_ja rows, {args.rounds} interleaved rounds) | median (range) | target |")
    print("|---|---|---|")
    print(f"| predict_proba, 1 thread, ÷ `predict --threads 1` (whole process) | {fmt(report['python_over_cli'])} | ≥ 0.9× |")
    print(f"| predict_proba ÷ scikit-learn + fugashi word TF-IDF LR, 1 thread | {fmt(report['python_over_sklearn_word_lr'])} | none |")
    print(f"| predict_proba ÷ scikit-learn char TF-IDF LR, 1 thread | {fmt(report['python_over_sklearn_char_lr'])} | none |")
    if "spark" in report:
        print(f"| Spark local[2]: jscam mapInPandas ÷ scikit-learn + fugashi mapInPandas | {fmt(report['spark']['jscam_over_sklearn'])} | ≥ 1.5× |")
    print(f"messages/s (medians): {report['messages_per_second_median']}"
          + (f"; Spark: {report['spark']['messages_per_second_median']}" if "spark" in report else ""))
    print(f"wrote {path}", file=sys.stderr)


def spark_rounds(args, texts, word_pipeline, out_dir):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    # Workers import compare.py (the pickled pipeline's tokenizer) from benches/.
    os.environ["PYTHONPATH"] = HERE + os.pathsep + os.environ.get("PYTHONPATH", "")
    from pyspark.sql import SparkSession

    import jscam.spark

    pipeline_path = os.path.join(out_dir, "sklearn_word_lr.pkl")
    with open(pipeline_path, "wb") as f:
        pickle.dump(word_pipeline, f)
    spark = (SparkSession.builder.master("local[2]").appName("jscam-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", "2g").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.sparkContext.parallelize(list(enumerate(texts)), 8).toDF(["id", "text"]).cache()
    assert df.count() == len(texts)
    schema = jscam.spark.output_schema(df.schema)

    def sklearn_batches(batches):
        import pickle as _pickle

        import numpy as _np
        from threadpoolctl import threadpool_limits as _limits

        import compare as _compare  # importable on the workers: a per-process cache

        pipe = getattr(_compare, "_bench_pipeline", None)
        if pipe is None:  # once per Python worker process, as jscam.spark loads its model
            with open(pipeline_path, "rb") as f:
                pipe = _compare._bench_pipeline = _pickle.load(f)
        positive = list(pipe.classes_).index(1)
        for batch in batches:
            with _limits(limits=1):
                p = pipe.predict_proba(batch["text"].tolist())[:, positive]
            batch = batch.copy()
            batch["label"] = _np.where(p >= 0.5, "scam", "legit")
            batch["probability"] = p
            yield batch

    jobs = {
        "jscam": lambda: jscam.spark.classify(df, n_threads=1),
        "sklearn_word_lr": lambda: df.mapInPandas(sklearn_batches, schema),
    }
    for job in jobs.values():  # start the Python workers, load the models
        job().limit(10).collect()
    seconds = {k: [] for k in jobs}
    for r in range(args.rounds):
        for name, job in jobs.items():
            start = time.perf_counter()
            job().write.format("noop").mode("overwrite").save()
            seconds[name].append(time.perf_counter() - start)
        print(f"spark round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in seconds.items()), file=sys.stderr)
    spark.stop()
    return {
        "partitions": 8,
        "messages_per_second_median": {k: round(len(texts) / statistics.median(v)) for k, v in seconds.items()},
        "jscam_over_sklearn": stats([s / j for j, s in zip(seconds["jscam"], seconds["sklearn_word_lr"])]),
    }


if __name__ == "__main__":
    main()
