#!/usr/bin/env bash
# Benchmark `cudoctor explain` (or, until the CLI exists, the cudoctor-explain `scan` example)
# against `rg -c -f` (when ripgrep is installed) and `grep -E -c -f` over the same signature
# regexes, on the same generated log.
#
#   bench/explain.sh                 # ~1 GB log in /tmp, 3 runs each, deleted afterwards
#   SIZE=200000000 RUNS=5 bench/explain.sh
#   KEEP=1 bench/explain.sh          # keep the log and the patterns file
#
# Environment: SIZE (bytes, default 1000000000), EVERY (one known error line every EVERY lines,
# default 500000), RUNS (default 3), LOG, PATTERNS (paths, default under /tmp), CARGO_TARGET_DIR.
# Measures wall time and max RSS with /usr/bin/time -v. grep's output goes to a file, not
# /dev/null: GNU grep stops at the first match when its output is /dev/null.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE=${SIZE:-1000000000}
EVERY=${EVERY:-500000}
RUNS=${RUNS:-3}
LOG=${LOG:-/tmp/cudoctor-explain-bench.log}
PATTERNS=${PATTERNS:-/tmp/cudoctor-explain-bench.patterns}
OUT=$(mktemp -d /tmp/cudoctor-explain-bench.XXXXXX)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cleanup() {
    rm -rf "$OUT"
    if [ -z "${KEEP:-}" ]; then rm -f "$LOG" "$PATTERNS"; fi
}
trap cleanup EXIT

if [ ! -x /usr/bin/time ]; then
    echo "error: /usr/bin/time (GNU time) is needed for wall time and max RSS" >&2
    exit 1
fi

echo "== building (release)"
(cd "$ROOT" && cargo build --release -q -p cudoctor-explain --examples)
GENLOG="$TARGET/release/examples/genlog"
SCAN_EXAMPLE="$TARGET/release/examples/scan"

# The CLI is measured when a release build of it is already in $TARGET (this script does not
# build it; rebuild it first if it may be stale). The one-thread row always runs the example: only
# the example reads CUDOCTOR_EXPLAIN_SERIAL.
if [ -x "$TARGET/release/cudoctor" ] && "$TARGET/release/cudoctor" explain --help >/dev/null 2>&1; then
    SCANNER=("$TARGET/release/cudoctor" explain --format json "$LOG")
    SCANNER_NAME="cudoctor explain"
else
    SCANNER=("$SCAN_EXAMPLE" "$LOG")
    SCANNER_NAME="scan example"
fi

echo "== generating $SIZE bytes into $LOG (one known error every $EVERY lines)"
"$GENLOG" "$LOG" "$SIZE" "$EVERY"
"$SCAN_EXAMPLE" --patterns > "$PATTERNS"
echo "patterns: $(wc -l < "$PATTERNS") regexes in $PATTERNS"
cat "$LOG" > /dev/null   # warm the page cache so every run reads from memory

measure() { # name, command...
    local name=$1
    shift
    local i
    for i in $(seq 1 "$RUNS"); do
        # `cudoctor explain` exits 1 when the log holds errors, and `grep -c` exits 1 on no
        # match: the status is printed, not fatal.
        local rc=0
        /usr/bin/time -v -o "$OUT/time" "$@" > "$OUT/stdout" || rc=$?
        local wall rss user sys
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time")
        user=$(sed -n 's/.*User time (seconds): //p' "$OUT/time")
        sys=$(sed -n 's/.*System time (seconds): //p' "$OUT/time")
        printf '%-28s run %d: wall %s  user %ss  sys %ss  max RSS %s KB  exit %d\n' "$name" "$i" "$wall" "$user" "$sys" "$rss" "$rc"
    done
    printf '%-28s output: %s\n' "$name" "$(tail -n 1 "$OUT/stdout")"
}

echo "== machine: $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "$SCANNER_NAME (2 threads)" "${SCANNER[@]}"
CUDOCTOR_EXPLAIN_SERIAL=1 measure "scan example (1 thread)" "$SCAN_EXAMPLE" "$LOG"
if command -v rg >/dev/null 2>&1; then
    measure "rg -c -f" rg -c -f "$PATTERNS" "$LOG"
else
    echo "rg (ripgrep) not installed: skipping the rg -c -f row"
fi
LC_ALL=C measure "grep -E -c -f (LC_ALL=C)" grep -E -c -f "$PATTERNS" "$LOG"
measure "grep -E -c -f (locale)" grep -E -c -f "$PATTERNS" "$LOG"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

cat <<EOF
== rerun by hand
  $GENLOG $LOG $SIZE $EVERY
  $SCAN_EXAMPLE --patterns > $PATTERNS
  /usr/bin/time -v ${SCANNER[*]}
  CUDOCTOR_EXPLAIN_SERIAL=1 /usr/bin/time -v $SCAN_EXAMPLE $LOG
  /usr/bin/time -v rg -c -f $PATTERNS $LOG > /tmp/rg.out
  LC_ALL=C /usr/bin/time -v grep -E -c -f $PATTERNS $LOG > /tmp/grep.out
  rm -f $LOG $PATTERNS
EOF
