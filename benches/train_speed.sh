#!/usr/bin/env bash
# Wall time of the default `train` (held-out split, threshold folds, final
# fit) of two builds on the Super SMS split, in interleaved rounds (A B, then
# B A, …) on a fixed number of threads, since this host's speed drifts within
# minutes: only ratios taken side by side in the same round mean anything.
# Also checks that both builds write the same model bytes.
#
#   bash benches/train_speed.sh OLD_TRAIN NEW_TRAIN [ROUNDS]
#
# Example (issue 19's target, NEW/OLD <= 0.75 on 2 threads): build main in a
# worktree, then
#   bash benches/train_speed.sh ../main/target/release/train target/release/train 6
# Across a change of the model format or features (for example against a
# build from before normalization version 5), the bytes cannot match: set
# COMPARE_BYTES=0 to time the two builds anyway.
# Settings (environment): THREADS (2), COMPARE_BYTES (1), SHARED (../shared, the folder holding
# data/super_sms_dataset), OUT (bench-out/train-speed: the split and the
# models). The split is compare.py's (80/20, stratified, seed 0; needs
# scikit-learn, benches/requirements.txt). Exits 0 with "skipped" when the
# Super SMS data is absent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-6}
threads=${THREADS:-2}
compare_bytes=${COMPARE_BYTES:-1}
out=${OUT:-bench-out/train-speed}
data="${SHARED:-../shared}/data/super_sms_dataset/messages.csv"
if [[ ! -f $data ]]; then
    echo "train_speed.sh: skipped: $data not found (set SHARED to the folder holding data/super_sms_dataset)"
    exit 0
fi
mkdir -p "$out"
if [[ ! -f $out/super/train.csv ]]; then
    python3 benches/compare.py split --data "$data" --test-fraction 0.2 --seed 0 \
        --out-dir "$out/super" >&2
fi

# Seconds of wall time of one default `train` run of binary $1 writing $2.
run() {
    local start end
    start=$(date +%s.%N)
    RAYON_NUM_THREADS=$threads "$1" "$out/super/train.csv" -o "$2" --quiet
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

ratios=()
for ((i = 1; i <= rounds; i++)); do
    if ((i % 2)); then
        t_old=$(run "$old" "$out/old.jscam")
        t_new=$(run "$new" "$out/new.jscam")
    else
        t_new=$(run "$new" "$out/new.jscam")
        t_old=$(run "$old" "$out/old.jscam")
    fi
    if ((compare_bytes)) && ! cmp -s "$out/old.jscam" "$out/new.jscam"; then
        echo "train_speed.sh: round $i: the two builds wrote different model bytes" >&2
        exit 1
    fi
    ratio=$(echo "scale=4; $t_new / $t_old" | bc)
    ratios+=("$ratio")
    printf 'round %d: old %.2f s, new %.2f s, new/old wall time %s (load %s)\n' \
        "$i" "$t_old" "$t_new" "$ratio" "$(cut -d' ' -f1 /proc/loadavg)"
done
bytes=$( ((compare_bytes)) && echo "model bytes identical" || echo "model bytes not compared")
printf '%s\n' "${ratios[@]}" | sort -n | awk -v t="$threads" -v bytes="$bytes" '{r[NR] = $1} END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median new/old wall time %.3f (range %.3f to %.3f, %d rounds, %d threads); %s\n", m, r[1], r[NR], NR, t, bytes }'
