#!/usr/bin/env bash
# How velac grows with the fleet (issue #15): the fleet application of
# benches/make_fleet_inputs.py for N components (3 clusters, so 3.5 N objects)
# rendered, planned, and two plans diffed, with peak RSS, for each N given.
#   - render:  velac render APP (YAML to stdout)
#   - plan:    velac plan APP -o DIR (the bundle and plan.json written durably,
#              into a fresh directory each run)
#   - diff:    velac diff PLAN_A PLAN_B, where B changes one component's image
#              (exit 1: changes found)
# Medians of RUNS runs (/usr/bin/time, one at a time); time per object is the
# median divided by the object count. Needs python3 and /usr/bin/time.
# Usage: benches/fleet_scale.sh [RUNS] [N...]   (default: 3 runs; N = 100 1000 10000)
# OUT_PARENT (environment): where plans are written; default target/fleet-scale.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 10000)
out="${OUT_PARENT:-target/fleet-scale}"
for tool in /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "fleet_scale.sh: $tool is missing" >&2; exit 2; }
done
cargo build --release --quiet
velac=target/release/velac
mkdir -p "$out"

# Prints "SECONDS KB" of one run of the command.
measure() {
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || {
        code=$?
        # velac diff exits 1 when it finds changes.
        if [ "$1" != "$velac" ] || [ "$2" != diff ] || [ $code -ne 1 ]; then
            cat "$out/stderr.txt" >&2
            exit 1
        fi
    }
    tail -n 1 "$out/time.txt"
}

# Median seconds and the largest peak RSS (MB) of RUNS runs.
median() {
    local times=() peak=0 t kb
    for _ in $(seq "$runs"); do
        [ -n "${PREPARE:-}" ] && eval "$PREPARE"
        read -r t kb < <(measure "$@")
        times+=("$t")
        [ "$kb" -gt "$peak" ] && peak=$kb
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v p="$peak" '{a[NR]=$1} END {printf "%.2f %d\n", a[int((NR+1)/2)], p/1024}'
}

echo "| N | objects | render | per object | plan -o | per object | diff of two plans | peak RSS render / plan / diff |"
echo "|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    python3 benches/make_fleet_inputs.py benches/data "$n" >/dev/null
    app="benches/data/fleet-app-$n.yaml"
    changed="$out/fleet-app-$n-changed.yaml"
    sed 's#"example/web:1.3"#"example/web:1.3-patched"#' "$app" >"$changed"
    cl="--clusters benches/data/fleet-clusters.yaml"
    read -r rt rm < <(median "$velac" render "$app" $cl)
    read -r pt pm < <(PREPARE="rm -rf $out/plan-$n" median "$velac" plan "$app" $cl -o "$out/plan-$n")
    "$velac" plan "$changed" $cl -o "$out/plan-$n-changed" >/dev/null
    read -r dt dm < <(median "$velac" diff "$out/plan-$n" "$out/plan-$n-changed")
    objects=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['objects']))" "$out/plan-$n/index.json")
    per() { awk -v t="$1" -v n="$objects" 'BEGIN {printf "%.0f µs", t * 1e6 / n}'; }
    echo "| $n | $objects | ${rt} s | $(per "$rt") | ${pt} s | $(per "$pt") | ${dt} s | $rm / $pm / $dm MB |"
done
