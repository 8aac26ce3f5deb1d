#!/usr/bin/env bash
# Side-by-side benchmark: jscam (this crate) against the scikit-learn baselines
# of benches/compare.py, on the same folds, the same train/test files and the
# same input files: accuracy, and training time and memory. Prediction speed
# (throughput ratios, threads, predict's peak memory) lives in
# benches/speed.sh, which this script runs at the end (SPEED=0 skips it;
# ROUNDS is passed through).
#
#   bash benches/compare.sh            # from anywhere; works from the repo root
#   SHARED=/path/to/shared bash benches/compare.sh
#   SPEED=0 bash benches/compare.sh    # accuracy and training only
#
# Needs: cargo, python3 (with venv), /usr/bin/time (GNU time), the public
# corpora in ${SHARED:-../shared}/data (relative to the repository root; the
# script exits 0 with "skipped" when they are absent). Everything it writes
# goes to bench-out/ (git-ignored): a Python venv, generated inputs, raw
# outputs (bench-out/raw), logs (bench-out/logs), bench-out/results.json and
# bench-out/report.md (and speed.sh's bench-out/speed.md, bench-out/speed.json).
# The Markdown report is also printed on stdout; progress goes to stderr.
#
# Timings are only meaningful on an otherwise idle machine: the report
# records the load average at the start and at the end.
set -euo pipefail
set -o errtrace

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
OUT=bench-out
RAW=$OUT/raw
LOGS=$OUT/logs
SKLEARN_THREADS=1      # compare.py's default BLAS/OpenMP cap, passed explicitly
MODELS=(sklearn_word_lr sklearn_char_lr sklearn_word_nb)
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"   # step, the ERR trap, require_tools, start_run

# ---------------------------------------------------------------- 0. corpora
DATA="${SHARED:-../shared}/data"
if [[ ! -d $DATA ]]; then
    echo "compare.sh: skipped: public corpora not found at $DATA" \
         "(set SHARED to the folder holding data/)"
    exit 0
fi
DATA=$(cd "$DATA" && pwd)
for f in uci_sms_spam_collection spamhunter_ja super_sms_dataset; do
    if [[ ! -f $DATA/$f/messages.csv ]]; then
        echo "compare.sh: skipped: $DATA/$f/messages.csv is missing"
        exit 0
    fi
done
require_tools cargo /usr/bin/time

start_run   # START_SECONDS, LOAD_START, COMMIT_START, DIRTY_START
mkdir -p "$RAW" "$LOGS"

# ------------------------------------------------------------- 1. setup
step "Python venv in $OUT/venv, pip install -r benches/requirements.txt"
CURRENT_LOG=$LOGS/pip.log
if [[ ! -x $OUT/venv/bin/python ]]; then
    "${PYTHON:-python3}" -m venv "$OUT/venv" >"$CURRENT_LOG" 2>&1
fi
PY=$ROOT/$OUT/venv/bin/python
"$PY" -m pip install -r benches/requirements.txt >>"$CURRENT_LOG" 2>&1

step "cargo build --release"
CURRENT_LOG=$LOGS/build.log
cargo build --release >"$CURRENT_LOG" 2>&1
BIN=$ROOT/target/release

# run NAME STDOUT-FILE CMD...: stdout to a file, stderr to logs/NAME.log
run() {
    local name=$1 out=$2
    shift 2
    CURRENT_LOG=$LOGS/$name.log
    "$@" >"$out" 2>"$CURRENT_LOG"
}

# timed NAME STDOUT-FILE CMD...: like run, under /usr/bin/time -v (raw/NAME.time)
timed() {
    local name=$1 out=$2
    shift 2
    CURRENT_LOG=$LOGS/$name.log
    /usr/bin/time -v -o "$RAW/$name.time" "$@" >"$out" 2>"$CURRENT_LOG"
}

