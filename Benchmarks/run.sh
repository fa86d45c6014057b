#!/usr/bin/env bash
# Import benchmark: htdb import against the sqlite3 shell's `.import --csv` of the same file into one untyped
# table, side by side in one run; peak RSS of both at ROWS and at 4 x ROWS. Writes BENCHMARKS.md.
#
#   swift build -c release && Benchmarks/run.sh [ROWS]      (default 1000000 victim rows)
#
# Every time is the median of RUNS runs (default 3) of the whole process; ratios compare medians of the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-1000000}
RUNS=${RUNS:-3}
HTDB=${HTDB:-.build/release/htdb}
WORK=${WORK:-$(mktemp -d /tmp/htdb-bench.XXXXXX)}
OUT=${OUT:-BENCHMARKS.md}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -x "$HTDB" ] || { echo "build first: swift build -c release" >&2; exit 1; }

# The generator writes about 1.67 rows per case.
cases_for() { echo $(( $1 * 3 / 5 )); }

# run_timed LABEL CMD...: runs CMD, prints "seconds max_rss_kib".
run_timed() {
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; exit 1; }
    cat "$WORK/time"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

bench_import() {  # FILE RUNS -> sets H_SEC H_RSS S_SEC S_RSS
    local file=$1 runs=$2 h_times=() s_times=() h_rss=0 s_rss=0
    for _ in $(seq "$runs"); do
        rm -f "$WORK/h.db" "$WORK/h.db-wal" "$WORK/h.db-shm" "$WORK/s.db"
        "$HTDB" init --db "$WORK/h.db" >/dev/null
        read -r sec rss < <(run_timed "$HTDB" import "$file" --db "$WORK/h.db" --no-progress)
        h_times+=("$sec"); [ "$rss" -gt "$h_rss" ] && h_rss=$rss
        read -r sec rss < <(run_timed sqlite3 "$WORK/s.db" ".import --csv $file flat")
        s_times+=("$sec"); [ "$rss" -gt "$s_rss" ] && s_rss=$rss
    done
    H_SEC=$(printf '%s\n' "${h_times[@]}" | median); S_SEC=$(printf '%s\n' "${s_times[@]}" | median)
    H_RSS=$h_rss; S_RSS=$s_rss
}

echo "generating $ROWS and $((ROWS * 4)) rows in $WORK ..." >&2
"$HTDB" sample generate --cases "$(cases_for "$ROWS")" --seed 1 --out "$WORK/rows.csv" 2>/dev/null
"$HTDB" sample generate --cases "$(cases_for $((ROWS * 4)))" --seed 2 --out "$WORK/rows4.csv" 2>/dev/null
N1=$(( $(wc -l <"$WORK/rows.csv") - 1 )); N4=$(( $(wc -l <"$WORK/rows4.csv") - 1 ))

echo "import of $N1 rows, $RUNS runs each ..." >&2
bench_import "$WORK/rows.csv" "$RUNS"; H1=$H_SEC; S1=$S_SEC; HR1=$H_RSS; SR1=$S_RSS
echo "import of $N4 rows, 1 run each ..." >&2
bench_import "$WORK/rows4.csv" 1; H4=$H_SEC; S4=$S_SEC; HR4=$H_RSS; SR4=$S_RSS

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
    echo "# Benchmarks"
    echo
    echo "Measured by \`Benchmarks/run.sh $ROWS\` (after \`swift build -c release\`) on $(date -u +%Y-%m-%d),"
    echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr),"
    echo "SQLite $(sqlite3 --version | cut -d' ' -f1), $(swift --version 2>/dev/null | head -1)."
    echo "Machines here are shared and noisy: compare the ratios, which come from runs side by side in one script."
    echo
    echo "## Import"
    echo
    echo "\`htdb import FILE\` into a fresh database (validation, normalization, one transaction) against"
    echo "\`sqlite3 DB \".import --csv FILE flat\"\` (one untyped table, no checks) on the same generated file"
    echo "(\`htdb sample generate\`). Times: median of $RUNS whole-process runs at $N1 rows, one run at $N4 rows."
    echo "Peak RSS from \`/usr/bin/time\`."
    echo
    echo "| rows | htdb import | sqlite3 .import | ratio | htdb peak RSS | sqlite3 peak RSS |"
    echo "|---:|---:|---:|---:|---:|---:|"
    echo "| $N1 | $H1 s | $S1 s | $(ratio "$H1" "$S1")× | $(mib "$HR1") MiB | $(mib "$SR1") MiB |"
    echo "| $N4 | $H4 s | $S4 s | $(ratio "$H4" "$S4")× | $(mib "$HR4") MiB | $(mib "$SR4") MiB |"
    echo
    echo "Targets: import at most 1.5× the sqlite3 shell (goal 1.0×); peak RSS under 64 MiB at both sizes."
} >"$OUT.tmp"
# Keep any hand-written notes below the generated part.
if [ -f "$OUT" ] && grep -q '^<!-- notes -->' "$OUT"; then sed -n '/^<!-- notes -->/,$p' "$OUT" >>"$OUT.tmp"; fi
mv "$OUT.tmp" "$OUT"
cat "$OUT"
rm -rf "$WORK"
