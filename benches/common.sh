# Sourced by compare.sh and speed.sh: progress lines on stderr and an error
# trap that names the script and line and shows the end of the current log
# (the script sets CURRENT_LOG while a step writes one).
CURRENT_LOG=""

step() { printf '==> [%s] %s\n' "$(date +%T)" "$*" >&2; }

on_error() {
    local code=$? line=$1
    echo "$(basename "$0"): failed (exit $code) at line $line" >&2
    if [[ -n $CURRENT_LOG && -s $CURRENT_LOG ]]; then
        echo "--- last lines of $CURRENT_LOG ---" >&2
        tail -n 25 "$CURRENT_LOG" >&2
    fi
    exit "$code"
}
trap 'on_error $LINENO' ERR

# Exits 1 naming the first of the given commands that is missing.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$(basename "$0"): $tool not found" >&2; exit 1; }
    done
}

# The source state measured ("COMMIT DIRTY_FILES"): recorded at the start by
# start_run, compared again at the end so a report can warn when it changed.
source_state() {
    echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
         "$(git status --porcelain --untracked-files=no 2>/dev/null | wc -l)"
}

# Records START_SECONDS, LOAD_START, COMMIT_START and DIRTY_START.
start_run() {
    START_SECONDS=$SECONDS
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    read -r COMMIT_START DIRTY_START < <(source_state)
}

# Exports the machine and run description the report writers read
# (BENCH_CPU, BENCH_RAM, BENCH_DATE, load averages, rustc, commits, seconds).
export_run_facts() {
    local commit_end dirty_end
    BENCH_CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
    BENCH_RAM=$(free -h | awk '/^Mem:/ { print $2 }')
    BENCH_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    BENCH_LOAD_START=$LOAD_START
    BENCH_LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
    BENCH_RUSTC=$(rustc --version 2>/dev/null || echo unknown)
    read -r commit_end dirty_end < <(source_state)
    BENCH_COMMIT=$COMMIT_START BENCH_DIRTY=$DIRTY_START
    BENCH_COMMIT_END=$commit_end BENCH_DIRTY_END=$dirty_end
    BENCH_SECONDS=$((SECONDS - START_SECONDS))
    export BENCH_CPU BENCH_RAM BENCH_DATE BENCH_LOAD_START BENCH_LOAD_END BENCH_RUSTC \
        BENCH_COMMIT BENCH_DIRTY BENCH_COMMIT_END BENCH_DIRTY_END BENCH_SECONDS
}
