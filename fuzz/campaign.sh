#!/usr/bin/env bash
# A fuzzing campaign over every input surface: fuzz/campaign.sh MINUTES [TARGET...]
#
# Seeds each target's corpus from the repository (tests, examples, built-in
# definitions, plans the release binary writes; the CUE conformance inputs
# too when ../shared exists), runs it for MINUTES with a 2 GB memory and 10 s
# time limit per input, and prints one Markdown row per target: minutes,
# executions, corpus size, findings. Findings (crashes, timeouts, OOMs) are
# left in fuzz/artifacts/TARGET/; each one becomes a regression test.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). libFuzzer's instrumentation
# takes nightly flags: on a stable toolchain RUSTC_BOOTSTRAP=1 enables them.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:?usage: fuzz/campaign.sh MINUTES [TARGET...]}
shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(cue_parse cue_eval app_render definition_load plan_read kubeconfig state_files step_run)
command -v cargo-fuzz >/dev/null || { echo "campaign.sh: cargo-fuzz is not installed (cargo install cargo-fuzz)" >&2; exit 2; }
# Only cargo-fuzz's builds get it: exported, it would change every
# fingerprint of the project's own release build and rebuild it all.
bootstrap=()
rustc --version | grep -q nightly || bootstrap=(env RUSTC_BOOTSTRAP=1)

seeds=fuzz/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
put() { # put TARGET NAME < content
  mkdir -p "$seeds/$1"
  cat >"$seeds/$1/$2"
}
n=0
for f in $(find tests examples definitions -name '*.cue' | sort) $(ls ../shared/conformance/*/*.cue 2>/dev/null | sort); do
  n=$((n + 1))
  put cue_parse "$n" <"$f"
  put cue_eval "$n" <"$f"
done
n=0
for f in $(find definitions -name '*.cue' | sort); do
  n=$((n + 1))
  { printf '\0'; cat "$f"; } | put definition_load "cue-$n"
done
n=0
for f in $(grep -rl --include='*.yaml' -e 'kind: ComponentDefinition' -e 'kind: TraitDefinition' tests examples | sort); do
  n=$((n + 1))
  { printf '\1'; cat "$f"; } | put definition_load "yaml-$n"
done
n=0
for f in $(find definitions/workflowstep -name '*.cue' | sort); do
  n=$((n + 1))
  { cat "$f"; printf '\n---parameter---\n{}\n---reply---\n{"value": 1}'; } | put step_run "$n"
done
cargo build --release --quiet
n=0
for app in $(grep -rl --include='*.yaml' 'kind: Application' examples tests | sort); do
  n=$((n + 1))
  dir=$(dirname "$app")
  if [[ -f $dir/clusters.yaml ]]; then
    { cat "$app"; printf '\n---clusters---\n'; cat "$dir/clusters.yaml"; } | put app_render "$n"
    args=(--clusters "$dir/clusters.yaml")
  else
    put app_render "$n" <"$app"
    args=()
  fi
  # A plan of it, in plan_read's layout (plan.json, then each bundle file).
  out=$(mktemp -d)
  if target/release/velac plan "$app" "${args[@]}" -o "$out/p" >/dev/null 2>&1; then
    {
      cat "$out/p/plan.json"
      (cd "$out/p" && find . -type f ! -name plan.json | sort | sed 's|^\./||') | while read -r rel; do
        printf '\n---file %s---\n' "$rel"
        cat "$out/p/$rel"
      done
    } | put plan_read "$n"
  fi
  rm -rf "$out"
done
put kubeconfig one <<'EOF'
apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: "LS0tLS1CRUdJTg=="}
users:
- name: admin
  user: {token: "t0ken"}
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: apps}
EOF
{ printf '\0'; printf '{"revision":"app-v1","phase":"running","steps":[]}'; } | put state_files status
{ printf '\1'; printf '{"vars":{"a":1}}'; } | put state_files context
{ printf '\2'; printf '{"name":"prod","endpoint":"https://127.0.0.1:6443","labels":{"env":"prod"}}'; } | put state_files cluster

echo "| target | minutes | executions | corpus | findings |"
echo "|---|---|---|---|---|"
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  log=$(mktemp)
  set +e
  "${bootstrap[@]}" cargo fuzz run --release "$t" "fuzz/corpus/$t" "$seeds/$t" -- \
    -max_total_time=$((minutes * 60)) -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -close_fd_mask=3 >"$log" 2>&1
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  found=$(find "fuzz/artifacts/$t" -type f | wc -l)
  echo "| $t | $minutes | ${execs:-?} | $corpus | $found |"
  [[ $found -eq 0 ]] || grep -E 'ERROR|SUMMARY' "$log" | head -3 >&2
  rm -f "$log"
done
