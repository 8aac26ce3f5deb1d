#!/usr/bin/env python3
"""Helpers of benches/speed.sh (speed only; accuracy lives in compare.sh).

Subcommands:
  inputs   write the generated input files and inputs.json
  fit      fit one compare.py baseline on a labeled CSV and pickle it
           (outside every timing)
  predict  the scikit-learn side of a whole-process timing: start Python,
           load the pickled pipeline, read the CSV's text column, predict_proba
           every text (fugashi tokenization included for the word model),
           write one probability per line to stdout, like `predict` writes
           its CSV; in-process seconds go to stderr as one JSON line
  report   turn bench-out/speed/raw/* into bench-out/speed.json and
           bench-out/speed.md (printed on stdout too)

The baselines are built by compare.py's build_model, so they are exactly the
pipelines of the accuracy comparison.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import re
import statistics
import sys
import time

sys.dont_write_bytecode = True  # no benches/__pycache__ from importing compare.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
csv.field_size_limit(sys.maxsize)

LONG_CATEGORIES = ("gov_alert", "school_notice", "gov_notice")


def _read_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _write_id_text(path: str, texts) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "text"])
        for n, t in enumerate(texts, start=1):
            w.writerow([n, t])
    return n


def _describe(name: str, path: str, texts: list[str], source: str) -> dict:
    lengths = [len(t) for t in texts]
    return {
        "name": name,
        "path": path,
        "messages": len(texts),
        "distinct": len(set(texts)),
        "median_chars": statistics.median(lengths),
        "mean_chars": round(statistics.fmean(lengths), 1),
        "source": source,
    }


def cmd_inputs(args: argparse.Namespace) -> None:
    out = args.out_dir
    os.makedirs(out, exist_ok=True)
    short = [r["text"] for r in _read_rows(args.short)]
    real = [r["text"] for r in _read_rows(args.real)]
    real_rows = _read_rows(args.real)
    long_src = [r["text"] for r in real_rows if r.get("category") in LONG_CATEGORIES]
    if not short or not real or not long_src:
        sys.exit("speed.py inputs: an input corpus is empty (or real_ja has no "
                 f"{'/'.join(LONG_CATEGORIES)} rows)")

    def cycle(texts: list[str], n: int) -> list[str]:
        return [texts[i % len(texts)] for i in range(n)]

    long_texts = cycle(long_src, args.long_rows)
    long_path = os.path.join(out, "long.csv")
    _write_id_text(long_path, long_texts)
    real_texts = cycle(real, args.cycle_rows)
    real_path = os.path.join(out, f"real_{args.cycle_rows}.csv")
    _write_id_text(real_path, real_texts)
    one_line = re.compile(r"\r\n|\r|\n")
    mem_path = os.path.join(out, f"ja_{args.mem_lines}.txt")
    with open(mem_path, "w", encoding="utf-8", newline="") as f:
        f.writelines(one_line.sub(" ", t) + "\n" for t in cycle(short, args.mem_lines))

    info = {
        "short": _describe("short", args.short, short, f"{args.short} as is"),
        "long": _describe(
            "long", long_path, long_texts,
            f"the {len(long_src)} real_ja rows of category {', '.join(LONG_CATEGORIES)}, "
            f"cycled to {args.long_rows} rows"),
        "cycled": _describe(
            "cycled", real_path, real_texts,
            f"all {len(real)} real_ja rows, cycled to {args.cycle_rows} rows"),
        "memory": {"name": "memory", "path": mem_path, "messages": args.mem_lines,
                   "source": f"{args.short} texts, one per line (newlines folded), "
                             f"cycled to {args.mem_lines} lines"},
    }
    with open(os.path.join(out, "inputs.json"), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, ensure_ascii=False)
        f.write("\n")
    for v in info.values():
        print(f"{v['path']}: {v['messages']} messages", file=sys.stderr)


def _thread_cap():
    """One BLAS/OpenMP thread, as compare.py (import the models first:
    threadpoolctl only caps libraries already loaded)."""
    from threadpoolctl import threadpool_limits

    import sklearn.linear_model  # noqa: F401

    return threadpool_limits(limits=1)


def cmd_fit(args: argparse.Namespace) -> None:
    import compare

    with _thread_cap():
        data = compare.read_labeled(args.train, "text", "label", "scam")
        model, seconds = compare.timed_fit(args.model, data.texts, data.y)
    with open(args.out, "wb") as f:
        pickle.dump(model, f)
    print(json.dumps({"model": args.model, "train": args.train, "rows": len(data),
                      "fit_seconds": round(seconds, 3)}))


def cmd_predict(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    import compare

    with _thread_cap():
        with open(args.model_file, "rb") as f:
            model = pickle.load(f)
        texts = compare.read_texts(args.input, "text")
        loaded = time.perf_counter()
        proba = compare.positive_proba(model, texts)
        predicted = time.perf_counter()
    out = sys.stdout
    out.write("probability\n")
    out.writelines(f"{p:.6f}\n" for p in proba.tolist())
    out.flush()
    end = time.perf_counter()
    print(json.dumps({"messages": len(texts), "startup_and_read_seconds": round(loaded - start, 4),
                      "predict_proba_seconds": round(predicted - loaded, 4),
                      "write_seconds": round(end - predicted, 4)}), file=sys.stderr)


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------


def _median(values):
    return statistics.median(values) if values else None


def _stats(values: list[float]) -> dict:
    return {"median": _median(values), "min": min(values), "max": max(values),
            "rounds": len(values), "per_round": values}


def _last_json_line(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.startswith("{")]
    return json.loads(lines[-1])


def _csv_rows(path: str) -> int:
    with open(path, encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def cmd_report(args: argparse.Namespace) -> None:
    out, raw = args.out, os.path.join(args.out, "speed", "raw")
    env = os.environ
    problems: list[str] = []
    with open(os.path.join(out, "speed", "inputs.json"), encoding="utf-8") as f:
        inputs = json.load(f)

    # ---- in process
    inproc = {}
    for key in ("short", "long"):
        d = _last_json_line(os.path.join(raw, f"inproc.{key}.out"))
        if d["messages"] != inputs[key]["messages"]:
            problems.append(f"in-process {key}: {d['messages']} messages, inputs.json says "
                            f"{inputs[key]['messages']}")
        inproc[key] = {
            "file": inputs[key]["path"], "messages": d["messages"],
            "median_chars": inputs[key]["median_chars"], "passes_per_side": d["passes_per_side"],
            "ratio_pipeline_over_lindera": _stats(d["ratios"]),
            "pipeline_messages_per_second_median": d["pipeline_messages_per_second_median"],
            "lindera_messages_per_second_median": d["lindera_messages_per_second_median"],
        }

    # ---- whole process, interleaved rounds: round side wall user sys maxrss_kb
    n = inputs["cycled"]["messages"]
    runs: dict[int, dict[str, dict]] = {}
    with open(os.path.join(raw, "rounds.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("round\t") or not line.strip():
                continue
            r, side, wall, user, sys_, rss = line.split("\t")
            runs.setdefault(int(r), {})[side] = {
                "wall": float(wall), "cpu": float(user) + float(sys_), "rss_kb": int(rss)}
    rounds = sorted(runs)
    sides = ("jscam_t1", "sklearn_word_lr", "sklearn_char_lr", "jscam_t2")
    for r in rounds:
        missing = [s for s in sides if s not in runs[r]]
        if missing:
            problems.append(f"round {r}: no timing for {missing}")
    rounds = [r for r in rounds if all(s in runs[r] for s in sides)]

    def rate(side):
        return _median([n / runs[r][side]["wall"] for r in rounds])

    process = {}
    for sk in ("sklearn_word_lr", "sklearn_char_lr"):
        process[sk] = {
            "ratio_jscam_over_sklearn": _stats([runs[r][sk]["wall"] / runs[r]["jscam_t1"]["wall"]
                                                for r in rounds]),
            "cpu_ratio_jscam_over_sklearn": _stats([runs[r][sk]["cpu"] / runs[r]["jscam_t1"]["cpu"]
                                                    for r in rounds]),
            "jscam_messages_per_second_median": rate("jscam_t1"),
            "sklearn_messages_per_second_median": rate(sk),
        }
    threads = {
        "ratio_t2_over_t1": _stats([runs[r]["jscam_t1"]["wall"] / runs[r]["jscam_t2"]["wall"]
                                    for r in rounds]),
        "t1_messages_per_second_median": rate("jscam_t1"),
        "t2_messages_per_second_median": rate("jscam_t2"),
    }

    # ---- sanity: every side scored every row (predict's warm-up output; the
    # Python side reports its count)
    scored = {"jscam": _csv_rows(os.path.join(raw, "warmup.jscam_t1.out"))}
    sk_inner = {}
    for sk in ("sklearn_word_lr", "sklearn_char_lr"):
        with open(os.path.join(raw, f"inner.{sk}.jsonl"), encoding="utf-8") as f:
            recs = [json.loads(l) for l in f if l.startswith("{")]
        if len(recs) != len(rounds):
            problems.append(f"{sk}: {len(recs)} in-process timings for {len(rounds)} rounds")
        scored[sk] = min((r["messages"] for r in recs), default=0)
        sk_inner[sk] = {k: _median([r[k] for r in recs])
                        for k in ("startup_and_read_seconds", "predict_proba_seconds", "write_seconds")}
    for side, count in scored.items():
        if count != n:
            problems.append(f"{side} scored {count} rows of {n}")
    fits = {}
    for sk in ("sklearn_word_lr", "sklearn_char_lr"):
        fits[sk] = _last_json_line(os.path.join(raw, f"fit.{sk}.out"))

    # ---- memory
    memory = []
    for side, threads_n in (("jscam_t1", 1), ("jscam_t2", 2), ("sklearn_word_lr", 1),
                            ("sklearn_char_lr", 1)):
        memory.append({"program": "predict" if side.startswith("jscam") else f"{side} (speed.py predict)",
                       "input": inputs["cycled"]["path"], "messages": n, "threads": threads_n,
                       "peak_rss_mb": _median([runs[r][side]["rss_kb"] for r in rounds]) / 1024,
                       "wall_seconds": _median([runs[r][side]["wall"] for r in rounds]),
                       "measured": f"median over {len(rounds)} rounds"})
    with open(os.path.join(raw, "memory.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("threads\t") or not line.strip():
                continue
            t, wall, rss = line.split("\t")
            memory.append({"program": "predict", "input": inputs["memory"]["path"],
                           "messages": inputs["memory"]["messages"], "threads": int(t),
                           "peak_rss_mb": int(rss) / 1024, "wall_seconds": float(wall),
                           "measured": "one run"})

    machine = {
        "nproc": int(env["BENCH_NPROC"]), "cpu": env["BENCH_CPU"], "ram": env["BENCH_RAM"],
        "date_utc": env["BENCH_DATE"], "loadavg_start": env["BENCH_LOAD_START"],
        "loadavg_end": env["BENCH_LOAD_END"], "rustc": env["BENCH_RUSTC"],
        "commit": env["BENCH_COMMIT"], "uncommitted_tracked_changes": int(env["BENCH_DIRTY"]),
    }
    warnings: list[str] = []
    if env["BENCH_COMMIT_END"] != env["BENCH_COMMIT"] or env["BENCH_DIRTY_END"] != env["BENCH_DIRTY"]:
        machine["commit_end"] = env["BENCH_COMMIT_END"]
        warnings.append(f"the working tree changed during the run (commit {env['BENCH_COMMIT']} -> "
                        f"{env['BENCH_COMMIT_END']}, modified tracked files {env['BENCH_DIRTY']} -> "
                        f"{env['BENCH_DIRTY_END']}): the binaries were built at the start, "
                        "but check that the change did not touch what was measured")
    results = {
        "machine": machine,
        "settings": {"rounds": int(env["BENCH_ROUNDS"]), "min_seconds": float(env["BENCH_MIN_SECONDS"]),
                     "sklearn_train": env["BENCH_SK_TRAIN"], "command": env["BENCH_COMMAND"]},
        "inputs": inputs, "in_process": inproc, "whole_process": process, "threads": threads,
        "sklearn_fit": fits, "sklearn_inner_seconds_median": sk_inner, "rows_scored": scored,
        "memory": memory, "script_seconds": int(env["BENCH_SECONDS"]), "problems": problems, "warnings": warnings,
    }
    with open(os.path.join(out, "speed.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
        f.write("\n")
    md = render(results)
    with open(os.path.join(out, "speed.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md, end="")
    sys.exit(1 if problems else 0)


def render(R: dict) -> str:
    M, S, I = R["machine"], R["settings"], R["inputs"]

    def r3(v):
        return f"{v:.3f}"

    def rate(v):
        return f"{v:,.0f}"

    def ratio_row(label, st, *extra):
        return (f"| {label} | **{r3(st['median'])}** | {r3(st['min'])} | {r3(st['max'])} | "
                f"{st['rounds']} | " + " | ".join(extra) + " |")

    L = ["## Speed (benches/speed.sh)", ""]
    if R["problems"]:
        L += ["**ERROR — these numbers are not valid:**", ""] + [f"- {p}" for p in R["problems"]] + [""]
    if R["warnings"]:
        L += ["**Warning:**", ""] + [f"- {w}" for w in R["warnings"]] + [""]
    dirty = (f" (+{M['uncommitted_tracked_changes']} modified tracked files)"
             if M["uncommitted_tracked_changes"] else "")
    L += [
        f"- Machine: {M['nproc']} CPUs (`nproc`), {M['cpu']}, {M['ram']} RAM; "
        f"load average (1, 5, 15 min) at start {M['loadavg_start']}, at end {M['loadavg_end']}",
        f"- Date (UTC): {M['date_utc']}; jscam commit {M['commit']}{dirty}; {M['rustc']}, release build",
        f"- {S['rounds']} interleaved rounds per comparison; a round times, per side, whole passes "
        f"over the file adding up to at least {S['min_seconds']:g} s in process, and one run over "
        f"the file for the whole-process comparisons; script run time {R['script_seconds']} s",
        f"- Rerun: `{S['command']}`",
        "",
        "Every number below is a ratio of two throughputs measured side by side in the same round, "
        "then the median over the rounds with its range (min–max): on this shared machine absolute "
        "speed drifts by 2x within minutes, so single timings, and ratios of timings taken minutes "
        "apart, are not comparable. A ratio above 1 means the first-named side is faster. "
        "The messages/s columns are medians of the absolute rates, for scale only.",
        "",
        "Inputs:",
        "",
        "| name | file | messages | median chars | built from |",
        "|---|---|---:|---:|---|",
    ]
    for key in ("short", "long", "cycled"):
        i = I[key]
        L.append(f"| {key} | `{i['path']}` | {i['messages']:,} | {i['median_chars']:g} | {i['source']} |")
    i = I["memory"]
    L += [f"| memory | `{i['path']}` | {i['messages']:,} | | {i['source']} |", ""]

    L += ["### In process, one thread: jscam pipeline ÷ raw lindera", "",
          "`cargo bench --bench throughput -- compare FILE --rounds N`: one process builds the "
          "tokenizer, the embedded model and its scorer, warms both modes up with one pass, then "
          "in each round alternates whole passes over the file (pipeline, lindera, pipeline, … ; "
          "even rounds start with lindera), the same number of passes per side, sized so that the "
          f"faster side takes at least {S['min_seconds']:g} s. Pipeline = `Scorer::score` "
          "(normalize, tokenize, features, dot product); raw lindera = the same texts tokenized "
          "with the embedded dictionary, tokens counted. Ratio = pipeline msgs/s ÷ lindera msgs/s "
          "(below 1: the share of the time lindera alone would take).", "",
          "| input | median ratio | min | max | rounds | passes/side | pipeline msgs/s | lindera msgs/s |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, v in R["in_process"].items():
        L.append(ratio_row(f"{key} ({v['messages']:,} msgs, median {v['median_chars']:g} chars)",
                           v["ratio_pipeline_over_lindera"], str(v["passes_per_side"]),
                           rate(v["pipeline_messages_per_second_median"]),
                           rate(v["lindera_messages_per_second_median"])))
    L.append("")

    n = I["cycled"]["messages"]
    fit = R["sklearn_fit"]
    inner = R["sklearn_inner_seconds_median"]
    L += [f"### Whole process, one thread: `predict --threads 1` ÷ scikit-learn, on {n:,} messages", "",
          f"Each run is a whole process on `{I['cycled']['path']}`, output to /dev/null: "
          "`target/release/predict --threads 1 --quiet FILE` against `python benches/speed.py predict` "
          "(start Python, unpickle the fitted compare.py pipeline, read the CSV, `predict_proba` "
          "with fugashi tokenization for the word model, write one probability per line; "
          "BLAS/OpenMP capped at one thread). The baselines were fitted beforehand, outside the "
          f"timing, on `{S['sklearn_train']}` ({fit['sklearn_word_lr']['rows']:,} rows) by "
          "compare.py's `build_model` (library default C = 1). A round runs predict --threads 1, "
          "word LR, char LR, predict --threads 2 (reversed in even rounds), after one untimed "
          "warm-up run of predict (the baselines were just fitted, so Python's imports are cached); ratio = sklearn wall s ÷ jscam wall s of the same round = "
          "jscam throughput ÷ sklearn throughput. The CPU column is the same ratio on user+sys CPU seconds.", "",
          "| baseline | median ratio | min | max | rounds | CPU-time ratio (median) | jscam msgs/s | sklearn msgs/s |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for sk, v in R["whole_process"].items():
        L.append(ratio_row(sk.replace("sklearn_", "").replace("_lr", " TF-IDF LR"),
                           v["ratio_jscam_over_sklearn"], r3(v["cpu_ratio_jscam_over_sklearn"]["median"]),
                           rate(v["jscam_messages_per_second_median"]),
                           rate(v["sklearn_messages_per_second_median"])))
    L += ["", "Inside the Python process (medians, seconds): " + "; ".join(
        f"{sk}: start-up + unpickle + read {v['startup_and_read_seconds']:.2f}, "
        f"predict_proba {v['predict_proba_seconds']:.2f}, write {v['write_seconds']:.2f}"
        for sk, v in inner.items()) + ".", ""]

    t = R["threads"]
    L += [f"### Threads: `predict --threads 2` ÷ `predict --threads 1`, on {n:,} messages", "",
          "The same rounds as above (each ratio pairs the two predict runs of one round), "
          f"on {M['nproc']} CPUs shared with whatever else runs (see the load average).", "",
          "| comparison | median ratio | min | max | rounds | --threads 1 msgs/s | --threads 2 msgs/s |",
          "|---|---:|---:|---:|---:|---:|---:|",
          ratio_row("--threads 2 ÷ --threads 1", t["ratio_t2_over_t1"],
                    rate(t["t1_messages_per_second_median"]), rate(t["t2_messages_per_second_median"])),
          ""]

    L += ["### Peak memory (`/usr/bin/time -f %M`, maximum resident set size)", "",
          "| program | input | messages | threads | peak RSS MB | wall s | measured |",
          "|---|---|---:|---:|---:|---:|---|"]
    for m in R["memory"]:
        L.append(f"| {m['program']} | `{m['input']}` | {m['messages']:,} | {m['threads']} | "
                 f"{m['peak_rss_mb']:.1f} | {m['wall_seconds']:.2f} | {m['measured']} |")
    L += ["", "Raw numbers: bench-out/speed.json; per-run timings and logs: bench-out/speed/raw/.", ""]
    return "\n".join(L)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inputs")
    p.add_argument("--short", required=True)
    p.add_argument("--real", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--long-rows", type=int, default=3000)
    p.add_argument("--cycle-rows", type=int, default=60000)
    p.add_argument("--mem-lines", type=int, default=1_000_000)
    p.set_defaults(func=cmd_inputs)
    p = sub.add_parser("fit")
    p.add_argument("--model", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_fit)
    p = sub.add_parser("predict")
    p.add_argument("--model-file", required=True)
    p.add_argument("--input", required=True)
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser("report")
    p.add_argument("--out", required=True, help="bench-out directory")
    p.set_defaults(func=cmd_report)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
