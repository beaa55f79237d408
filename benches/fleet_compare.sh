#!/usr/bin/env bash
# The fleet application of issue #15 (N components of webservice, worker and
# task with three traits each, a topology on 3 clusters and one override:
# 3,501 objects for N = 1000), rendered and planned in one hyperfine run:
#   - velac render APP (YAML) and --output json;
#   - velac plan APP --graph dot   (place, render, digest, plan; nothing written);
#   - velac plan APP -o DIR        (the bundle and plan.json written, durably);
#   - the same with $VELAC_BASELINE when set (another build, for before/after).
# Peak RSS of each from /usr/bin/time. Needs hyperfine and /usr/bin/time.
# Usage: benches/fleet_compare.sh [RUNS] [N] [OUT_PARENT]   (OUT_PARENT: where plan writes; default target/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
n="${2:-1000}"
out="${3:-target}"
for tool in hyperfine /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "fleet_compare.sh: $tool is missing" >&2; exit 2; }
done
cargo build --release --quiet
velac=target/release/velac
python3 benches/make_fleet_inputs.py benches/data "$n"
args="benches/data/fleet-app-$n.yaml --clusters benches/data/fleet-clusters.yaml"
cmds=(-n "render" "$velac render $args"
      -n "render --output json" "$velac render $args --output json"
      -n "plan --graph dot" "$velac plan $args --graph dot"
      -n "plan -o" "$velac plan $args -o $out/fleet-plan")
if [ -n "${VELAC_BASELINE:-}" ]; then
    cmds+=(-n "baseline render" "$VELAC_BASELINE render $args"
           -n "baseline plan -o" "$VELAC_BASELINE plan $args -o $out/fleet-plan-baseline")
fi
mkdir -p target/compare
hyperfine --warmup 1 --runs "$runs" --output=null "${cmds[@]}" --export-markdown "target/compare/fleet-$n.md"
cat "target/compare/fleet-$n.md"
for c in "render $args" "render $args --output json" "plan $args -o $out/fleet-plan"; do
    /usr/bin/time -f "peak RSS %M KB: velac $c" "$velac" $c >/dev/null
done
