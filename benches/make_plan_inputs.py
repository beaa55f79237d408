#!/usr/bin/env python3
"""Builds the plan benchmark input: N webservice components (scaler, expose,
labels) deployed by one topology policy to the K clusters whose labels match.

Writes benches/data/plan-app-N.yaml and benches/data/plan-clusters-K.yaml
(K matching clusters plus K/2 that do not match).
Usage: make_plan_inputs.py [DIR] [N] [K]
"""
import json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "benches/data")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    os.makedirs(out, exist_ok=True)
    comps = []
    for i in range(n):
        comps.append({
            "name": f"svc-{i}", "type": "webservice",
            "properties": {"image": f"example/svc:1.{i}", "ports": [{"port": 8080}]},
            "traits": [{"type": "scaler", "properties": {"replicas": 2}},
                       {"type": "expose", "properties": {"port": [8080]}},
                       {"type": "labels", "properties": {"team": f"t{i % 9}"}}],
        })
    app = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "fleet", "namespace": "fleet"},
           "spec": {"components": comps,
                    "policies": [{"name": "edge", "type": "topology",
                                  "properties": {"clusterLabelSelector": {"tier": "edge"}}}]}}
    with open(os.path.join(out, f"plan-app-{n}.yaml"), "w") as f:
        json.dump(app, f, indent=1)
        f.write("\n")
    clusters = [{"name": f"edge-{j}", "labels": {"tier": "edge", "region": f"r{j}"},
                 "endpoint": f"https://10.1.0.{j}:6443", "kubeVersion": "1.30"} for j in range(k)]
    clusters += [{"name": f"core-{j}", "labels": {"tier": "core"}, "endpoint": f"https://10.2.0.{j}:6443"}
                 for j in range(k // 2)]
    with open(os.path.join(out, f"plan-clusters-{k}.yaml"), "w") as f:
        json.dump(clusters, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