# ------------------------------------------------------------- 2. accuracy, same folds
cv_pair() {   # cv_pair KEY DATA.csv [extra evaluate flags...]
    local key=$1 csv=$2
    shift 2
    step "accuracy [$key]: evaluate cv, then compare.py cv on the same folds"
    run "cv.$key.jscam" "$RAW/cv.$key.jscam.json" \
        "$BIN/evaluate" cv "$csv" --k 5 --seed 0 "$@" \
        --folds-out "$RAW/folds.$key.csv" --json
    run "cv.$key.sklearn" "$LOGS/cv.$key.sklearn.table.md" \
        "$PY" benches/compare.py cv --data "$csv" --folds "$RAW/folds.$key.csv" \
        --threads "$SKLEARN_THREADS" --json "$RAW/cv.$key.sklearn.json"
}
cv_pair ja data/messages.csv
cv_pair ja_grouped data/messages.csv --group-column family
cv_pair uci "$DATA/uci_sms_spam_collection/messages.csv"

# ------------------------------------------------------------- 2b. real-data protocol
# real_ja (real messages quoted on public pages), 5 folds grouped by the
# quoting page, data/messages.csv on the training side of every fold and never
# evaluated; each side tunes its threshold (and compare.py its C / alpha) by
# inner grouped CV on the fold's training side. Optional corpus: skipped
# when absent. REAL_MAX_FPR must equal the Rust tool's default threshold rule.
REAL_MAX_FPR=0.04
if [[ -d $DATA/real_ja ]]; then
    REAL=$DATA/real_ja/messages.csv
    step "real_ja protocol: evaluate cv --also-train data/messages.csv (grouped by source)"
    run real.jscam "$RAW/real.jscam.json" \
        "$BIN/evaluate" cv "$REAL" --group-column source --also-train data/messages.csv \
        --folds-out "$RAW/real.folds.csv" --json
    step "real_ja protocol: compare.py protocol on the same folds (tuned C/alpha, max FPR $REAL_MAX_FPR)"
    run real.sklearn "$LOGS/real.sklearn.table.md" \
        "$PY" benches/compare.py protocol --data "$REAL" --folds "$RAW/real.folds.csv" \
        --group-column source --also-train data/messages.csv --max-fpr "$REAL_MAX_FPR" \
        --threads "$SKLEARN_THREADS" --out "$RAW/real.sklearn.json"
else
    step "real_ja protocol: skipped ($DATA/real_ja not found)"
fi

step "spamhunter_ja recall of the default (embedded) model"
run spamhunter.jscam "$RAW/spamhunter.jscam.json" \
    "$BIN/evaluate" model "$DATA/spamhunter_ja/messages.csv" --json

# ------------------------------------------------------------- 3. training, Super SMS split
step "Super SMS split (80/20, seed 0) -> $OUT/super/"
run super.split "$LOGS/super.split.out" \
    "$PY" benches/compare.py split --data "$DATA/super_sms_dataset/messages.csv" \
    --test-fraction 0.2 --seed 0 --out-dir "$OUT/super"

step "training jscam on $OUT/super/train.csv"
timed train.jscam "$LOGS/train.jscam.out" \
    "$BIN/train" "$OUT/super/train.csv" -o "$OUT/super.jscam" --holdout 0 --quiet
run test.jscam "$RAW/test.jscam.json" \
    "$BIN/evaluate" model "$OUT/super/test.csv" -m "$OUT/super.jscam" --json

for m in "${MODELS[@]}"; do
    step "training $m on $OUT/super/train.csv (compare.py train-test, --threads $SKLEARN_THREADS)"
    timed "train.$m" "$RAW/train.$m.json" \
        "$PY" benches/compare.py train-test --train "$OUT/super/train.csv" \
        --test "$OUT/super/test.csv" --model "$m" --threads "$SKLEARN_THREADS"
done

