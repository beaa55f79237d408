#!/usr/bin/env bash
# What `velac explain` costs, and what asking for nothing costs: on the
# rendering benchmark's application (N webservice components, each with the
# scaler, expose and labels traits), in one hyperfine run:
#   - velac render APP                 (no origins kept: the ordinary path);
#   - velac explain APP                (every leaf of every object explained, text);
#   - velac explain APP --output json;
#   - $VELAC_BASELINE render APP       when set: another build, to see that
#                                      render did not get slower.
# Needs hyperfine. Usage: benches/explain_compare.sh [RUNS] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
n="${2:-1000}"
command -v hyperfine >/dev/null || { echo "explain_compare.sh: hyperfine is missing" >&2; exit 2; }
cargo build --release --quiet
velac=target/release/velac
python3 benches/make_render_inputs.py benches/data 10 100 "$n" >/dev/null
app=benches/data/render-app-$n.yaml
cmds=(-n "velac render" "$velac render $app"
      -n "velac explain" "$velac explain $app"
      -n "velac explain --output json" "$velac explain $app --output json")
if [ -n "${VELAC_BASELINE:-}" ]; then
    cmds+=(-n "baseline render" "$VELAC_BASELINE render $app")
fi
mkdir -p target/compare
hyperfine --warmup 1 --runs "$runs" --output=null "${cmds[@]}" \
    --export-markdown "target/compare/explain-$n.md"
cat "target/compare/explain-$n.md"
