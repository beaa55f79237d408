#!/usr/bin/env python3
"""Builds the render benchmark inputs: N webservice components, each with the
scaler, expose and labels traits.

Writes to benches/data/ (or the directory given as the first argument):
  render-app-N.yaml   the Application, for `velac render`
  render-cue-N.cue    the same template work for a CUE evaluator, in one
                      evaluation: the four built-in templates (as `velac def
                      render` prints them) under hidden fields, and per
                      component the component template plus each trait
                      template, every trait seeing the component's output as
                      `context.output`, as KubeVela evaluates them. Patch
                      merging and labels are Go code upstream, so the CUE side
                      stops at the template results.
Needs the release binary (target/release/velac) to print the templates.
"""
import json, os, re, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VELAC = os.path.join(ROOT, "target/release/velac")
DEFS = {"_WS": "component/webservice.cue", "_SC": "trait/scaler.cue",
        "_EX": "trait/expose.cue", "_LB": "trait/labels.cue"}


def template(path):
    out = subprocess.run([VELAC, "def", "render", os.path.join(ROOT, "definitions", path)],
                         check=True, capture_output=True, text=True).stdout
    # The template is the literal block under `template: |`.
    lines = out.split("\n")
    i = next(k for k, l in enumerate(lines) if l.strip() == "template: |")
    ind = len(lines[i + 1]) - len(lines[i + 1].lstrip())
    body = []
    for l in lines[i + 1:]:
        if l.strip() and len(l) - len(l.lstrip()) < ind:
            break
        body.append(l[ind:])
    return "\n".join(body)


def split_imports(t):
    imports, rest = [], []
    lines = iter(t.split("\n"))
    for l in lines:
        s = l.strip()
        if s.startswith("import ("):
            for l2 in lines:
                if l2.strip() == ")":
                    break
                imports.append(l2.strip())
        elif s.startswith("import "):
            imports.append(s[len("import "):])
        else:
            rest.append(l)
    return imports, "\n".join(rest)


def main():
    n_list = [int(x) for x in sys.argv[2:]] or [1000]
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "benches/data")
    os.makedirs(outdir, exist_ok=True)
    imports, bodies = set(), {}
    for k, path in DEFS.items():
        imp, body = split_imports(template(path))
        imports.update(imp)
        bodies[k] = body
    for n in n_list:
        comps = []
        cue = ["import (", *[f"\t{i}" for i in sorted(imports)], ")", ""]
        for k, body in bodies.items():
            cue += [f"{k}: {{", body, "context: _", "parameter: _", "}"]
        for i in range(n):
            name = f"web-{i}"
            props = {"image": f"example/store:5.0.{i}", "ports": [{"port": 8080, "expose": True}],
                     "env": [{"name": "INDEX", "value": str(i)}], "cpu": "250m", "memory": "256Mi"}
            traits = [("scaler", "_SC", {"replicas": 1 + i % 5}),
                      ("expose", "_EX", {"port": [8080]}),
                      ("labels", "_LB", {"team": f"team-{i % 7}"})]
            comps.append({"name": name, "type": "webservice", "properties": props,
                          "traits": [{"type": t, "properties": p} for t, _, p in traits]})
            ctx = {"name": name, "namespace": "bench", "appName": "bench", "appRevision": "bench-v1",
                   "appRevisionNum": 1, "revision": f"{name}-v1", "cluster": "",
                   "clusterVersion": {"major": "1", "minor": 31, "gitVersion": "v1.31.0", "platform": "linux/amd64"},
                   "appLabels": {}, "appAnnotations": {}, "replicaKey": "", "workflowName": "bench",
                   "publishVersion": "", "componentType": "webservice", "components": []}
            c = json.dumps(ctx, separators=(",", ":"))
            cue.append(f"c{i}: {{")
            cue.append(f"\t_ctx: {c}")
            cue.append(f"\t_w: _WS & {{parameter: {json.dumps(props, separators=(',', ':'))}, context: _ctx}}")
            cue.append("\toutput: _w.output")
            cue.append("\toutputs: _w.outputs")
            for t, def_, p in traits:
                cue.append(f"\t_{t}: {def_} & {{parameter: {json.dumps(p, separators=(',', ':'))}, context: _ctx & {{output: _w.output, outputs: _w.outputs}}}}")
                field = "outputs" if t == "expose" else "patch"
                cue.append(f"\t{t}: _{t}.{field}")
            cue.append("}")
        app = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
               "metadata": {"name": "bench", "namespace": "bench"}, "spec": {"components": comps}}
        with open(os.path.join(outdir, f"render-app-{n}.yaml"), "w") as f:
            json.dump(app, f, indent=1)  # JSON is YAML
            f.write("\n")
        with open(os.path.join(outdir, f"render-cue-{n}.cue"), "w") as f:
            f.write("\n".join(cue) + "\n")


if __name__ == "__main__":
    main()
