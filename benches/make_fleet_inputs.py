#!/usr/bin/env python3
"""Builds the fleet benchmark input of issue #15: N components cycling
webservice / worker / task, three traits each, deployed by one topology
policy to 3 clusters with one override policy.

Writes benches/data/fleet-app-N.yaml and benches/data/fleet-clusters.yaml.
Usage: make_fleet_inputs.py [DIR] [N]
"""
import json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def component(i):
    labels = {"type": "labels", "properties": {"team": f"t{i % 9}", "tier": "fleet"}}
    ann = {"type": "annotations", "properties": {"owner": f"o{i % 7}"}}
    kind = i % 3
    if kind == 0:
        traits = [{"type": "scaler", "properties": {"replicas": 2}}, labels]
        # One webservice in two is exposed: a Service besides the Deployment.
        traits.append({"type": "expose", "properties": {"port": [8080]}} if i % 2 == 0 else ann)
        return {"name": f"web-{i}", "type": "webservice", "traits": traits,
                "properties": {"image": f"example/web:1.{i}", "ports": [{"port": 8080}]}}
    if kind == 1:
        return {"name": f"worker-{i}", "type": "worker",
                "properties": {"image": f"example/worker:2.{i}", "cmd": ["run", str(i)]},
                "traits": [{"type": "scaler", "properties": {"replicas": 1}}, labels, ann]}
    return {"name": f"task-{i}", "type": "task",
            "properties": {"image": f"example/task:3.{i}", "count": 1, "cmd": ["once"]},
            "traits": [labels, ann, {"type": "resource", "properties": {"cpu": 0.5, "memory": "256Mi"}}]}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "benches/data")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    os.makedirs(out, exist_ok=True)
    app = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "fleet", "namespace": "fleet"},
           "spec": {"components": [component(i) for i in range(n)],
                    "policies": [
                        {"name": "three", "type": "topology",
                         "properties": {"clusters": ["fleet-a", "fleet-b", "fleet-c"]}},
                        {"name": "bump", "type": "override",
                         "properties": {"components": [{"name": "web-0",
                                                        "properties": {"image": "example/web:2.0"}}]}}],
                    "workflow": {"steps": [{"name": "deploy", "type": "deploy",
                                            "properties": {"policies": ["three", "bump"]}}]}}}
    with open(os.path.join(out, f"fleet-app-{n}.yaml"), "w") as f:
        json.dump(app, f, indent=1)  # JSON is YAML
        f.write("\n")
    clusters = [{"name": c, "labels": {"fleet": "yes"}, "endpoint": f"https://10.0.0.{i + 1}:6443",
                 "kubeVersion": "1.30"} for i, c in enumerate(["fleet-a", "fleet-b", "fleet-c"])]
    with open(os.path.join(out, "fleet-clusters.yaml"), "w") as f:
        json.dump(clusters, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