# ------------------------------------------------------------- 4. results.json + report
step "writing $OUT/results.json and $OUT/report.md"
CURRENT_LOG=$LOGS/report.log
export BENCH_NPROC=$(nproc)
export_run_facts
export BENCH_DATA=$DATA BENCH_SKLEARN_THREADS=$SKLEARN_THREADS
export BENCH_REAL_MAX_FPR=$REAL_MAX_FPR
"$PY" - "$OUT" 2>"$CURRENT_LOG" <<'EOF'
import json, os, re, sys

out = sys.argv[1]
raw = os.path.join(out, "raw")
env = os.environ
MODELS = ["sklearn_word_lr", "sklearn_char_lr", "sklearn_word_nb"]
problems = []   # the two sides did not see the same data: exit status 1
warnings = []   # shown in the report, exit status 0


def load_json(name):
    with open(os.path.join(raw, name), encoding="utf-8") as f:
        return json.load(f)


def gnu_time(name):
    """Wall seconds, peak RSS (MB = 2^20 bytes) and exit status from `time -v`."""
    with open(os.path.join(raw, name + ".time"), encoding="utf-8") as f:
        text = f.read()
    wall = re.search(r"Elapsed \(wall clock\) time .*?: (\S+)", text).group(1)
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    cpu = re.search(r"Percent of CPU this job got: (\d+)%", text)
    return {
        "wall_seconds": seconds,
        "max_rss_mb": rss_kb / 1024,
        "cpu_percent": int(cpu.group(1)) if cpu else None,
    }


METRICS = [  # (results key, jscam summary key, compare.py key, column title)
    ("f1", "f1", "f1", "F1"),
    ("precision", "precision", "precision", "precision"),
    ("recall", "recall", "recall", "recall"),
    ("roc_auc", "roc_auc", "roc_auc", "ROC-AUC"),
    ("pr_auc", "pr_auc", "pr_auc", "PR-AUC"),
    ("recall_at_fpr_1pct", "recall_at_fpr_1pct", "recall_at_fpr_0.01", "recall@FPR≤1%"),
]

CV_SETS = [
    ("ja", "data/messages.csv, 5-fold stratified (seed 0)"),
    ("ja_grouped", "data/messages.csv, 5-fold stratified, grouped by `family` (seed 0)"),
    ("uci", "uci_sms_spam_collection/messages.csv (English), 5-fold stratified (seed 0)"),
]

results = {
    "machine": {
        "nproc": int(env["BENCH_NPROC"]),
        "cpu": env["BENCH_CPU"],
        "ram": env["BENCH_RAM"],
        "date_utc": env["BENCH_DATE"],
        "loadavg_start": env["BENCH_LOAD_START"],
        "loadavg_end": env["BENCH_LOAD_END"],
        "rustc": env["BENCH_RUSTC"],
        "commit": env["BENCH_COMMIT"],
        "uncommitted_tracked_changes": int(env["BENCH_DIRTY"]),
    },
    "settings": {
        "data_dir": env["BENCH_DATA"],
        "compare_py_threads": int(env["BENCH_SKLEARN_THREADS"]),
        "real_max_fpr": float(env["BENCH_REAL_MAX_FPR"]),
    },
    "accuracy": {},
}

# ---- accuracy on identical folds
for key, protocol in CV_SETS:
    jscam = load_json(f"cv.{key}.jscam.json")
    sk = load_json(f"cv.{key}.sklearn.json")
    s = jscam["summary"]
    with open(os.path.join(raw, f"folds.{key}.csv"), encoding="utf-8") as f:
        n_folds_rows = sum(1 for _ in f) - 1
    c = s["confusion"]
    j_pos = c["tp"] + c["fn_"]
    check = {
        "jscam_rows": s["rows"], "jscam_positive": j_pos, "folds_file_rows": n_folds_rows,
        "sklearn_rows": sk["n_rows"], "sklearn_evaluated": sk["n_evaluated"],
        "sklearn_positive": sk["n_positive"], "k": sk["k"],
    }
    if not (s["rows"] == n_folds_rows == sk["n_rows"] == sk["n_evaluated"] and j_pos == sk["n_positive"]):
        problems.append(f"{key}: jscam and compare.py did not see the same rows/labels: {check}")
    rows = {"jscam": {r: s[jk] for r, jk, _, _ in METRICS}}
    rows["jscam"]["confusion"] = c
    for m in MODELS:
        rows[m] = {r: sk["models"][m][pk] for r, _, pk, _ in METRICS}
        rows[m]["fit_seconds_total"] = sk["models"][m]["fit_seconds_total"]
    results["accuracy"][key] = {"protocol": protocol, "check": check, "models": rows,
                                "sklearn_versions": sk["versions"],
                                "sklearn_hyperparameters": "library default C (LR C = 1, NB alpha = 1), untuned"}

