#!/usr/bin/env bash
# Builds and runs the libFuzzer targets in Fuzz/ (Linux, swiftc with -sanitize=fuzzer,address).
#
# Usage: scripts/fuzz.sh [SECONDS] [target]
#   SECONDS  how long to fuzz each target (default 600); 0 builds and replays regressions only
#   target   csv | validator | all (default all)
#
# Everything is built in .build-fuzz/ (git-ignored). Each target first replays every file in Fuzz/regressions/
# (the script fails if any crashes), then fuzzes a copy of its seed corpus (Fuzz/corpus/<target>/) for SECONDS
# with -rss_limit_mb=2048. New crashing inputs are left in .build-fuzz/artifacts/<target>/; copy them to
# Fuzz/regressions/ once fixed.
set -euo pipefail
# The Swift runtime's crash handler reads memory ASan considers poisoned; libFuzzer reports the trap itself.
export SWIFT_BACKTRACE=enable=no

SECONDS_PER_TARGET="${1:-600}"
WHICH="${2:-all}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
B="$ROOT/.build-fuzz"
mkdir -p "$B/modules"

case "$WHICH" in csv | validator | all) ;; *) echo "usage: $0 [SECONDS] [csv|validator|all]" >&2; exit 64 ;; esac

SWIFTC="${SWIFTC:-swiftc}"
# -O keeps bounds, overflow and precondition checks; -g for readable stack traces.
COMMON=(-O -g -swift-version 6 -parse-as-library -sanitize=fuzzer,address -use-ld=lld -I "$B/modules" -I Sources/CSQLite)

module() { # name, sources...
    local name="$1"; shift
    echo "== building module $name" >&2
    "$SWIFTC" "${COMMON[@]}" -wmo -module-name "$name" -emit-module -emit-module-path "$B/modules/$name.swiftmodule" \
        -c -o "$B/$name.o" "$@"
}

# The migrations the CaseStore module embeds, generated as the EmbedMigrations plugin does.
echo "== generating EmbeddedMigrations.swift" >&2
"$SWIFTC" -O Sources/MigrationEmbedder/main.swift -o "$B/MigrationEmbedder"
"$B/MigrationEmbedder" "$B/EmbeddedMigrations.swift" Migrations/*.sql

module CSV Sources/CSV/*.swift
build_csv() {
    echo "== linking fuzz-csv" >&2
    "$SWIFTC" "${COMMON[@]}" -module-name FuzzCSV Fuzz/CSVReaderFuzz.swift "$B/CSV.o" -o "$B/fuzz-csv"
}
build_validator() {
    module SQLite Sources/SQLite/*.swift
    module CaseStore $(find Sources/CaseStore -name '*.swift' | sort) "$B/EmbeddedMigrations.swift"
    echo "== linking fuzz-validator" >&2
    "$SWIFTC" "${COMMON[@]}" -module-name FuzzValidator Fuzz/RowValidatorFuzz.swift \
        "$B/CSV.o" "$B/SQLite.o" "$B/CaseStore.o" -lsqlite3 -o "$B/fuzz-validator"
}

TARGETS=()
[[ "$WHICH" == all || "$WHICH" == csv ]] && { build_csv; TARGETS+=(csv); }
[[ "$WHICH" == all || "$WHICH" == validator ]] && { build_validator; TARGETS+=(validator); }

status=0
for target in "${TARGETS[@]}"; do
    binary="$B/fuzz-$target"
    # Replay every regression input (both targets get all of them: an input for one is just bytes to the other).
    mapfile -t regressions < <(find Fuzz/regressions -type f ! -name .gitkeep | sort)
    if ((${#regressions[@]})); then
        echo "== $target: replaying ${#regressions[@]} regression input(s)" >&2
        if ! "$binary" -rss_limit_mb=2048 "${regressions[@]}" >"$B/replay-$target.log" 2>&1; then
            tail -40 "$B/replay-$target.log" >&2
            echo "FAIL: $target crashes on a regression input (log: $B/replay-$target.log)" >&2
            exit 1
        fi
    fi
    ((SECONDS_PER_TARGET > 0)) || continue

    corpus="$B/corpus/$target"
    artifacts="$B/artifacts/$target/"
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts"
    cp Fuzz/corpus/"$target"/* "$corpus"/
    echo "== $target: fuzzing for ${SECONDS_PER_TARGET}s (log: $B/fuzz-$target.log)" >&2
    set +e
    "$binary" "$corpus" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -max_len=4096 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$artifacts" >"$B/fuzz-$target.log" 2>&1
    rc=$?
    set -e
    echo "== $target: exit $rc"
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|^#[0-9]+ +DONE' \
        "$B/fuzz-$target.log" || true
    if ((rc != 0)); then
        grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$B/fuzz-$target.log" | head -10
        echo "FAIL: $target found a crash; inputs in $artifacts" >&2
        status=1
    fi
done
exit $status
