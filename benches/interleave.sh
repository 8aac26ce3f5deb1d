#!/usr/bin/env bash
# Compares the one-thread throughput of two `predict` binaries on one input in
# interleaved rounds (A B A B …), since this host's speed drifts by 2× within
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
for ((i = 1; i <= rounds; i++)); do
    times=()
    for bin in "$old" "$new"; do
        start=$(date +%s.%N)
        "$bin" --threads 1 --quiet "$input" >/dev/null
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    ratio=$(echo "scale=4; ${times[0]} / ${times[1]}" | bc)
    ratios+=("$ratio")
    echo "round $i: old ${times[0]} s, new ${times[1]} s, new/old throughput $ratio"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{r[NR] = $1} END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median new/old throughput %.3f (range %.3f to %.3f, %d rounds)\n", m, r[1], r[NR], NR }'