# ---- real-data protocol (optional corpus): per-fold tuned threshold, tuned C
# The corpus metrics plus the decision rates that a fitted threshold makes meaningful.
REAL_METRICS = METRICS[:3] + [
    ("false_positive_rate", "false_positive_rate", "false_positive_rate", "FPR"),
    ("accuracy", "accuracy", "accuracy", "accuracy"),
] + METRICS[3:]
if os.path.exists(os.path.join(raw, "real.sklearn.json")):
    jr = load_json("real.jscam.json")
    sr = load_json("real.sklearn.json")
    s = jr["summary"]
    c = s["confusion"]
    with open(os.path.join(raw, "real.folds.csv"), encoding="utf-8") as f:
        n_folds_rows = sum(1 for _ in f) - 1
    j_pos = c["tp"] + c["fn_"]
    check = {"jscam_rows": s["rows"], "jscam_positive": j_pos, "folds_file_rows": n_folds_rows,
             "sklearn_rows": sr["n_rows"], "sklearn_evaluated": sr["n_evaluated"],
             "sklearn_positive": sr["n_positive"], "k": sr["k"],
             "groups_split_across_folds": sr["groups_split_across_folds"]}
    if not (s["rows"] == n_folds_rows == sr["n_rows"] == sr["n_evaluated"] and j_pos == sr["n_positive"]):
        problems.append(f"real_ja: jscam and compare.py did not see the same rows/labels: {check}")
    if sr["groups_split_across_folds"]:
        problems.append(f"real_ja: {sr['groups_split_across_folds']} source pages span several folds")
    if not jr.get("fold_thresholds"):
        warnings.append("real_ja: jscam reported no per-fold thresholds (fixed threshold "
                        f"{s['threshold']}), compare.py fitted one per fold at max FPR "
                        f"{sr['max_fpr']:g}: the threshold rules differ")
    rows = {"jscam": {r: s[jk] for r, jk, _, _ in REAL_METRICS}}
    rows["jscam"].update(confusion=c, thresholds_per_fold=jr.get("fold_thresholds", []),
                         tuned="own defaults")
    for m in MODELS:
        mr = sr["models"][m]
        rows[m] = {r: mr[pk] for r, _, pk, _ in REAL_METRICS}
        param = mr["hyperparameter"]
        rows[m].update(confusion=mr["confusion"],
                       thresholds_per_fold=mr["threshold_probability_per_fold"],
                       tuned=f"{param} " + ", ".join(f"{v:g}" for v in mr[f"{param}_per_fold"]),
                       at_threshold_0_5=mr["at_threshold_0.5"], seconds=mr["seconds"])
    results["real_protocol"] = {
        "protocol": sr["protocol"], "jscam_protocol": jr.get("protocol"),
        "max_fpr": sr["max_fpr"], "also_train": sr["also_train"], "check": check,
        "sklearn_seconds_total": sr["seconds_total"], "models": rows,
    }

sh = load_json("spamhunter.jscam.json")["summary"]
results["spamhunter_ja"] = {"model": "default (embedded)", "rows": sh["rows"],
                            "recall": sh["recall"], "confusion": sh["confusion"]}

