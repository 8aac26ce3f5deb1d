#!/usr/bin/env bash
# Speed of jscam, measured so that it can be trusted on a noisy shared host:
# every comparison runs in interleaved rounds (A B A B …, order reversed
# every other round) and is reported as the median ratio of the two
# throughputs taken in the same round, with its range (min–max) over rounds.
# Accuracy lives in benches/compare.sh; this is the one home for speed.
#
#   bash benches/speed.sh                  # ROUNDS=10, from anywhere
#   ROUNDS=2 bash benches/speed.sh         # quick smoke run
#   VENV=/path/to/venv bash benches/speed.sh   # reuse a venv with benches/requirements.txt
#
# Settings (environment): ROUNDS (10), SHARED (../shared, the folder holding
# data/real_ja), VENV (default bench-out/venv, created and filled with
# pip install -r benches/requirements.txt), MIN_SECONDS (0.5: the least time
# per side per round in the in-process bench), LONG_ROWS (3000), CYCLE_ROWS
# (60000), MEM_LINES (1000000), SK_TRAIN (data/messages.csv: what the
# scikit-learn baselines are fitted on, outside the timing).
#
# Measures:
#   1. in process, one thread: jscam pipeline vs raw lindera, on short
#      (data/messages.csv) and long (real_ja gov_alert/school_notice/gov_notice,
#      cycled to LONG_ROWS) messages: benches/throughput.rs `compare` mode;
#   2. whole process, one thread, on CYCLE_ROWS rows cycled from real_ja:
#      `predict --threads 1` vs compare.py's word and char TF-IDF LR pipelines;
#   3. `predict --threads 2` vs `--threads 1` (same rounds as 2.);
#   4. peak RSS of predict, one and two threads, on that file (from the
#      rounds) and on MEM_LINES lines.
# Writes bench-out/speed.md (a section for docs/benchmarks.md, also printed
# on stdout), bench-out/speed.json, and raw timings/logs in
# bench-out/speed/raw. Progress goes to stderr. Exits 0 with "skipped" when
# real_ja is absent.
set -euo pipefail
set -o errtrace

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
OUT=bench-out
DIR=$OUT/speed
RAW=$DIR/raw
ROUNDS=${ROUNDS:-10}
MIN_SECONDS=${MIN_SECONDS:-0.5}
LONG_ROWS=${LONG_ROWS:-3000}
CYCLE_ROWS=${CYCLE_ROWS:-60000}
MEM_LINES=${MEM_LINES:-1000000}
SK_TRAIN=${SK_TRAIN:-data/messages.csv}
# shellcheck source=benches/common.sh
source "$ROOT/benches/common.sh"   # step, the ERR trap, require_tools, start_run

if ! [[ $ROUNDS =~ ^[1-9][0-9]*$ ]]; then
    echo "speed.sh: ROUNDS must be a positive integer, got '$ROUNDS'" >&2
    exit 2
fi
REAL="${SHARED:-../shared}/data/real_ja/messages.csv"
if [[ ! -f $REAL ]]; then
    echo "speed.sh: skipped: $REAL not found (set SHARED to the folder holding data/real_ja)"
    exit 0
fi
REAL=$(cd "$(dirname "$REAL")" && pwd)/messages.csv
require_tools cargo /usr/bin/time

start_run   # START_SECONDS, LOAD_START, COMMIT_START, DIRTY_START
rm -rf "$RAW"
mkdir -p "$RAW"

# ------------------------------------------------------------- setup
if [[ -n ${VENV:-} ]]; then
    PY=$(cd "$VENV" && pwd)/bin/python
    [[ -x $PY ]] || { echo "speed.sh: no python in VENV=$VENV" >&2; exit 1; }
    step "using the venv $VENV"
else
    step "Python venv in $OUT/venv, pip install -r benches/requirements.txt"
    CURRENT_LOG=$RAW/pip.log
    if [[ ! -x $OUT/venv/bin/python ]]; then
        "${PYTHON:-python3}" -m venv "$OUT/venv" >"$CURRENT_LOG" 2>&1
    fi
    PY=$ROOT/$OUT/venv/bin/python
    "$PY" -m pip install -r benches/requirements.txt >>"$CURRENT_LOG" 2>&1
fi
NPROC=$(nproc)   # before the export below: GNU nproc honours OMP_NUM_THREADS
# The scikit-learn side runs on one BLAS/OpenMP thread (compare.py's default).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

step "cargo build --release; cargo bench --bench throughput --no-run"
CURRENT_LOG=$RAW/build.log
cargo build --release >"$CURRENT_LOG" 2>&1
cargo bench --bench throughput --no-run >>"$CURRENT_LOG" 2>&1
PREDICT=$ROOT/target/release/predict

step "inputs in $DIR/ (long: $LONG_ROWS rows, cycled: $CYCLE_ROWS rows, memory: $MEM_LINES lines)"
CURRENT_LOG=$RAW/inputs.log
"$PY" benches/speed.py inputs --short data/messages.csv --real "$REAL" --out-dir "$DIR" \
    --long-rows "$LONG_ROWS" --cycle-rows "$CYCLE_ROWS" --mem-lines "$MEM_LINES" 2>"$CURRENT_LOG"
LONG=$DIR/long.csv
CYCLED=$DIR/real_$CYCLE_ROWS.csv
MEMFILE=$DIR/ja_$MEM_LINES.txt

