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