# ---- training on the Super SMS split
jt = load_json("test.jscam.json")["summary"]
train = {"jscam": {**gnu_time("train.jscam"), "f1": jt["f1"], "n_test": jt["rows"]}}
for m in MODELS:
    tt = load_json(f"train.{m}.json")
    train[m] = {**gnu_time(f"train.{m}"), "f1": tt["f1"], "fit_seconds": tt["train_seconds"],
                "n_train": tt["n_train"], "n_test": tt["n_test"]}
    if tt["n_test"] != jt["rows"]:
        problems.append(f"super test part: {m} scored {tt['n_test']} rows, jscam {jt['rows']}")
results["training"] = train

if (env["BENCH_COMMIT_END"], env["BENCH_DIRTY_END"]) != (env["BENCH_COMMIT"], env["BENCH_DIRTY"]):
    results["machine"]["commit_end"] = env["BENCH_COMMIT_END"]
    warnings.append(
        f"the working tree changed during the run (start: commit {env['BENCH_COMMIT']}, "
        f"{env['BENCH_DIRTY']} modified tracked files; end: commit {env['BENCH_COMMIT_END']}, "
        f"{env['BENCH_DIRTY_END']}): binaries may have been rebuilt in between"
    )
results["script_seconds"] = int(env["BENCH_SECONDS"])
results["problems"] = problems
results["warnings"] = warnings

with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
    json.dump(results, f, indent=2, ensure_ascii=False)
    f.write("\n")

# ---- Markdown
def f3(v):
    return "n/a" if v is None else f"{v:.3f}"

def rate(v):
    return f"{v:,.0f}"

M = results["machine"]
L = []
L += ["# jscam vs scikit-learn baselines", ""]
L += [f"- Machine: {M['nproc']} CPUs (`nproc`), {M['cpu']}, {M['ram']} RAM",
      f"- Date (UTC): {M['date_utc']}; load average at start {M['loadavg_start']}, at end {M['loadavg_end']}",
      f"- jscam commit {M['commit']}"
      + (f" (+{M['uncommitted_tracked_changes']} modified tracked files)" if M['uncommitted_tracked_changes'] else "")
      + f", {M['rustc']}, release build",
      "- Baselines: benches/compare.py, " + ", ".join(
          f"{k} {v}" for k, v in results["accuracy"]["ja"]["sklearn_versions"].items())
      + f"; BLAS/OpenMP threads capped at {results['settings']['compare_py_threads']} (`--threads`, compare.py's default)",
      f"- Corpora: {results['settings']['data_dir']}",
      f"- Script run time: {results['script_seconds']} s", ""]
if problems:
    L += ["**ERROR — the comparison is not valid:**", ""] + [f"- {p}" for p in problems] + [""]
if warnings:
    L += ["**Warning:**", ""] + [f"- {w}" for w in warnings] + [""]

L += ["## Accuracy (pooled out-of-fold, threshold 0.5, identical folds)", "",
      "The scikit-learn rows use library default C (LR C = 1, NB alpha = 1), untuned; "
      "see the real-data protocol below for tuned baselines.", ""]
for key, protocol in CV_SETS:
    a = results["accuracy"][key]
    ch = a["check"]
    L += [f"### {protocol}", "",
          f"{ch['jscam_rows']} rows, {ch['jscam_positive']} scam; folds from `evaluate cv --folds-out`, "
          f"read by `compare.py cv --folds`.", "",
          "| model | " + " | ".join(t for *_, t in METRICS) + " |",
          "|---|" + "---:|" * len(METRICS)]
    for name, row in a["models"].items():
        L.append(f"| {name} | " + " | ".join(f3(row[r]) for r, *_ in METRICS) + " |")
    L.append("")