# ------------------------------------------------------------- 1. in process
for key in short long; do
    file=data/messages.csv
    [[ $key == long ]] && file=$LONG
    step "in process, one thread: pipeline vs raw lindera on $key messages ($ROUNDS rounds)"
    CURRENT_LOG=$RAW/inproc.$key.log
    cargo bench --bench throughput -- compare "$file" --rounds "$ROUNDS" \
        --min-seconds "$MIN_SECONDS" >"$RAW/inproc.$key.out" 2>"$CURRENT_LOG"
    grep -E '^round|pass\(es\)' "$RAW/inproc.$key.out" | sed 's/^/    /' >&2
done

# ------------------------------------------------------------- 2-3. whole process
for m in sklearn_word_lr sklearn_char_lr; do
    step "fitting $m on $SK_TRAIN (outside the timing)"
    CURRENT_LOG=$RAW/fit.$m.log
    "$PY" benches/speed.py fit --model "$m" --train "$SK_TRAIN" --out "$DIR/$m.pkl" \
        >"$RAW/fit.$m.out" 2>"$CURRENT_LOG"
done

# side_cmd SIDE: sets CMD to the command of one side of the process-level rounds
side_cmd() {
    case $1 in
        jscam_t1) CMD=("$PREDICT" --threads 1 --quiet "$CYCLED") ;;
        jscam_t2) CMD=("$PREDICT" --threads 2 --quiet "$CYCLED") ;;
        sklearn_*) CMD=("$PY" benches/speed.py predict --model-file "$DIR/$1.pkl" --input "$CYCLED") ;;
    esac
}

# timed_run SIDE ROUND STDOUT: one whole-process run; appends
# "round side wall user sys maxrss_kb" to rounds.tsv (wall from date +%N,
# CPU and peak RSS from GNU time); the scikit-learn side's in-process
# seconds (stderr JSON line) go to inner.SIDE.jsonl
timed_run() {
    local side=$1 round=$2 out=$3 start end wall t user sys rss
    side_cmd "$side"
    CURRENT_LOG=$RAW/run.$side.log
    t=$RAW/time.tmp
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$t" "${CMD[@]}" >"$out" 2>"$RAW/stderr.tmp"
    end=$(date +%s.%N)
    cat "$RAW/stderr.tmp" >>"$CURRENT_LOG"
    if [[ $side == sklearn_* ]]; then
        grep '^{' "$RAW/stderr.tmp" >>"$RAW/inner.$side.jsonl" || true
    fi
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')
    read -r user sys rss <"$t"
    if [[ $round != warmup ]]; then
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$wall" "$user" "$sys" "$rss" >>"$RAW/rounds.tsv"
    fi
    printf '%s %.2fs' "$side" "$wall" >&2
}

SIDES=(jscam_t1 sklearn_word_lr sklearn_char_lr jscam_t2)
step "whole process on $CYCLED: one untimed warm-up run of predict --threads 1 (output kept to count its rows)"
printf '    ' >&2
timed_run jscam_t1 warmup "$RAW/warmup.jscam_t1.out"
echo >&2
printf 'round\tside\twall\tuser\tsys\tmaxrss_kb\n' >"$RAW/rounds.tsv"
step "whole process: $ROUNDS interleaved rounds of ${SIDES[*]} (reversed in even rounds)"
for ((r = 1; r <= ROUNDS; r++)); do
    order=("${SIDES[@]}")
    if ((r % 2 == 0)); then
        order=("${SIDES[3]}" "${SIDES[2]}" "${SIDES[1]}" "${SIDES[0]}")
    fi
    printf '    round %d: ' "$r" >&2
    for side in "${order[@]}"; do
        timed_run "$side" "$r" /dev/null
        printf '  ' >&2
    done
    echo >&2
done

# ------------------------------------------------------------- 4. memory
step "peak RSS of predict on $MEMFILE ($MEM_LINES lines), one and two threads"
printf 'threads\twall\tmaxrss_kb\n' >"$RAW/memory.tsv"
for threads in 1 2; do
    CURRENT_LOG=$RAW/memory.t$threads.log
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$RAW/time.tmp" "$PREDICT" --threads "$threads" --quiet "$MEMFILE" \
        >/dev/null 2>"$CURRENT_LOG"
    end=$(date +%s.%N)
    printf '%s\t%s\t%s\n' "$threads" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')" \
        "$(cat "$RAW/time.tmp")" >>"$RAW/memory.tsv"
done
rm -f "$RAW/time.tmp" "$RAW/stderr.tmp"

# ------------------------------------------------------------- report
step "writing $OUT/speed.json and $OUT/speed.md"
CURRENT_LOG=$RAW/report.log
# The exact rerun command: ROUNDS plus every setting that differs from its default
command_line="ROUNDS=$ROUNDS"
for pair in SHARED= VENV= MIN_SECONDS=0.5 LONG_ROWS=3000 CYCLE_ROWS=60000 MEM_LINES=1000000 \
            SK_TRAIN=data/messages.csv; do
    v=${pair%%=*}
    if [[ ${!v:-} != "${pair#*=}" ]]; then
        command_line+=" $v=${!v}"
    fi
done
export BENCH_COMMAND="$command_line bash benches/speed.sh"
export BENCH_NPROC=$NPROC
export_run_facts
export BENCH_ROUNDS=$ROUNDS BENCH_MIN_SECONDS=$MIN_SECONDS BENCH_SK_TRAIN=$SK_TRAIN
"$PY" benches/speed.py report --out "$OUT" 2>"$CURRENT_LOG"
step "done in $((SECONDS - START_SECONDS)) s: $OUT/speed.md, $OUT/speed.json"
