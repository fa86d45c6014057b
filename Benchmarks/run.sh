#!/usr/bin/env bash
# Import benchmark: htdb import against the sqlite3 shell's `.import --csv` of the same file into one untyped
# table, side by side in one run; peak RSS of both at ROWS and at 4 x ROWS. Writes BENCHMARKS.md.
#
#   swift build -c release && Benchmarks/run.sh [ROWS]      (default 1000000 victim rows)
#
# Every time is the median of RUNS runs (default 3) of the whole process, IMPORT_RUNS (default 5) for the import at
# ROWS, where each htdb run is followed by the shell's; ratios compare medians of the same run. (htdb's import uses
# both cores and the shell one: a neighbour's load moves htdb's time more, and five interleaved pairs keep a
# passing burst out of the median.)
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${1:-1000000}
RUNS=${RUNS:-3}
IMPORT_RUNS=${IMPORT_RUNS:-5}
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

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

bench_import() {  # FILE RUNS -> sets H_SEC H_RSS S_SEC S_RSS; leaves the last databases in $WORK/h.db, s.db
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

# Peak memory on the paths that store every row one by one or reject it: FILE imported again with --replace (one
# byte more, so not the same file) into a copy of $WORK/h.db, which holds FILE's import; and FILE with every
# reported_on broken (2017-06-20 -> 2017x06-20; the generator's case ids have no comma) under --on-error skip.
bench_row_by_row() {  # FILE -> sets RP_SEC RP_RSS INV_SEC INV_RSS INV_REJECTED
    local file=$1
    cp "$file" "$WORK/again.csv"; echo >>"$WORK/again.csv"
    cp "$WORK/h.db" "$WORK/r.db"
    read -r RP_SEC RP_RSS < <(run_timed "$HTDB" import "$WORK/again.csv" --db "$WORK/r.db" --replace --no-progress)
    sed '2,$ s/^\([^,]*\),\([0-9][0-9][0-9][0-9]\)-/\1,\2x/' "$file" >"$WORK/invalid.csv"
    rm -f "$WORK/i.db" "$WORK/i.db-wal" "$WORK/i.db-shm"
    read -r INV_SEC INV_RSS < <(run_timed "$HTDB" import "$WORK/invalid.csv" --db "$WORK/i.db" --on-error skip \
        --rejects "$WORK/rejects.csv" --no-progress)
    INV_REJECTED=$(sqlite3 "$WORK/i.db" "SELECT rows_rejected FROM import_batches")
    rm -f "$WORK/again.csv" "$WORK/invalid.csv" "$WORK/rejects.csv" "$WORK/r.db" "$WORK/i.db"
}

echo "generating $ROWS and $((ROWS * 4)) rows in $WORK ..." >&2
"$HTDB" sample generate --cases "$(cases_for "$ROWS")" --seed 1 --out "$WORK/rows.csv" 2>/dev/null
"$HTDB" sample generate --cases "$(cases_for $((ROWS * 4)))" --seed 2 --out "$WORK/rows4.csv" 2>/dev/null
N1=$(( $(wc -l <"$WORK/rows.csv") - 1 )); N4=$(( $(wc -l <"$WORK/rows4.csv") - 1 ))

echo "import of $N1 rows, $IMPORT_RUNS runs each ..." >&2
bench_import "$WORK/rows.csv" "$IMPORT_RUNS"; H1=$H_SEC; S1=$S_SEC; HR1=$H_RSS; SR1=$S_RSS
# Reports on the database of the last 1M import, as whole processes, against the sqlite3 shell's GROUP BY on the
# flat table of the same file.
median_of() {  # CMD... -> median seconds of RUNS runs
    local times=()
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" \
            || { cat "$WORK/stderr" >&2; echo "failed: $*" >&2; exit 1; }
        times+=("$(cat "$WORK/time")")
    done
    printf '%s\n' "${times[@]}" | median
}
echo "reports ..." >&2
# Each report as a whole htdb process against the sqlite3 shell running the nearest GROUP BY on the flat table of
# the same file (raw labels, no normalization: a speed reference, not the same figures). Venues are split with
# json_each; victims are the rows with a victim column.
FLAT_VENUES="json_each('[\"' || replace(venues, ';', '\",\"') || '\"]')"
HOTEL="(venues LIKE '%hotel_motel%' OR venues LIKE '%Hotel/Motel%' OR venues LIKE '%Hotels/Motels%')"
VICTIM_ROWS="(victim_id != '' OR victim_gender != '' OR victim_age_group != '' OR victim_age != '' OR victim_citizenship != '')"
REPORTS=(
    "--by type|SELECT trafficking_type, count(DISTINCT case_id) FROM flat GROUP BY 1"
    "--by venue|SELECT value, count(DISTINCT case_id) FROM flat, $FLAT_VENUES WHERE venues != '' GROUP BY 1"
    "--by state|SELECT state, count(DISTINCT case_id) FROM flat GROUP BY 1"
    "--by county|SELECT state, county, count(DISTINCT case_id) FROM flat GROUP BY 1, 2"
    "--by year|SELECT substr(reported_on, 1, 4), count(DISTINCT case_id) FROM flat GROUP BY 1"
    "--by gender|SELECT victim_gender, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1"
    "--by age_group|SELECT victim_age_group, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1"
    "--by citizenship|SELECT victim_citizenship, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1"
    "--by type,gender|SELECT trafficking_type, victim_gender, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1, 2"
    "--by type,venue|SELECT trafficking_type, value, count(DISTINCT case_id) FROM flat, $FLAT_VENUES WHERE venues != '' GROUP BY 1, 2"
    "--by county --state CA|SELECT county, count(DISTINCT case_id) FROM flat WHERE state = 'CA' GROUP BY 1"
    "--by gender --year 2021 --state CA|SELECT victim_gender, count(*) FROM flat WHERE state = 'CA' AND reported_on LIKE '2021%' AND $VICTIM_ROWS GROUP BY 1"
    "--by gender --state CA --county 06037|SELECT victim_gender, count(*) FROM flat WHERE state = 'CA' AND county IN ('Los Angeles', 'Los Angeles County', '06037') AND $VICTIM_ROWS GROUP BY 1"
    "--by venue,gender|SELECT value, victim_gender, count(*) FROM flat, $FLAT_VENUES WHERE venues != '' AND $VICTIM_ROWS GROUP BY 1, 2"
    "--by county,gender|SELECT state, county, victim_gender, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1, 2, 3"
    "--by county,venue|SELECT state, county, value, count(DISTINCT case_id) FROM flat, $FLAT_VENUES WHERE venues != '' GROUP BY 1, 2, 3"
    "--by county --venue hotel_motel|SELECT state, county, count(DISTINCT case_id) FROM flat WHERE $HOTEL GROUP BY 1, 2"
    "--by county,venue --year 2021|SELECT state, county, value, count(DISTINCT case_id) FROM flat, $FLAT_VENUES WHERE venues != '' AND reported_on LIKE '2021%' GROUP BY 1, 2, 3"
    "--by county,gender --venue hotel_motel|SELECT state, county, victim_gender, count(*) FROM flat WHERE $HOTEL AND $VICTIM_ROWS GROUP BY 1, 2, 3"
)
REPORT_ROWS=""
for entry in "${REPORTS[@]}"; do
    args=${entry%%|*}; sql=${entry#*|}
    # shellcheck disable=SC2086
    sec=$(median_of "$HTDB" report $args --db "$WORK/h.db")
    ref=$(median_of sqlite3 "$WORK/s.db" "$sql")
    REPORT_ROWS+="| \`htdb report $args\` | $sec s | $ref s | $(ratio "$sec" "$ref")× |"$'\n'
done
SUMMARY_SEC=$(median_of "$HTDB" summary --year 2021 --state CA --county "Los Angeles" --db "$WORK/h.db")
SUMMARY_REF=$(median_of sqlite3 "$WORK/s.db" "SELECT trafficking_type, count(DISTINCT case_id) FROM flat WHERE state = 'CA' AND county IN ('Los Angeles', 'Los Angeles County', '06037') AND reported_on LIKE '2021%' GROUP BY 1; SELECT victim_gender, count(*) FROM flat WHERE state = 'CA' AND county IN ('Los Angeles', 'Los Angeles County', '06037') AND reported_on LIKE '2021%' GROUP BY 1")
SUMMARY_ALL_SEC=$(median_of "$HTDB" summary --db "$WORK/h.db")
SUMMARY_ALL_REF=$(median_of sqlite3 "$WORK/s.db" "SELECT trafficking_type, count(DISTINCT case_id) FROM flat GROUP BY 1; SELECT victim_gender, count(*) FROM flat WHERE $VICTIM_ROWS GROUP BY 1")

# DuckDB (PyPI package) as a further reference, when it can be imported: its CSV load into a table and the type
# breakdown, each as a whole python3 process.
DUCKDB_ROWS=""
if python3 -c "import duckdb" 2>/dev/null; then
    echo "duckdb ..." >&2
    DUCK_LOAD=$(median_of python3 -c "import duckdb, os
p = '$WORK/d.duckdb'
os.path.exists(p) and os.remove(p)
duckdb.connect(p).execute(\"CREATE TABLE flat AS SELECT * FROM read_csv('$WORK/rows.csv', all_varchar = true)\")")
    DUCK_TYPE=$(median_of python3 -c "import duckdb
duckdb.connect('$WORK/d.duckdb', read_only = True).execute('SELECT trafficking_type, count(DISTINCT case_id) FROM flat GROUP BY 1').fetchall()")
    DUCKDB_ROWS="DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)') (python3 package, whole processes): \`read_csv\` load of the $N1-row file into a table $DUCK_LOAD s; type breakdown $DUCK_TYPE s."
else
    DUCKDB_ROWS="DuckDB: skipped (\`python3 -c 'import duckdb'\` failed; \`pip install duckdb\` adds it)."
fi

# Export: htdb export victims against the sqlite3 shell writing the same rows and columns in CSV mode (labels joined
# from the lookup tables). htdb's own SELECT reads the label tables once and a case's columns once per case.
EXPORT_SQL="SELECT c.case_ref AS case_id, c.reported_on, c.year, c.state, c.county_fips, c.city, c.trafficking_type, \
x.victim_ref AS victim_id, x.position, x.gender, g.label AS gender_label, x.age_group, a.label AS age_group_label, \
x.age, x.citizenship, z.label AS citizenship_label \
FROM victims x JOIN cases c ON c.id = x.case_id JOIN genders g ON g.code = x.gender \
JOIN age_groups a ON a.code = x.age_group JOIN citizenships z ON z.code = x.citizenship \
ORDER BY x.case_id, x.position"
echo "export ..." >&2
VICTIMS=$(sqlite3 "$WORK/h.db" "SELECT count(*) FROM victims")
EXPORT_SEC=$(median_of "$HTDB" export victims --db "$WORK/h.db" --out "$WORK/export.csv")
read -r _ EXPORT_RSS < <(run_timed "$HTDB" export victims --db "$WORK/h.db" --out "$WORK/export.csv")
SQLITE_EXPORT_SEC=$(median_of sh -c "sqlite3 -csv -header '$WORK/h.db' \"$EXPORT_SQL\" > '$WORK/sqlite-export.csv'")

echo "--replace and every row rejected, $N1 rows ..." >&2
bench_row_by_row "$WORK/rows.csv"; RP1=$RP_SEC; RPR1=$RP_RSS; INV1=$INV_SEC; INVR1=$INV_RSS; INVN1=$INV_REJECTED

echo "import of $N4 rows, 1 run each ..." >&2
bench_import "$WORK/rows4.csv" 1; H4=$H_SEC; S4=$S_SEC; HR4=$H_RSS; SR4=$S_RSS
echo "--replace and every row rejected, $N4 rows ..." >&2
bench_row_by_row "$WORK/rows4.csv"; RP4=$RP_SEC; RPR4=$RP_RSS; INV4=$INV_SEC; INVR4=$INV_RSS; INVN4=$INV_REJECTED


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
    echo "(\`htdb sample generate\`). Times: median of $IMPORT_RUNS whole-process runs at $N1 rows (each htdb run followed"
    echo "by the shell's), one run at $N4 rows."
    echo "Peak RSS from \`/usr/bin/time\`."
    echo
    echo "| rows | htdb import | sqlite3 .import | ratio | htdb peak RSS | sqlite3 peak RSS |"
    echo "|---:|---:|---:|---:|---:|---:|"
    echo "| $N1 | $H1 s | $S1 s | $(ratio "$H1" "$S1")× | $(mib "$HR1") MiB | $(mib "$SR1") MiB |"
    echo "| $N4 | $H4 s | $S4 s | $(ratio "$H4" "$S4")× | $(mib "$HR4") MiB | $(mib "$SR4") MiB |"
    echo
    echo "Targets: import at most 1.5× the sqlite3 shell (goal 1.0×); peak RSS under 64 MiB at both sizes."
    echo
    echo "Where every row is stored one by one or rejected (one run each): the same rows imported again with"
    echo "\`--replace\` into the database of their import (every case replaced), and the file with every row's"
    echo "reported_on made invalid, under \`--on-error skip\` (rows rejected: $INVN1 and $INVN4)."
    echo
    echo "| rows | \`--replace\` of every case | peak RSS | every row rejected | peak RSS |"
    echo "|---:|---:|---:|---:|---:|"
    echo "| $N1 | $RP1 s | $(mib "$RPR1") MiB | $INV1 s | $(mib "$INVR1") MiB |"
    echo "| $N4 | $RP4 s | $(mib "$RPR4") MiB | $INV4 s | $(mib "$INVR4") MiB |"
    echo
    echo "## Reports"
    echo
    echo "Whole-process times (median of $RUNS) on the database of the $N1-row import, each against the sqlite3"
    echo "shell running the nearest GROUP BY on the flat table of the same file (the queries are in Benchmarks/run.sh)."
    echo
    echo "| command | htdb | sqlite3 flat GROUP BY | ratio |"
    echo "|---|---:|---:|---:|"
    printf '%s' "$REPORT_ROWS"
    echo "| \`htdb summary --year 2021 --state CA --county \"Los Angeles\"\` | $SUMMARY_SEC s | $SUMMARY_REF s | $(ratio "$SUMMARY_SEC" "$SUMMARY_REF")× |"
    echo "| \`htdb summary\` | $SUMMARY_ALL_SEC s | $SUMMARY_ALL_REF s | $(ratio "$SUMMARY_ALL_SEC" "$SUMMARY_ALL_REF")× |"
    echo
    echo "Target: every report and the summary under 200 ms, and faster than the flat GROUP BY."
    echo
    echo "$DUCKDB_ROWS"
    echo
    echo "## Export"
    echo
    echo "\`htdb export victims --out FILE\` ($VICTIMS victims) against \`sqlite3 -csv -header DB \"SELECT ...\" > FILE\`"
    echo "(the same rows and columns; the SELECT is in Benchmarks/run.sh). Median of $RUNS runs."
    echo
    echo "| htdb export | sqlite3 -csv | ratio | htdb peak RSS |"
    echo "|---:|---:|---:|---:|"
    echo "| $EXPORT_SEC s | $SQLITE_EXPORT_SEC s | $(ratio "$EXPORT_SEC" "$SQLITE_EXPORT_SEC")× | $(mib "$EXPORT_RSS") MiB |"
    echo
    echo "Target: ratio at most 1.0 with flat memory."
} >"$OUT.tmp"
# Keep any hand-written notes below the generated part.
if [ -f "$OUT" ] && grep -q '^<!-- notes -->' "$OUT"; then sed -n '/^<!-- notes -->/,$p' "$OUT" >>"$OUT.tmp"; fi
mv "$OUT.tmp" "$OUT"
cat "$OUT"
rm -rf "$WORK"