if "real_protocol" in results:
    rp = results["real_protocol"]
    ch = rp["check"]
    also = ", ".join(f"{os.path.basename(os.path.dirname(a['path']))}/{os.path.basename(a['path'])} "
                     f"({a['rows']} rows)" for a in rp["also_train"])
    L += ["## Real-data protocol: real_ja, threshold fitted per fold", "",
          f"{ch['jscam_rows']} real rows ({ch['jscam_positive']} scam), {ch['k']} folds grouped by `source` "
          f"(`evaluate cv --folds-out`, read by `compare.py protocol --folds`); {also} on the training "
          "side of every fold, never evaluated. Each fold's threshold is the best-F1 inner "
          f"out-of-fold score with FPR ≤ {rp['max_fpr']:g} (inner grouped CV on the fold's training side); "
          "the scikit-learn baselines also tune C (alpha for NB) there by inner ROC-AUC. "
          "Threshold metrics pool the per-fold decisions; ROC-AUC, PR-AUC and recall@FPR≤1% "
          "pool the scores.", "",
          "| model | tuned per fold | " + " | ".join(t for *_, t in REAL_METRICS) + " | F1 @0.5 | FPR @0.5 |",
          "|---|---|" + "---:|" * (len(REAL_METRICS) + 2)]
    for name, row in rp["models"].items():
        half = row.get("at_threshold_0_5")
        tail = f" | {f3(half['f1'])} | {f3(half['false_positive_rate'])}" if half else " | – | –"
        L.append(f"| {name} | {row['tuned']} | " + " | ".join(f3(row[r]) for r, *_ in REAL_METRICS) + tail + " |")
    L += ["", "Thresholds per fold (probability): " + "; ".join(
        f"{name} " + ", ".join(f"{t:.3f}" for t in row["thresholds_per_fold"])
        for name, row in rp["models"].items() if row["thresholds_per_fold"]),
          f"compare.py protocol time: {rp['sklearn_seconds_total']:.0f} s.", ""]

s = results["spamhunter_ja"]
L += ["## spamhunter_ja (real Japanese scam SMS, scam only: recall is the only defined rate)", "",
      "| model | rows | recall |", "|---|---:|---:|",
      f"| jscam default model | {s['rows']} | {f3(s['recall'])} |", ""]

L += ["## Training on super_sms_dataset (stratified 80/20 split, seed 0)", "",
      f"{train['sklearn_word_lr']['n_train']:,} training rows, {train['sklearn_word_lr']['n_test']:,} test rows. "
      "Wall time and peak RSS of the whole process (`/usr/bin/time -v`: reading, training, "
      "and for compare.py also scoring the test part); F1 on the test part.", "",
      "| model | wall s | peak RSS MB | F1 (test) |", "|---|---:|---:|---:|"]
for name, t in train.items():
    L.append(f"| {name} | {t['wall_seconds']:.1f} | {t['max_rss_mb']:.0f} | {f3(t['f1'])} |")
L.append("")

L += ["Speed (throughput ratios, threads, peak memory of predict) is measured by benches/speed.sh "
      "in interleaved rounds; its section follows when compare.sh ran it (SPEED=1, the default).",
      "", "Raw numbers: bench-out/results.json; raw outputs: bench-out/raw/; logs: bench-out/logs/.", ""]

report = "\n".join(L)
with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as f:
    f.write(report)
print(report, end="")
sys.exit(1 if problems else 0)
EOF

# ------------------------------------------------------------- 5. speed (benches/speed.sh)
if [[ ${SPEED:-1} != 0 ]]; then
    step "speed: benches/speed.sh (ROUNDS=${ROUNDS:-10}); its section is appended to $OUT/report.md"
    CURRENT_LOG=$LOGS/speed.log
    VENV=$ROOT/$OUT/venv SHARED=$(dirname "$DATA") bash benches/speed.sh >"$LOGS/speed.md.out" 2>"$CURRENT_LOG"
    { echo; cat "$OUT/speed.md"; } >>"$OUT/report.md"
    { echo; cat "$OUT/speed.md"; }
fi
step "done in $((SECONDS - START_SECONDS)) s: $OUT/report.md, $OUT/results.json"
