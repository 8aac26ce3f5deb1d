#!/usr/bin/env bash
# Compares the one-thread throughput of two `predict` binaries on one input in
# interleaved rounds (A B, B A, …), since this host's speed drifts by 2× within
# minutes: only ratios taken side by side in the same round mean anything.
#
#   bash benches/interleave.sh OLD_PREDICT NEW_PREDICT INPUT [ROUNDS]
#
# Prints each round and the median NEW/OLD throughput ratio with its range.
# Example (the README's speed note): build commit 12932ca in a worktree, then
#   bash benches/interleave.sh ../old/target/release/predict target/release/predict messages20.csv 10
# where messages20.csv is data/messages.csv repeated 20 times (id,text).
# This compares two builds; the benchmark's own speed comparisons (pipeline
# vs lindera, predict vs scikit-learn, threads, memory) are benches/speed.sh.
set -euo pipefail
old=$1 new=$2 input=$3 rounds=${4:-10}
ratios=()
# Seconds of wall time of one run of binary $1.
run() {
    local start end
    start=$(date +%s.%N)
    "$1" --threads 1 --quiet "$input" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
for ((i = 1; i <= rounds; i++)); do
    # The binary that runs second in a round was seen to be slower here, so
    # the order alternates: old first in odd rounds, new first in even ones.
    if ((i % 2)); then
        old_time=$(run "$old")
        new_time=$(run "$new")
    else
        new_time=$(run "$new")
        old_time=$(run "$old")
    fi
    ratio=$(echo "scale=4; $old_time / $new_time" | bc)
    ratios+=("$ratio")
    echo "round $i: old $old_time s, new $new_time s, new/old throughput $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1} END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median new/old throughput %.3f (range %.3f to %.3f, %d rounds)\n", m, r[1], r[NR], NR }'
