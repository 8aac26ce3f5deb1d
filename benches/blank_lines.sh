#!/usr/bin/env bash
# Peak memory (RSS) of `predict` on CSV input made of a header and N blank
# lines, with LF and with CRLF line ends (issue 20, N69): blank lines are
# counted as runs, not stored one by one, so the figure should stay flat as
# N grows. The test suite checks the mechanism (src/data/read.rs,
# blank_lines_are_counted_as_runs); the memory figure lives here.
#
#   bash benches/blank_lines.sh                    # N = 50,000,000 (LF and CRLF)
#   BLANK_LINES=1000000 bash benches/blank_lines.sh
#
# Needs GNU time (/usr/bin/time -v) and a release build (built here).
# Prints one line per line end: "LF 50000000 blank lines: max RSS 9.1 MB, 41 s".
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh
require_tools /usr/bin/time cargo
BLANK_LINES=${BLANK_LINES:-50000000}

step "building predict (release)"
nice -n 10 cargo build --release --quiet --bin predict
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for end in LF CRLF; do
    input=$work/blank_$end.csv
    step "$end: writing $BLANK_LINES blank lines"
    if [[ $end == LF ]]; then
        { echo text; head -c "$BLANK_LINES" /dev/zero | tr '\0' '\n'; } >"$input"
    else
        { printf 'text\r\n'; awk -v n="$BLANK_LINES" 'BEGIN { for (i = 0; i < n; i++) printf "\r\n" }'; } >"$input"
    fi
    step "$end: predict"
    CURRENT_LOG=$work/time_$end.log
    start=$SECONDS
    /usr/bin/time -v target/release/predict --quiet "$input" >/dev/null 2>"$CURRENT_LOG"
    kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$CURRENT_LOG")
    awk -v end="$end" -v n="$BLANK_LINES" -v kb="$kb" -v s=$((SECONDS - start)) \
        'BEGIN { printf "%s %d blank lines: max RSS %.1f MB, %d s\n", end, n, kb / 1024, s }'
    rm -f "$input"
done
